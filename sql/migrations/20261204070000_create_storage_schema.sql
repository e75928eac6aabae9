-- Purpose: the `storage` schema as Supabase Storage lays it out, and the helper functions
-- policies use to read an object's key (`storage.foldername()`, `storage.filename()`,
-- `storage.extension()`), so storage policies are written the way Supabase users write them.
-- Affected: schema storage; type storage.buckettype; functions storage.foldername(text),
-- storage.filename(text), storage.extension(text), app_private.uuid_or_null(text).
-- The REST server does not expose this schema: only the storage service (functions/storage)
-- reads and writes it, acting as the caller so that RLS decides.

create schema if not exists storage;

comment on schema storage is
'Supabase Storage metadata: buckets and objects; the files live in the storage backend.';

grant usage on schema storage to anon, authenticated, service_role;

create type storage.buckettype as enum ('STANDARD', 'ANALYTICS');

create function storage.foldername(name text)
returns text[]
language sql
immutable
set search_path = ''
as $$
    select (pg_catalog.string_to_array(name, '/'))[
        1:pg_catalog.cardinality(pg_catalog.string_to_array(name, '/')) - 1
    ]
$$;

comment on function storage.foldername(text) is
'The folders of an object key, outermost first: foldername(''a/b/c.png'') = {a,b}.';

grant execute on function storage.foldername(text) to anon, authenticated, service_role;

create function storage.filename(name text)
returns text
language sql
immutable
set search_path = ''
as $$
    select pg_catalog.split_part(name, '/', -1)
$$;

comment on function storage.filename(text) is
'The last segment of an object key: filename(''a/b/c.png'') = c.png.';

grant execute on function storage.filename(text) to anon, authenticated, service_role;

create function storage.extension(name text)
returns text
language sql
immutable
set search_path = ''
as $$
    select
        case
            when pg_catalog.strpos(pg_catalog.split_part(name, '/', -1), '.') > 0
                then pg_catalog.split_part(pg_catalog.split_part(name, '/', -1), '.', -1)
            else ''
        end
$$;

comment on function storage.extension(text) is
'The extension of an object key without the dot: extension(''a/b/c.png'') = png ('''' if none).';

grant execute on function storage.extension(text) to anon, authenticated, service_role;

create function app_private.uuid_or_null(value text)
returns uuid
language sql
immutable
set search_path = ''
as $$
    select
        case
            when value ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
                then value::uuid
        end
$$;

comment on function app_private.uuid_or_null(text) is
'The text as a uuid, or null when it is not one (storage keys name campaigns and users).';

grant execute on function app_private.uuid_or_null(text) to anon, authenticated, service_role;
