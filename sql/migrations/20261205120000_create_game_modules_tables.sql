-- Purpose: game modules (issue 21): installed module versions with their validated manifests,
-- the version each campaign pinned, and the module items characters hold.
-- Affected: tables public.game_modules, public.game_module_versions,
-- public.campaign_game_modules, public.character_module_items (grants, RLS, policies, indexes,
-- audit tracking); permission module.manage (granted to admin).
-- Rows are written only by app_private.*_game_module functions (docs/modules.md); readers are
-- the campaigns that enable a module, game masters choosing one, and module.manage holders.

insert into app_private.permissions (name, description) values
('module.manage', 'Install, upgrade and remove game modules.');
insert into app_private.role_permissions (role, permission) values ('admin', 'module.manage');

create table public.game_modules (
    id text primary key check (id ~ '^[a-z0-9][a-z0-9-]{1,63}$'),
    publisher text not null,
    installed_at timestamptz not null default now()
);

comment on table public.game_modules is
'An installed game module; its id belongs to the publisher that installed it first.';
comment on column public.game_modules.id is 'The manifest id, e.g. market-day-seville.';
comment on column public.game_modules.publisher is 'Who owns the id (the manifest publisher).';
comment on column public.game_modules.installed_at is 'When its first version was installed.';

create table public.game_module_versions (
    module_id text not null references public.game_modules (id) on delete cascade,
    version text not null,
    major integer not null check (major >= 0),
    manifest jsonb not null,
    installed_at timestamptz not null default now(),
    primary key (module_id, version)
);

comment on table public.game_module_versions is
'An installed version of a module and its validated manifest (module.schema.json).';
comment on column public.game_module_versions.module_id is 'The module.';
comment on column public.game_module_versions.version is 'Its semantic version.';
comment on column public.game_module_versions.major is 'The major version (breaking changes).';
comment on column public.game_module_versions.manifest is 'The manifest as validated.';
comment on column public.game_module_versions.installed_at is 'When this version was installed.';

create table public.campaign_game_modules (
    campaign_id uuid not null references public.campaigns (id) on delete cascade,
    module_id text not null,
    version text not null,
    enabled boolean not null default true,
    enabled_by uuid default auth.uid() references auth.users (id) on delete set null,
    updated_at timestamptz not null default now(),
    primary key (campaign_id, module_id),
    constraint campaign_game_modules_module_id_version_fkey foreign key (module_id, version)
    references public.game_module_versions (module_id, version)
);

comment on table public.campaign_game_modules is
'The modules a campaign uses, each pinned to a version until its game master upgrades.';
comment on column public.campaign_game_modules.campaign_id is 'The campaign.';
comment on column public.campaign_game_modules.module_id is 'The module.';
comment on column public.campaign_game_modules.version is 'The pinned version.';
comment on column public.campaign_game_modules.enabled is
'False once disabled: its items stay with players, inactive.';
comment on column public.campaign_game_modules.enabled_by is 'The game master who last changed it.';
comment on column public.campaign_game_modules.updated_at is 'When it was last changed.';

create table public.character_module_items (
    id uuid primary key default gen_random_uuid(),
    character_id uuid not null references public.characters (id) on delete cascade,
    module_id text not null references public.game_modules (id) on delete cascade,
    item_key text not null check (item_key ~ '^[a-z][a-z0-9_]{0,47}$'),
    equipped boolean not null default false,
    active boolean not null default true,
    created_at timestamptz not null default now()
);

comment on table public.character_module_items is
'Items from a module''s templates held by characters; inactive while the module is disabled.';
comment on column public.character_module_items.id is 'The held item.';
comment on column public.character_module_items.character_id is 'Who holds it.';
comment on column public.character_module_items.module_id is 'The module of its template.';
comment on column public.character_module_items.item_key is 'The template key in the manifest.';
comment on column public.character_module_items.equipped is 'Whether its modifiers apply.';
comment on column public.character_module_items.active is
'False while the campaign has the module disabled.';
comment on column public.character_module_items.created_at is 'When it was granted.';

grant select on table public.game_modules, public.game_module_versions,
public.campaign_game_modules, public.character_module_items to authenticated;
grant update (equipped) on table public.character_module_items to authenticated;
grant all on table public.game_modules, public.game_module_versions,
public.campaign_game_modules, public.character_module_items to service_role;

alter table public.game_modules enable row level security;
alter table public.game_module_versions enable row level security;
alter table public.campaign_game_modules enable row level security;
alter table public.character_module_items enable row level security;

create policy "Campaigns read the modules they enable"
on public.campaign_game_modules for select to authenticated
using (
    campaign_id in (select app_private.readable_campaign_ids())
    or (select app_private.has_permission('module.manage'))
);

create policy "GMs, managers and enabling campaigns read modules"
on public.game_modules for select to authenticated
using (
    (select app_private.has_permission('module.manage'))
    or exists (select from app_private.my_gm_campaign_ids())
    or id in (select cm.module_id from public.campaign_game_modules as cm)
);

create policy "GMs, managers and enabling campaigns read module versions"
on public.game_module_versions for select to authenticated
using (
    (select app_private.has_permission('module.manage'))
    or exists (select from app_private.my_gm_campaign_ids())
    or exists (
        select from public.campaign_game_modules as cm
        where
            cm.module_id = game_module_versions.module_id
            and cm.version = game_module_versions.version
    )
);

create policy "Campaign members read their characters' module items"
on public.character_module_items for select to authenticated
using (
    (select app_private.character_campaign_id(character_id))
    in (select app_private.readable_campaign_ids())
);

create policy "Owners equip their characters' module items"
on public.character_module_items for update to authenticated
using ((select app_private.owns_character(character_id)))
with check ((select app_private.owns_character(character_id)));

create index campaign_game_modules_module_id_version_idx
on public.campaign_game_modules (module_id, version);
create index character_module_items_character_id_idx
on public.character_module_items (character_id);
create index character_module_items_module_id_idx on public.character_module_items (module_id);

select audit.enable_tracking('public.game_module_versions'::regclass);
select audit.enable_tracking('public.campaign_game_modules'::regclass);
