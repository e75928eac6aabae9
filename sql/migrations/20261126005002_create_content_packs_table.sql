-- Purpose: versioned content packs; a campaign plays one frozen version of a pack.
-- Affected: tables public.content_packs, public.content_pack_versions.

create table public.content_packs (
    id uuid primary key default gen_random_uuid(),
    slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{0,79}$'),
    learning_language text not null references public.locales (code),
    created_at timestamptz not null default now()
);

comment on table public.content_packs is 'A named bundle of decks for one learning language.';

create table public.content_pack_versions (
    id uuid primary key default gen_random_uuid(),
    pack_id uuid not null references public.content_packs (id) on delete cascade,
    version integer not null check (version > 0),
    published_at timestamptz not null default now(),
    unique (pack_id, version)
);

comment on table public.content_pack_versions is
'A frozen snapshot of a pack: its deck membership at publish time.';

grant select on public.content_packs, public.content_pack_versions to anon, authenticated;
grant select, insert, update, delete on public.content_packs, public.content_pack_versions
to service_role;

alter table public.content_packs enable row level security;
alter table public.content_pack_versions enable row level security;

create policy "Anyone can read content packs"
on public.content_packs for select to anon, authenticated
using (true);

create policy "Anyone can read content pack versions"
on public.content_pack_versions for select to anon, authenticated
using (true);

create index content_packs_learning_language_idx on public.content_packs (learning_language);
