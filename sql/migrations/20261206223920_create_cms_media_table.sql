-- Purpose: remember the last applied Strapi media event per media file (media.create,
-- media.update, media.delete) and the storage object holding its file, so redeliveries and
-- late deliveries change nothing and a deletion or a replaced file removes the right object.
-- Affected: table app_private.cms_media.

create table app_private.cms_media (
    media_key text primary key check (length(media_key) between 1 and 100),
    version_at timestamptz not null,
    payload_hash text not null,
    bucket_id text,
    object_name text,
    deleted boolean not null default false,
    applied_at timestamptz not null default now()
);

comment on table app_private.cms_media is
'Media ingestion bookkeeping: per Strapi media file (documentId or id), the ordering timestamp '
'and payload hash last applied and the storage object (bucket_id, object_name) that holds it.';

grant select, insert, update, delete on app_private.cms_media to service_role;
