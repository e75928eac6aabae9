-- Purpose: storage buckets as Supabase lays them out (public flag, size limit, allowed MIME
-- types); everyone may read them, admins (storage.manage) create, change and delete them.
-- Affected: table storage.buckets (grants, RLS, policies, trigger); permission storage.manage
-- granted to the admin app role.

create table storage.buckets (
    id text primary key,
    name text not null,
    owner uuid,
    owner_id text,
    public boolean not null default false,
    avif_autodetection boolean not null default false,
    file_size_limit bigint,
    allowed_mime_types text[],
    type storage.buckettype not null default 'STANDARD',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint buckets_name_check check (
        pg_catalog.char_length(name) between 1 and 100 and name not in ('.', '..')
    ),
    constraint buckets_file_size_limit_check check (file_size_limit > 0)
);

comment on table storage.buckets is
'Containers of objects; public buckets are downloadable by anyone at /object/public/.';
comment on column storage.buckets.owner is 'Deprecated: the creator as a uuid.';
comment on column storage.buckets.owner_id is 'The creator (JWT sub), or null.';
comment on column storage.buckets.public is
'Whether /object/public/ serves its objects without a token (listing still follows RLS).';
comment on column storage.buckets.file_size_limit is 'Largest object in bytes (null: global).';
comment on column storage.buckets.allowed_mime_types is
'Accepted content types (type/subtype or type/*); null accepts any.';

grant select on table storage.buckets to anon, authenticated;
grant insert, update, delete on table storage.buckets to authenticated;
grant all on table storage.buckets to service_role;

alter table storage.buckets enable row level security;

insert into app_private.permissions (name, description) values
('storage.manage', 'Create, change and delete storage buckets.');
insert into app_private.role_permissions (role, permission) values ('admin', 'storage.manage');

create policy "Anyone can read buckets"
on storage.buckets for select to anon, authenticated
using (true);

create policy "Storage managers create buckets"
on storage.buckets for insert to authenticated
with check ((select app_private.has_permission('storage.manage')));

create policy "Storage managers change buckets"
on storage.buckets for update to authenticated
using ((select app_private.has_permission('storage.manage')))
with check ((select app_private.has_permission('storage.manage')));

create policy "Storage managers delete buckets"
on storage.buckets for delete to authenticated
using ((select app_private.has_permission('storage.manage')));

create unique index buckets_name_idx on storage.buckets (name);

create trigger buckets_touch_updated_at
before update on storage.buckets
for each row execute function app_private.touch_updated_at();
