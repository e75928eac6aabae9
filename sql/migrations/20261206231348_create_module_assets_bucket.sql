-- Purpose: a storage bucket for game modules' scene and handout assets (issue 21): the files a
-- module's scenes name (provides.scenes[].assets), stored at
-- module-assets/<module id>/<version>/<asset path> by `rfl modules install`.
-- Affected: row of storage.buckets (module-assets); policy on storage.objects.
-- Readers: the campaigns that enable that module at that version (through the RLS of
-- public.campaign_game_modules, which shows a caller the pins of campaigns they may read) and
-- module.manage holders. Only the service role writes (the install command), so there is no
-- write policy.

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types) values (
    'module-assets',
    'module-assets',
    false,
    10485760,
    array[
        'image/png', 'image/jpeg', 'image/webp', 'application/pdf', 'text/plain',
        'text/markdown', 'audio/mpeg', 'audio/ogg'
    ]
);

create policy "Campaigns enabling a module version read its assets"
on storage.objects for select to authenticated
using (
    bucket_id = 'module-assets'
    and (
        (select app_private.has_permission('module.manage'))
        or exists (
            select from public.campaign_game_modules as cm
            where
                cm.module_id = (storage.foldername(objects.name))[1]
                and cm.version = (storage.foldername(objects.name))[2]
                and cm.enabled
        )
    )
);
