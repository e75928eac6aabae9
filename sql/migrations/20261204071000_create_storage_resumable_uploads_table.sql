-- Purpose: resumable (TUS) uploads in progress: where each stands (offset of length), who
-- started it, what the finished object will be (bucket, key, content type, cache control,
-- user metadata, upsert), the backend's own bookkeeping (temporary file or S3 multipart
-- upload and its parts), a claim that serialises PATCH requests, and when it expires.
-- Affected: table storage.resumable_uploads (grants, RLS, index).
-- Only the storage service (service_role) reads or writes it: callers are authorised when an
-- upload is created (the write probe, as the caller) and when it finishes (the object row is
-- written as the caller); every request in between must come from the same owner.

create table storage.resumable_uploads (
    id uuid primary key,
    bucket_id text not null references storage.buckets (id) on delete cascade,
    name text not null,
    owner_id text,
    signed boolean not null default false,
    upload_length bigint not null,
    upload_offset bigint not null default 0,
    upsert boolean not null default false,
    content_type text not null,
    cache_control text not null,
    user_metadata jsonb,
    backend_state jsonb not null default '{}'::jsonb,
    patching_since timestamptz,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    constraint resumable_uploads_length_check check (upload_length >= 0),
    constraint resumable_uploads_offset_check check (
        upload_offset between 0 and upload_length
    )
);

comment on table storage.resumable_uploads is
'TUS uploads in progress; the row goes when the object is written, terminated or expired.';
comment on column storage.resumable_uploads.id is
'The version the finished object will have; also names the backend''s temporary parts.';
comment on column storage.resumable_uploads.owner_id is
'The JWT sub of the creator (or of the signed upload URL); every later request must match.';
comment on column storage.resumable_uploads.signed is
'Created through a signed upload URL: the object is written as the service for owner_id.';
comment on column storage.resumable_uploads.backend_state is
'The backend''s bookkeeping: S3 upload id, parts and pending bytes; empty for files.';
comment on column storage.resumable_uploads.patching_since is
'Set while a PATCH streams into the upload, so a concurrent PATCH gets 409.';

revoke all on table storage.resumable_uploads from public, anon, authenticated;
grant select, insert, update, delete on table storage.resumable_uploads to service_role;

alter table storage.resumable_uploads enable row level security;

create index resumable_uploads_expires_at_idx on storage.resumable_uploads (expires_at);
