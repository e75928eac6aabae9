-- Purpose: character inventories (which items a character carries, how many, equipped or not).
-- Affected: table public.character_items (grants, RLS, policies, indexes, trigger); helper
-- app_private.character_campaign_id(uuid).
-- The gm of the character's campaign hands out and takes back items; the character's owner may
-- only toggle `equipped` (enforced by a trigger, since both act under the same column grants).

-- DEFINER: policies of character_items must find the character's campaign whatever its RLS says.
create function app_private.character_campaign_id(character_id uuid)
returns uuid
language sql
stable
security definer
set search_path = ''
as $$
    select c.campaign_id from public.characters as c where c.id = character_campaign_id.character_id
$$;

comment on function app_private.character_campaign_id(uuid) is
'The campaign a character belongs to.';

grant execute on function app_private.character_campaign_id(uuid) to anon, authenticated,
service_role;

-- DEFINER: the owner test must not depend on the caller's view of characters.
create function app_private.owns_character(character_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
    select exists (
        select from public.characters as c
        where c.id = owns_character.character_id and c.owner_id = auth.uid()
    )
$$;

comment on function app_private.owns_character(uuid) is
'Whether the current user owns the character.';

grant execute on function app_private.owns_character(uuid) to anon, authenticated, service_role;

create table public.character_items (
    id uuid primary key default gen_random_uuid(),
    character_id uuid not null references public.characters (id) on delete cascade,
    item_id uuid not null references public.items (id) on delete restrict,
    quantity integer not null default 1,
    equipped boolean not null default false,
    acquired_at timestamptz not null default now(),
    constraint character_items_unique unique (character_id, item_id),
    constraint character_items_quantity_check check (quantity between 1 and 9999)
);

comment on table public.character_items is
'Inventory lines: a character carries `quantity` of an item. The gm hands items out.';
comment on column public.character_items.id is 'Inventory line id.';
comment on column public.character_items.character_id is 'The carrying character.';
comment on column public.character_items.item_id is 'The item carried.';
comment on column public.character_items.quantity is 'How many (1-9999).';
comment on column public.character_items.equipped is 'Whether the item is in use (owner toggles).';
comment on column public.character_items.acquired_at is 'When the character got it.';

grant select on table public.character_items to anon;
grant select, delete on table public.character_items to authenticated;
grant insert (character_id, item_id, quantity, equipped) on table public.character_items
to authenticated;
grant update (quantity, equipped) on table public.character_items to authenticated;
grant all on table public.character_items to service_role;

alter table public.character_items enable row level security;

create policy "Anyone reads inventories in public campaigns"
on public.character_items for select to anon
using (
    app_private.character_campaign_id(character_id)
    in (select app_private.readable_campaign_ids())
);

create policy "Users read inventories in campaigns they can read"
on public.character_items for select to authenticated
using (
    app_private.character_campaign_id(character_id)
    in (select app_private.readable_campaign_ids())
);

create policy "Game masters give items in live campaigns"
on public.character_items for insert to authenticated
with check (
    app_private.character_campaign_id(character_id)
    in (select app_private.my_gm_campaign_ids())
    and not app_private.is_campaign_archived(app_private.character_campaign_id(character_id))
);

create policy "Game masters and owners update inventories in live campaigns"
on public.character_items for update to authenticated
using (
    (
        app_private.character_campaign_id(character_id)
        in (select app_private.my_gm_campaign_ids())
        or app_private.owns_character(character_id)
    )
    and not app_private.is_campaign_archived(app_private.character_campaign_id(character_id))
)
with check (
    app_private.character_campaign_id(character_id) in (select app_private.my_gm_campaign_ids())
    or app_private.owns_character(character_id)
);

create policy "Game masters take items back in live campaigns"
on public.character_items for delete to authenticated
using (
    app_private.character_campaign_id(character_id)
    in (select app_private.my_gm_campaign_ids())
    and not app_private.is_campaign_archived(app_private.character_campaign_id(character_id))
);

create index character_items_item_id_idx on public.character_items (item_id);

create function app_private.restrict_owner_inventory_update()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    if (new.quantity, new.character_id, new.item_id)
        is distinct from (old.quantity, old.character_id, old.item_id)
        and current_user = 'authenticated'
        and not app_private.is_campaign_gm(app_private.character_campaign_id(old.character_id))
    then
        raise sqlstate '42501' using message = 'only the gm changes quantities; owners may equip';
    end if;
    return new;
end;
$$;

comment on function app_private.restrict_owner_inventory_update() is
'Trigger: a character''s owner (not gm) may only change `equipped`.';

create trigger character_items_restrict_owner_update
before update on public.character_items
for each row execute function app_private.restrict_owner_inventory_update();
