-- Purpose: make app_private.storage_quota_remaining() callable (`greatest` is an SQL construct,
-- not a pg_catalog function, so the first version raised 42883 for every signed-in caller).
-- Affected: function app_private.storage_quota_remaining() (replaced; same signature, result
-- and privileges).

-- DEFINER: the caller's own quota, without letting them read other users' rows.
create or replace function app_private.storage_quota_remaining()
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
    return greatest(
        app_private.storage_quota_bytes(auth.uid()) - app_private.storage_used_bytes(auth.uid()),
        0
    );
end;
$$;
