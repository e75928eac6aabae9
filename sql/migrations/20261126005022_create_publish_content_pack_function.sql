-- Purpose: editors publish a new version of a content pack over the API.
-- Affected: functions app_private.publish_content_pack(uuid), public.publish_content_pack(text).

-- DEFINER: the snapshot writes version tables that editors cannot write directly.
create function app_private.publish_content_pack(target_pack_id uuid)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
begin
    if not app_private.has_permission('content.publish') then
        raise sqlstate '42501' using message = 'content.publish permission required';
    end if;
    return app_private.snapshot_content_pack(target_pack_id);
end;
$$;

comment on function app_private.publish_content_pack(uuid) is
'Freeze the pack''s published decks as its next version; needs content.publish.';

grant execute on function app_private.publish_content_pack(uuid) to authenticated, service_role;

create function public.publish_content_pack(pack_slug text)
returns integer
language plpgsql
set search_path = ''
as $$
declare
    target uuid;
begin
    select p.id into target from public.content_packs as p where p.slug = pack_slug;
    if target is null then
        raise sqlstate 'PT404' using message = 'content pack not found';
    end if;
    return app_private.publish_content_pack(target);
end;
$$;

comment on function public.publish_content_pack(text) is
'Publish the next version of the pack named by its slug (needs content.publish); '
'campaigns keep the version they pinned.';

grant execute on function public.publish_content_pack(text) to authenticated, service_role;
