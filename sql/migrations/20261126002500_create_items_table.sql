-- Purpose: the item catalogue written by content editors.
-- Affected: table public.items (grants, RLS, policies, indexes, trigger).
-- Everyone reads published items; content.write holders read drafts and write items; publishing
-- (or changing a published item) needs content.publish too.

create table public.items (
    id uuid primary key default gen_random_uuid(),
    name text not null unique,
    description text not null default '',
    kind text not null,
    rarity text not null default 'common',
    is_published boolean not null default false,
    created_by uuid default auth.uid() references auth.users (id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint items_name_check check (pg_catalog.char_length(name) between 1 and 120),
    constraint items_description_check check (pg_catalog.char_length(description) <= 4000),
    constraint items_kind_check check (
        kind in ('book', 'tool', 'consumable', 'trinket', 'weapon', 'armor')
    ),
    constraint items_rarity_check check (
        rarity in ('common', 'uncommon', 'rare', 'legendary')
    )
);

comment on table public.items is 'Catalogue of items characters can carry.';
comment on column public.items.id is 'Item id.';
comment on column public.items.name is 'Unique item name (1-120 characters).';
comment on column public.items.description is 'What the item does (up to 4000 characters).';
comment on column public.items.kind is 'book, tool, consumable, trinket, weapon or armor.';
comment on column public.items.rarity is 'common, uncommon, rare or legendary.';
comment on column public.items.is_published is 'Visible to every player once published.';
comment on column public.items.created_by is 'The content editor who created it.';
comment on column public.items.created_at is 'Creation time.';
comment on column public.items.updated_at is 'Last change time.';

grant select on table public.items to anon;
grant select, delete on table public.items to authenticated;
grant insert (name, description, kind, rarity, is_published) on table public.items
to authenticated;
grant update (name, description, kind, rarity, is_published) on table public.items
to authenticated;
grant all on table public.items to service_role;

alter table public.items enable row level security;

create policy "Anyone reads published items"
on public.items for select to anon
using (is_published);

create policy "Users read published items and editors read drafts"
on public.items for select to authenticated
using (is_published or (select app_private.has_permission('content.write')));

create policy "Editors create items and publishers publish them"
on public.items for insert to authenticated
with check (
    (select app_private.has_permission('content.write'))
    and (not is_published or (select app_private.has_permission('content.publish')))
);

create policy "Editors edit drafts and publishers edit published items"
on public.items for update to authenticated
using (
    (select app_private.has_permission('content.write'))
    and (not is_published or (select app_private.has_permission('content.publish')))
)
with check (
    (select app_private.has_permission('content.write'))
    and (not is_published or (select app_private.has_permission('content.publish')))
);

create policy "Editors delete drafts and publishers delete published items"
on public.items for delete to authenticated
using (
    (select app_private.has_permission('content.write'))
    and (not is_published or (select app_private.has_permission('content.publish')))
);

create index items_created_by_idx on public.items (created_by);
create index items_is_published_idx on public.items (is_published);

create trigger items_touch_updated_at
before update on public.items
for each row execute function app_private.touch_updated_at();
