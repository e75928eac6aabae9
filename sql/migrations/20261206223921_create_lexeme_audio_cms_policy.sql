-- Purpose: pronunciation audio stored from Strapi media events lives at
-- lexeme-audio/cms/<file> (a media file is not tied to one lexeme); it is readable whenever
-- the caller may read a lexeme whose audio_path names that file (its last segment: the Strapi
-- URL /uploads/<file>, an absolute URL, or the key cms/<file>), so drafts keep their audio
-- hidden exactly like the lexeme itself. Writes stay with content editors (existing policies).
-- Affected: policy on storage.objects; index public.lexemes_audio_file_idx.

-- lint: allow require-concurrent-index-creation — lexemes are authored content (thousands)
create index lexemes_audio_file_idx on public.lexemes (storage.filename(audio_path))
where audio_path is not null;

create policy "Anyone reads CMS audio of lexemes they may read"
on storage.objects for select to anon, authenticated
using (
    bucket_id = 'lexeme-audio'
    and (storage.foldername(name))[1] = 'cms'
    and exists (
        select from public.lexemes as l
        where
            l.audio_path is not null
            and storage.filename(l.audio_path) = storage.filename(objects.name)
    )
);
