-- Purpose: the game's buckets and who may read and write their objects.
-- Affected: rows of storage.buckets (avatars, campaign-maps, handouts, lexeme-audio); policies
-- on storage.objects; function public.reveal_handout(text, boolean).
-- Keys name their scope in the first folder, as Supabase's examples do:
--   avatars/<user id>/…        public bucket (downloads need no token); the owner writes and
--                              lists their folder, admins (user.manage) list and delete any.
--   campaign-maps/<campaign>/… members read, the campaign's gm writes (not once archived).
--   handouts/<campaign>/…      the gm reads and writes; players read a handout once revealed
--                              (user_metadata.revealed = true, set by the gm on upload or with
--                              public.reveal_handout()). Only the gm writes, so players cannot
--                              reveal anything.
--   lexeme-audio/<lexeme>/…    readable whenever the caller may read the lexeme (published and
--                              not restricted to another campaign: the lexemes policy decides);
--                              content editors (content.write) write.
-- Moderators (campaign.moderate) read campaign files. The service role bypasses RLS.

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types) values
('avatars', 'avatars', true, 2097152, '{image/png,image/jpeg,image/webp,image/gif}'),
('campaign-maps', 'campaign-maps', false, 52428800, '{image/png,image/jpeg,image/webp}'),
(
    'handouts',
    'handouts',
    false,
    10485760,
    '{image/png,image/jpeg,image/webp,application/pdf,text/plain,text/markdown}'
),
(
    'lexeme-audio',
    'lexeme-audio',
    false,
    5242880,
    '{audio/mpeg,audio/ogg,audio/wav,audio/webm,audio/mp4,audio/flac}'
);

create policy "Users read their own avatar folder and admins read all avatars"
on storage.objects for select to authenticated
using (
    bucket_id = 'avatars'
    and (
        (storage.foldername(name))[1] = (select auth.uid()::text)
        or (select app_private.has_permission('user.manage'))
    )
);

create policy "Users upload avatars into their own folder"
on storage.objects for insert to authenticated
with check (
    bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid()::text)
);

create policy "Users replace avatars in their own folder"
on storage.objects for update to authenticated
using (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid()::text))
with check (
    bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid()::text)
);

create policy "Users delete their own avatars and admins delete any"
on storage.objects for delete to authenticated
using (
    bucket_id = 'avatars'
    and (
        (storage.foldername(name))[1] = (select auth.uid()::text)
        or (select app_private.has_permission('user.manage'))
    )
);

create policy "Campaign members and moderators read campaign maps"
on storage.objects for select to authenticated
using (
    bucket_id = 'campaign-maps'
    and (
        app_private.uuid_or_null((storage.foldername(name))[1])
        in (select app_private.my_campaign_ids())
        or (select app_private.has_permission('campaign.moderate'))
    )
);

create policy "Game masters upload maps to their live campaigns"
on storage.objects for insert to authenticated
with check (
    bucket_id = 'campaign-maps'
    and app_private.uuid_or_null((storage.foldername(name))[1])
    in (select app_private.my_gm_campaign_ids())
    and not app_private.is_campaign_archived(
        app_private.uuid_or_null((storage.foldername(name))[1])
    )
);

create policy "Game masters replace maps of their live campaigns"
on storage.objects for update to authenticated
using (
    bucket_id = 'campaign-maps'
    and app_private.uuid_or_null((storage.foldername(name))[1])
    in (select app_private.my_gm_campaign_ids())
    and not app_private.is_campaign_archived(
        app_private.uuid_or_null((storage.foldername(name))[1])
    )
)
with check (
    bucket_id = 'campaign-maps'
    and app_private.uuid_or_null((storage.foldername(name))[1])
    in (select app_private.my_gm_campaign_ids())
);

create policy "Game masters delete maps of their live campaigns"
on storage.objects for delete to authenticated
using (
    bucket_id = 'campaign-maps'
    and app_private.uuid_or_null((storage.foldername(name))[1])
    in (select app_private.my_gm_campaign_ids())
    and not app_private.is_campaign_archived(
        app_private.uuid_or_null((storage.foldername(name))[1])
    )
);

create policy "Game masters read handouts and members read revealed ones"
on storage.objects for select to authenticated
using (
    bucket_id = 'handouts'
    and (
        app_private.uuid_or_null((storage.foldername(name))[1])
        in (select app_private.my_gm_campaign_ids())
        or (
            user_metadata @> '{"revealed": true}'
            and app_private.uuid_or_null((storage.foldername(name))[1])
            in (select app_private.my_campaign_ids())
        )
        or (select app_private.has_permission('campaign.moderate'))
    )
);

create policy "Game masters upload handouts to their live campaigns"
on storage.objects for insert to authenticated
with check (
    bucket_id = 'handouts'
    and app_private.uuid_or_null((storage.foldername(name))[1])
    in (select app_private.my_gm_campaign_ids())
    and not app_private.is_campaign_archived(
        app_private.uuid_or_null((storage.foldername(name))[1])
    )
);

create policy "Game masters change handouts of their live campaigns"
on storage.objects for update to authenticated
using (
    bucket_id = 'handouts'
    and app_private.uuid_or_null((storage.foldername(name))[1])
    in (select app_private.my_gm_campaign_ids())
    and not app_private.is_campaign_archived(
        app_private.uuid_or_null((storage.foldername(name))[1])
    )
)
with check (
    bucket_id = 'handouts'
    and app_private.uuid_or_null((storage.foldername(name))[1])
    in (select app_private.my_gm_campaign_ids())
);

create policy "Game masters delete handouts of their live campaigns"
on storage.objects for delete to authenticated
using (
    bucket_id = 'handouts'
    and app_private.uuid_or_null((storage.foldername(name))[1])
    in (select app_private.my_gm_campaign_ids())
    and not app_private.is_campaign_archived(
        app_private.uuid_or_null((storage.foldername(name))[1])
    )
);

create policy "Anyone reads the audio of lexemes they may read"
on storage.objects for select to anon, authenticated
using (
    bucket_id = 'lexeme-audio'
    and exists (
        select from public.lexemes as l
        where l.id = app_private.uuid_or_null((storage.foldername(objects.name))[1])
    )
);

create policy "Content editors upload lexeme audio"
on storage.objects for insert to authenticated
with check (
    bucket_id = 'lexeme-audio' and (select app_private.has_permission('content.write'))
);

create policy "Content editors replace lexeme audio"
on storage.objects for update to authenticated
using (bucket_id = 'lexeme-audio' and (select app_private.has_permission('content.write')))
with check (
    bucket_id = 'lexeme-audio' and (select app_private.has_permission('content.write'))
);

create policy "Content editors delete lexeme audio"
on storage.objects for delete to authenticated
using (bucket_id = 'lexeme-audio' and (select app_private.has_permission('content.write')));

create function public.reveal_handout(name text, revealed boolean default true)
returns void
language plpgsql
set search_path = ''
as $$
begin
    update storage.objects as o
    set user_metadata = pg_catalog.jsonb_set(
        coalesce(o.user_metadata, '{}'), '{revealed}', pg_catalog.to_jsonb(revealed)
    )
    where o.bucket_id = 'handouts' and o.name = reveal_handout.name;
    if not found then
        raise sqlstate 'P0002' using message = 'handout not found';
    end if;
end;
$$;

comment on function public.reveal_handout(text, boolean) is
'Show (or hide) a handout to the players of its campaign; only its game master may. '
'`name` is the key in the handouts bucket, e.g. <campaign id>/clue.png.';

grant execute on function public.reveal_handout(text, boolean) to authenticated;
