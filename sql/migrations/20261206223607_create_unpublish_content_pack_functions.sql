-- Purpose: editors unpublish a content pack (issue 22). The pack's published decks become drafts
-- again, so players stop seeing them and search drops them: the decks' outbox triggers enqueue
-- each deck and its lessons, and the indexer removes what search_documents no longer returns.
-- Campaigns keep the pack versions they pinned (versions are frozen snapshots).
-- Affected: table app_private.unpublished_pack_decks (audited); functions
-- app_private.unpublish_content_pack(uuid), public.unpublish_content_pack(text).
-- Publishing the pack again restores the withdrawn decks (the next migration).

create table app_private.unpublished_pack_decks (
    deck_id uuid primary key references public.decks (id) on delete cascade,
    pack_id uuid not null references public.content_packs (id) on delete cascade,
    published_at timestamptz not null,
    unpublished_by uuid default auth.uid(),
    unpublished_at timestamptz not null default pg_catalog.now()
);

revoke all on table app_private.unpublished_pack_decks
from public, anon, authenticated, service_role;

comment on table app_private.unpublished_pack_decks is
'Decks withdrawn by unpublishing their pack: when each was published, who withdrew it and when.';

create index unpublished_pack_decks_pack_id_idx on app_private.unpublished_pack_decks (pack_id);

select audit.enable_tracking('app_private.unpublished_pack_decks'::regclass);

-- DEFINER: API roles may not write app_private; the permission check is inside.
create function app_private.unpublish_content_pack(target_pack_id uuid)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
    withdrawn integer;
begin
    if not app_private.has_permission('content.publish') then
        raise sqlstate '42501' using message = 'content.publish permission required';
    end if;
    perform 1 from public.content_packs as p where p.id = unpublish_content_pack.target_pack_id
    for update;
    if not found then
        raise sqlstate 'PT404' using message = 'content pack not found';
    end if;
    insert into app_private.unpublished_pack_decks (deck_id, pack_id, published_at)
    select d.id, d.pack_id, d.published_at
    from public.decks as d
    where d.pack_id = unpublish_content_pack.target_pack_id and d.published_at is not null
    on conflict (deck_id) do update
        set
            pack_id = excluded.pack_id,
            published_at = excluded.published_at,
            unpublished_by = excluded.unpublished_by,
            unpublished_at = excluded.unpublished_at;
    update public.decks as d set published_at = null
    where d.pack_id = unpublish_content_pack.target_pack_id and d.published_at is not null;
    get diagnostics withdrawn = row_count;
    return withdrawn;
end;
$$;

comment on function app_private.unpublish_content_pack(uuid) is
'Turn the pack''s published decks back into drafts, remembering when each was published '
'(holders of content.publish); returns how many decks were withdrawn.';

revoke all on function app_private.unpublish_content_pack(uuid) from public;
grant execute on function app_private.unpublish_content_pack(uuid) to authenticated;

create function public.unpublish_content_pack(pack_slug text)
returns integer
language plpgsql
set search_path = ''
as $$
declare
    target uuid;
begin
    select p.id into target from public.content_packs as p
    where p.slug = unpublish_content_pack.pack_slug;
    if target is null then
        raise sqlstate 'PT404' using message = 'content pack not found';
    end if;
    return app_private.unpublish_content_pack(target);
end;
$$;

comment on function public.unpublish_content_pack(text) is
'Content editors and admins (content.publish): withdraw the pack named by its slug, audited; its '
'decks become drafts and leave search, pinned versions stay. Returns the decks withdrawn.';

revoke all on function public.unpublish_content_pack(text) from public;
grant execute on function public.unpublish_content_pack(text) to authenticated;
