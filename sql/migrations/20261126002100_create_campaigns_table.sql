-- Purpose: campaigns, run by their owner (the game master).
-- Affected: table public.campaigns (grants, RLS enabled; policies follow in
-- 20261126002130_create_campaign_policies.sql, once the membership helpers exist).

create table public.campaigns (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
    name text not null,
    description text not null default '',
    target_language text not null,
    visibility text not null default 'private',
    status text not null default 'active',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint campaigns_name_check check (pg_catalog.char_length(name) between 1 and 120),
    constraint campaigns_description_check check (pg_catalog.char_length(description) <= 4000),
    constraint campaigns_target_language_check check (
        target_language ~ '^[a-z]{2,3}(-[A-Z]{2})?$'
    ),
    constraint campaigns_visibility_check check (visibility in ('private', 'unlisted', 'public')),
    constraint campaigns_status_check check (status in ('active', 'paused', 'archived'))
);

comment on table public.campaigns is
'A tabletop campaign run by its owner, the game master. Archived campaigns are read-only.';
comment on column public.campaigns.id is 'Campaign id.';
comment on column public.campaigns.owner_id is 'The game master who created and owns the campaign.';
comment on column public.campaigns.name is 'Display name (1-120 characters).';
comment on column public.campaigns.description is 'Free-text pitch (up to 4000 characters).';
comment on column public.campaigns.target_language is
'The language the campaign practises, as a locale tag such as es or pt-BR.';
comment on column public.campaigns.visibility is
'private or unlisted: members only; public: readable by everyone, signed in or not.';
comment on column public.campaigns.status is
'active, paused or archived (archived: nothing in the campaign can change).';
comment on column public.campaigns.created_at is 'Creation time.';
comment on column public.campaigns.updated_at is 'Last change time.';

grant select on table public.campaigns to anon;
grant select, delete on table public.campaigns to authenticated;
grant insert (name, description, target_language, visibility, status) on table public.campaigns
to authenticated;
grant update (name, description, target_language, visibility, status) on table public.campaigns
to authenticated;
grant all on table public.campaigns to service_role;

alter table public.campaigns enable row level security;

create index campaigns_owner_id_idx on public.campaigns (owner_id);
create index campaigns_visibility_idx on public.campaigns (visibility);

create function app_private.touch_updated_at()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    new.updated_at := pg_catalog.now();
    return new;
end;
$$;

comment on function app_private.touch_updated_at() is 'Trigger: set updated_at on every update.';

create trigger campaigns_touch_updated_at
before update on public.campaigns
for each row execute function app_private.touch_updated_at();
