-- Purpose: a moderator hides a roll's purpose text (issue 22) while the roll itself stays.
-- Affected: table app_private.hidden_roll_purposes (audited); function
-- app_private.forbid_dice_roll_change() (replaced: lets this one change through);
-- functions app_private.hide_roll_purpose(uuid), public.hide_roll_purpose(uuid).
-- The roll's purpose becomes the marker '[hidden by a moderator]' for everyone (REST, realtime);
-- the original text moves to app_private.hidden_roll_purposes, whose audit entry (who hid it,
-- when, the text) holders of audit.read (moderators, admins) read through public.audit_log.
-- API roles have no update privilege on dice_rolls, so only this definer function can use the
-- exception in the append-only trigger, and only for the purpose column.

create table app_private.hidden_roll_purposes (
    roll_id uuid primary key references public.dice_rolls (id) on delete cascade,
    purpose text,
    hidden_by uuid default auth.uid(),
    hidden_at timestamptz not null default pg_catalog.now()
);

revoke all on table app_private.hidden_roll_purposes
from public, anon, authenticated, service_role;

comment on table app_private.hidden_roll_purposes is
'Purpose texts moderators hid from dice rolls: the original text, who hid it and when.';

select audit.enable_tracking('app_private.hidden_roll_purposes'::regclass);

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
        and (to_jsonb(new) - 'purpose') = (to_jsonb(old) - 'purpose') then
        return new;
    end if;
    raise sqlstate '42501' using message = 'dice rolls are append-only';
end;
$$;

comment on function app_private.forbid_dice_roll_change() is
'Trigger: dice rolls never change, for any role (cascaded deletes and a moderator hiding a '
'purpose through app_private.hide_roll_purpose() excepted).';

-- DEFINER: API roles may not update dice_rolls nor reach app_private.hidden_roll_purposes.
create function app_private.hide_roll_purpose(target_roll_id uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
    hidden constant text := '[hidden by a moderator]';
    original text;
begin
    if not app_private.has_permission('campaign.moderate') then
        raise sqlstate '42501' using message = 'campaign.moderate permission required';
    end if;
    select r.purpose into original from public.dice_rolls as r
    where r.id = hide_roll_purpose.target_roll_id;
    if not found or original is not distinct from hidden then
        return false;
    end if;
    insert into app_private.hidden_roll_purposes (roll_id, purpose)
    values (hide_roll_purpose.target_roll_id, original);
    perform pg_catalog.set_config(
        'app.hiding_roll_purpose', hide_roll_purpose.target_roll_id::text, true
    );
    update public.dice_rolls as r set purpose = hidden
    where r.id = hide_roll_purpose.target_roll_id;
    perform pg_catalog.set_config('app.hiding_roll_purpose', '', true);
    return true;
end;
$$;

comment on function app_private.hide_roll_purpose(uuid) is
'Replace a roll''s purpose by a marker, keeping the text aside (holders of campaign.moderate).';

revoke all on function app_private.hide_roll_purpose(uuid) from public;
grant execute on function app_private.hide_roll_purpose(uuid) to authenticated;

create function public.hide_roll_purpose(target_roll_id uuid)
returns boolean
language sql
set search_path = ''
as $$
    select app_private.hide_roll_purpose(hide_roll_purpose.target_roll_id)
$$;

comment on function public.hide_roll_purpose(uuid) is
'Moderators and admins (campaign.moderate): hide a roll''s purpose text from everyone, audited; '
'false when the roll is unknown or already hidden.';

revoke all on function public.hide_roll_purpose(uuid) from public;
grant execute on function public.hide_roll_purpose(uuid) to authenticated;
