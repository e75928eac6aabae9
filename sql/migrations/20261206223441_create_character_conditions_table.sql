-- Purpose: active conditions of game modules (issue 21): a game master applies a condition an
-- enabled module defines (provides.rules.conditions) to a character of their campaign, and the
-- dice service adds its modifiers to that character's checks while it is active.
-- Affected: table public.character_conditions (grants, RLS, policy, indexes, audit tracking);
-- functions app_private.apply_character_condition(uuid, text, text),
-- app_private.remove_character_condition(uuid, text, text).
-- Rows are written only by those functions (the campaign's game master, or module.manage);
-- campaign members read them as they read the campaign's module items.

create table public.character_conditions (
    id uuid primary key default gen_random_uuid(),
    character_id uuid not null references public.characters (id) on delete cascade,
    module_id text not null references public.game_modules (id) on delete cascade,
    condition text not null check (condition ~ '^[a-z][a-z0-9_]{0,47}$'),
    applied_by uuid default auth.uid() references auth.users (id) on delete set null,
    applied_at timestamptz not null default now(),
    constraint character_conditions_character_module_condition_key unique (
        character_id, module_id, condition
    )
);

comment on table public.character_conditions is
'Conditions of enabled modules a game master applied to a character; their modifiers apply.';
comment on column public.character_conditions.id is 'The applied condition.';
comment on column public.character_conditions.character_id is 'Who is under it.';
comment on column public.character_conditions.module_id is 'The module defining it.';
comment on column public.character_conditions.condition is
'The condition name in the module''s provides.rules.conditions.';
comment on column public.character_conditions.applied_by is 'The game master who applied it.';
comment on column public.character_conditions.applied_at is 'When it was applied.';

grant select on table public.character_conditions to authenticated;
grant all on table public.character_conditions to service_role;

alter table public.character_conditions enable row level security;

create policy "Campaign members read their characters' conditions"
on public.character_conditions for select to authenticated
using (
    (select app_private.character_campaign_id(character_id))
    in (select app_private.readable_campaign_ids())
);

create index character_conditions_module_id_idx on public.character_conditions (module_id);
create index character_conditions_applied_by_idx on public.character_conditions (applied_by);

select audit.enable_tracking('public.character_conditions'::regclass);

-- DEFINER: game masters write a table no API role may write, after checking their campaign
-- enables the module at a version defining the condition.
create function app_private.apply_character_condition(
    character_id uuid, module_id text, condition text
)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
    campaign uuid := app_private.character_campaign_id(apply_character_condition.character_id);
    applied uuid;
begin
    if campaign is null or not (
        app_private.is_campaign_gm(campaign) or app_private.has_permission('module.manage')
    ) then
        raise sqlstate '42501' using message = 'only the game master applies conditions';
    end if;
    if not exists (
        select
        from public.campaign_game_modules as cm
        inner join public.game_module_versions as v
            on v.module_id = cm.module_id and v.version = cm.version
        where
            cm.campaign_id = campaign and cm.module_id = apply_character_condition.module_id
            and cm.enabled
            and pg_catalog.jsonb_path_exists(
                v.manifest, '$.provides.rules.conditions[*] ? (@.name == $c)',
                pg_catalog.jsonb_build_object('c', apply_character_condition.condition)
            )
    ) then
        raise sqlstate '23503' using message = pg_catalog.format(
            'condition: %s is not a condition of %s as the campaign enables it',
            apply_character_condition.condition, apply_character_condition.module_id
        );
    end if;
    insert into public.character_conditions as c (character_id, module_id, condition, applied_by)
    values (
        apply_character_condition.character_id, apply_character_condition.module_id,
        apply_character_condition.condition, auth.uid()
    )
    on conflict on constraint character_conditions_character_module_condition_key
    do update set applied_by = excluded.applied_by
    returning c.id into applied;
    return applied;
end;
$$;

comment on function app_private.apply_character_condition(uuid, text, text) is
'Apply a condition of a module the campaign enables to a character (its game master).';

grant execute on function app_private.apply_character_condition(uuid, text, text)
to authenticated, service_role;

-- DEFINER: game masters delete rows of a table no API role may write.
create function app_private.remove_character_condition(
    character_id uuid, module_id text, condition text
)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
    campaign uuid := app_private.character_campaign_id(remove_character_condition.character_id);
begin
    if campaign is null or not (
        app_private.is_campaign_gm(campaign) or app_private.has_permission('module.manage')
    ) then
        raise sqlstate '42501' using message = 'only the game master removes conditions';
    end if;
    delete from public.character_conditions as c
    where
        c.character_id = remove_character_condition.character_id
        and c.module_id = remove_character_condition.module_id
        and c.condition = remove_character_condition.condition;
    return found;
end;
$$;

comment on function app_private.remove_character_condition(uuid, text, text) is
'Remove a condition from a character (its game master); false when it was not applied.';

grant execute on function app_private.remove_character_condition(uuid, text, text)
to authenticated, service_role;
