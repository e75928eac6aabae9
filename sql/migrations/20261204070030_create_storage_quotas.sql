-- Purpose: per-user storage quota as data: a default for everyone, overrides per user, and a
-- trigger on storage.objects that refuses a write taking its owner past the quota.
-- Affected: tables app_private.storage_default_quota, app_private.storage_quotas; functions
-- app_private.storage_quota_bytes(uuid), app_private.storage_used_bytes(uuid),
-- app_private.storage_quota_remaining(), app_private.enforce_storage_quota(); trigger
-- objects_enforce_quota on storage.objects.
-- Only objects with a user owner count (the service's own uploads have none). The storage
-- service reads storage_quota_remaining() before streaming, so an upload past the quota stops
-- while the body is read; the trigger is the rule, serialised per owner by an advisory lock.

create table app_private.storage_default_quota (
    id boolean primary key default true,
    max_bytes bigint not null,
    constraint storage_default_quota_single_row check (id),
    constraint storage_default_quota_max_bytes_check check (max_bytes >= 0)
);

comment on table app_private.storage_default_quota is
'The storage quota of every user without a row in storage_quotas (one row).';

create table app_private.storage_quotas (
    user_id uuid primary key references auth.users (id) on delete cascade,
    max_bytes bigint not null,
    updated_at timestamptz not null default now(),
    constraint storage_quotas_max_bytes_check check (max_bytes >= 0)
);

comment on table app_private.storage_quotas is
'Per-user storage quotas in bytes, overriding the default.';

revoke all on table app_private.storage_default_quota, app_private.storage_quotas
from public, anon, authenticated;
grant select, insert, update, delete on table
app_private.storage_default_quota, app_private.storage_quotas
to service_role;

insert into app_private.storage_default_quota (max_bytes) values (104857600);

-- DEFINER: API roles cannot read the quota tables.
create function app_private.storage_quota_bytes(user_id uuid)
returns bigint
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
    return coalesce(
        (select q.max_bytes from app_private.storage_quotas as q
        where q.user_id = storage_quota_bytes.user_id),
        (select d.max_bytes from app_private.storage_default_quota as d),
        0
    );
end;
$$;

comment on function app_private.storage_quota_bytes(uuid) is
'The storage quota of a user in bytes (their own row, else the default).';

grant execute on function app_private.storage_quota_bytes(uuid) to service_role;

-- DEFINER: sums every object of the owner, including those RLS hides from the caller.
create function app_private.storage_used_bytes(user_id uuid)
returns bigint
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
    return coalesce((
        select pg_catalog.sum((o.metadata ->> 'size')::bigint)
        from storage.objects as o
        where o.owner_id = storage_used_bytes.user_id::text
    ), 0)::bigint;
end;
$$;

comment on function app_private.storage_used_bytes(uuid) is
'Bytes stored by a user (sum of the sizes of the objects they own).';

grant execute on function app_private.storage_used_bytes(uuid) to service_role;

-- DEFINER: the caller's own quota, without letting them read other users' rows.
create function app_private.storage_quota_remaining()
returns bigint
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
    if auth.uid() is null then
        return null;
    end if;
    return pg_catalog.greatest(
        app_private.storage_quota_bytes(auth.uid()) - app_private.storage_used_bytes(auth.uid()),
        0
    );
end;
$$;

comment on function app_private.storage_quota_remaining() is
'Bytes the current user may still store (null for the anon and service keys).';

grant execute on function app_private.storage_quota_remaining() to anon, authenticated,
service_role;

-- DEFINER: counts the owner's objects whatever the caller may see.
create function app_private.enforce_storage_quota()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    owner uuid := app_private.uuid_or_null(new.owner_id);
    size bigint := coalesce((new.metadata ->> 'size')::bigint, 0);
    used bigint;
begin
    if owner is null then
        return new;
    end if;
    if
        tg_op = 'UPDATE' and new.owner_id is not distinct from old.owner_id
        and size <= coalesce((old.metadata ->> 'size')::bigint, 0)
    then
        return new;
    end if;
    perform pg_catalog.pg_advisory_xact_lock(
        pg_catalog.hashtextextended('storage.quota:' || new.owner_id, 0)
    );
    select coalesce(pg_catalog.sum((o.metadata ->> 'size')::bigint), 0) into used
    from storage.objects as o
    where o.owner_id = new.owner_id and o.id <> new.id;
    if used + size > app_private.storage_quota_bytes(owner) then
        raise sqlstate '53400' using
            message = 'storage quota exceeded',
            detail = pg_catalog.format(
                '%s bytes stored, %s more asked, quota %s',
                used, size, app_private.storage_quota_bytes(owner)
            );
    end if;
    return new;
end;
$$;

comment on function app_private.enforce_storage_quota() is
'Trigger: refuse an object write that takes its owner past their storage quota (53400).';

create trigger objects_enforce_quota
before insert or update of metadata, owner_id on storage.objects
for each row execute function app_private.enforce_storage_quota();
