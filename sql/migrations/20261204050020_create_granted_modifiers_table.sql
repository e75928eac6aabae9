-- Purpose: modifiers a game master grants a character for its checks (e.g. +2 circumstance for
-- a dictionary at hand), the only numbers a roller may add to a check.
-- Affected: table public.granted_modifiers (grants, RLS, policies, indexes, audit tracking);
-- function app_private.use_granted_modifiers(uuid, uuid[]).
-- The campaign's gm grants and withdraws (unused) modifiers; the character's owner and the gm
-- read them (moderators too). A roller names granted modifier ids in a check; the dice service
-- reads them as the roller (RLS), records the roll, then calls app_private.use_granted_modifiers,
-- which marks single-use grants used by that roll. Nobody updates a grant otherwise.

create table public.granted_modifiers (
    id uuid primary key default gen_random_uuid(),
    character_id uuid not null references public.characters (id) on delete cascade,
    granted_by uuid default auth.uid() references auth.users (id) on delete set null,
    amount smallint not null,
    type text,
    ability text,
    reason text not null,
    single_use boolean not null default true,
    expires_at timestamptz,
    used_at timestamptz,
    used_by_roll_id uuid references public.dice_rolls (id) on delete set null,
    created_at timestamptz not null default now(),
    constraint granted_modifiers_amount_check check (amount between -20 and 20 and amount <> 0),
    constraint granted_modifiers_type_check check (type in ('circumstance', 'item', 'status')),
    constraint granted_modifiers_ability_check check (
        ability in ('vocabulary', 'grammar', 'listening', 'speaking', 'reading', 'culture')
    ),
    constraint granted_modifiers_reason_check check (
        pg_catalog.char_length(reason) between 1 and 200
    ),
    constraint granted_modifiers_used_check check (used_at is null or single_use)
);

comment on table public.granted_modifiers is
'Modifiers the gm grants a character for its checks; single-use ones record the roll that used '
'them.';
comment on column public.granted_modifiers.id is 'Grant id, named by a check that applies it.';
comment on column public.granted_modifiers.character_id is 'The character who may apply it.';
comment on column public.granted_modifiers.granted_by is 'The gm who granted it.';
comment on column public.granted_modifiers.amount is 'Bonus (> 0) or penalty (< 0), -20..20.';
comment on column public.granted_modifiers.type is
'circumstance, item or status (typed bonuses do not stack: the highest counts); null: untyped.';
comment on column public.granted_modifiers.ability is
'Only for checks of this ability; null: any check.';
comment on column public.granted_modifiers.reason is 'Why the gm granted it (1-200 characters).';
comment on column public.granted_modifiers.single_use is
'Used up by the first roll that counts it (else usable until it expires).';
comment on column public.granted_modifiers.expires_at is 'Unusable from then on (null: never).';
comment on column public.granted_modifiers.used_at is 'When a roll used it up.';
comment on column public.granted_modifiers.used_by_roll_id is 'The roll that used it up.';
comment on column public.granted_modifiers.created_at is 'When it was granted.';

grant select, delete on table public.granted_modifiers to authenticated;
grant insert (character_id, amount, type, ability, reason, single_use, expires_at)
on table public.granted_modifiers to authenticated;
grant all on table public.granted_modifiers to service_role;

alter table public.granted_modifiers enable row level security;

create policy "Owners, game masters and moderators read granted modifiers"
on public.granted_modifiers for select to authenticated
using (
    app_private.owns_character(character_id)
    or app_private.character_campaign_id(character_id) in (select app_private.my_gm_campaign_ids())
    or (select app_private.has_permission('campaign.moderate'))
);

create policy "Game masters grant modifiers in live campaigns"
on public.granted_modifiers for insert to authenticated
with check (
    granted_by = (select auth.uid())
    and used_at is null
    and used_by_roll_id is null
    and app_private.character_campaign_id(character_id)
    in (select app_private.my_gm_campaign_ids())
    and not app_private.is_campaign_archived(app_private.character_campaign_id(character_id))
);

create policy "Game masters withdraw unused modifiers in live campaigns"
on public.granted_modifiers for delete to authenticated
using (
    used_at is null
    and app_private.character_campaign_id(character_id)
    in (select app_private.my_gm_campaign_ids())
    and not app_private.is_campaign_archived(app_private.character_campaign_id(character_id))
);

create index granted_modifiers_character_id_idx on public.granted_modifiers (character_id);
create index granted_modifiers_granted_by_idx on public.granted_modifiers (granted_by);
create index granted_modifiers_used_by_roll_id_idx on public.granted_modifiers (used_by_roll_id);

select audit.enable_tracking('public.granted_modifiers'::regclass);

-- DEFINER: rollers may not update grants; only a dice-service roll of theirs uses one up.
create function app_private.use_granted_modifiers(roll_id uuid, modifier_ids uuid[])
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
    roll_character uuid;
    usable integer;
    used integer;
begin
    if not app_private.is_dice_service() then
        raise sqlstate '42501' using message = 'granted modifiers are used by the dice service only';
    end if;
    select r.character_id into roll_character
    from public.dice_rolls as r
    where r.id = use_granted_modifiers.roll_id and r.roller_id = auth.uid();
    if roll_character is null then
        raise sqlstate '42501' using message = 'not a roll of yours for a character';
    end if;
    -- Lock the grants, then count those still usable by this character.
    select pg_catalog.count(*) into usable
    from (
        select g.id from public.granted_modifiers as g
        where g.id = any(use_granted_modifiers.modifier_ids)
            and g.character_id = roll_character
            and g.used_at is null
            and (g.expires_at is null or g.expires_at > pg_catalog.now())
        for update
    ) as locked;
    if usable <> (select pg_catalog.count(distinct m) from pg_catalog.unnest(modifier_ids) as m) then
        raise sqlstate 'PT409' using
            message = 'a granted modifier was used up, withdrawn or expired meanwhile',
            hint = 'Roll again without it.';
    end if;
    update public.granted_modifiers as g
    set used_at = pg_catalog.now(), used_by_roll_id = use_granted_modifiers.roll_id
    where g.id = any(use_granted_modifiers.modifier_ids) and g.single_use;
    get diagnostics used = row_count;
    return used;
end;
$$;

comment on function app_private.use_granted_modifiers(uuid, uuid[]) is
'Dice service only: check that the roller''s roll may still count these grants of its '
'character and mark the single-use ones used by it; PT409 if one no longer is usable.';

grant execute on function app_private.use_granted_modifiers(uuid, uuid[]) to authenticated;
