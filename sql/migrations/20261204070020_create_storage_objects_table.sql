-- Purpose: storage objects as Supabase lays them out: one row per key, its owner, the path
-- tokens, server metadata (size, mimetype, eTag…), user metadata and the version naming the
-- file in the backend. Policies come per bucket in later migrations.
-- Affected: table storage.objects (grants, RLS, indexes, trigger).

create table storage.objects (
    id uuid primary key default gen_random_uuid(),
    bucket_id text not null references storage.buckets (id),
    name text not null,
    owner uuid,
    owner_id text,
    path_tokens text[] generated always as (pg_catalog.string_to_array(name, '/')) stored,
    metadata jsonb,
    user_metadata jsonb,
    version text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    last_accessed_at timestamptz not null default now(),
    constraint objects_name_check check (
        pg_catalog.octet_length(name) between 1 and 1024
        and pg_catalog.strpos(name, '//') = 0
        and name !~ '(^|/)\.\.?(/|$)'
        and name !~ '^/'
    )
);

comment on table storage.objects is
'Stored files: the key, its owner and metadata; the bytes live in the backend under `version`.';
comment on column storage.objects.name is 'The key inside the bucket, folders separated by /.';
comment on column storage.objects.owner is 'Deprecated: the uploader as a uuid.';
comment on column storage.objects.owner_id is 'The uploader (JWT sub), or null for the service.';
comment on column storage.objects.path_tokens is 'The key split on /.';
comment on column storage.objects.metadata is
'Server metadata: eTag, size, mimetype, cacheControl, lastModified, contentLength.';
comment on column storage.objects.user_metadata is 'Metadata the uploader attached (JSON).';
comment on column storage.objects.version is 'The backend file of the current content.';

grant select on table storage.objects to anon, authenticated;
grant insert, update, delete on table storage.objects to authenticated;
grant all on table storage.objects to service_role;

alter table storage.objects enable row level security;

create unique index objects_bucket_id_name_idx on storage.objects (bucket_id, name);
create index objects_name_pattern_idx on storage.objects (bucket_id, name text_pattern_ops);
create index objects_owner_id_idx on storage.objects (owner_id);

create trigger objects_touch_updated_at
before update on storage.objects
for each row execute function app_private.touch_updated_at();
