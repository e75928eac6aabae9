-- Purpose: qualify the built-in to_jsonb in app_private.forbid_dice_roll_change() (house style;
-- 20261205140010 left it unqualified). Behaviour unchanged.
-- Affected: function app_private.forbid_dice_roll_change().

create or replace function app_private.forbid_dice_roll_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    -- Depth > 1: a cascade from deleting the campaign, user or character.
    if pg_catalog.pg_trigger_depth() > 1 then
        return coalesce(new, old);
    end if;
    -- app_private.hide_roll_purpose() names the one roll whose purpose it replaces.
    if tg_op = 'UPDATE'
        and pg_catalog.current_setting('app.hiding_roll_purpose', true) = old.id::text
        and (pg_catalog.to_jsonb(new) - 'purpose') = (pg_catalog.to_jsonb(old) - 'purpose') then
        return new;
    end if;
    raise sqlstate '42501' using message = 'dice rolls are append-only';
end;
$$;
