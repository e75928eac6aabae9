-- Purpose: publishing a pack again undoes its unpublishing (issue 22): the decks the unpublish
-- withdrew get their publication time back (the outbox triggers put them back into search)
-- before the next version is frozen. Decks that were drafts all along stay drafts.
-- Affected: function app_private.publish_content_pack(uuid) (replaced; signature, security,
-- grants unchanged; comment updated).

-- DEFINER: the snapshot writes version tables, and the restore app_private, that editors cannot
-- write directly.
create or replace function app_private.publish_content_pack(target_pack_id uuid)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
begin
    if not app_private.has_permission('content.publish') then
        raise sqlstate '42501' using message = 'content.publish permission required';
    end if;
    update public.decks as d set published_at = u.published_at
    from app_private.unpublished_pack_decks as u
    where
        u.pack_id = publish_content_pack.target_pack_id
        and d.id = u.deck_id
        and d.published_at is null;
    delete from app_private.unpublished_pack_decks as u
    where u.pack_id = publish_content_pack.target_pack_id;
    return app_private.snapshot_content_pack(publish_content_pack.target_pack_id);
end;
$$;

comment on function app_private.publish_content_pack(uuid) is
'Freeze the pack''s published decks as its next version, first restoring the decks an unpublish '
'withdrew; needs content.publish.';
