-- Purpose: helpers of the admin API: Go-style ban durations and attribute application.
-- Affected: functions auth.parse_ban_duration(text),
-- auth.admin_apply_attributes(auth.users, jsonb).
-- plpgsql so that app_private.set_user_app_roles (a later migration's) resolves at run time.
-- Plain (invoker) functions with no API grants: only the auth definer functions call them.

create function auth.parse_ban_duration(duration text)
returns interval
language plpgsql
immutable
set search_path = ''
as $$
declare
    part text[];
    total interval := '0';
begin
    if duration = 'none' then
        return null;
    end if;
    if duration is null or duration !~ '^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$' then
        perform auth.fail(
            400, 'validation_failed', 'invalid format for ban duration: use e.g. 24h or none'
        );
    end if;
    for part in
        select pg_catalog.regexp_matches(duration, '([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)', 'g')
    loop
        total := total + part[1]::numeric * case part[2]
            when 'h' then interval '1 hour'
            when 'm' then interval '1 minute'
            when 's' then interval '1 second'
            when 'ms' then interval '1 millisecond'
            else interval '1 microsecond' / 1000 * (case part[2] when 'ns' then 1 else 1000 end)
        end;
    end loop;
    return total;
end
$$;

comment on function auth.parse_ban_duration(text) is
'Go duration (e.g. 24h, 1h30m) as an interval; none = lift the ban (null).';

create function auth.admin_apply_attributes(account auth.users, attributes jsonb)
returns auth.users
language plpgsql
volatile
set search_path = ''
as $$
declare
    roles jsonb := attributes -> 'app_metadata' -> 'roles';
begin
    if attributes ? 'password' and attributes ->> 'password' is not null then
        perform auth.check_password(attributes ->> 'password');
        account.encrypted_password := auth.hash_password(attributes ->> 'password');
    end if;
    if (attributes ->> 'email_confirm')::boolean and account.email_confirmed_at is null then
        account.email_confirmed_at := pg_catalog.now();
    end if;
    if attributes -> 'user_metadata' is not null and attributes -> 'user_metadata' <> 'null' then
        account.raw_user_meta_data := auth.merge_metadata(
            account.raw_user_meta_data, attributes -> 'user_metadata'
        );
    end if;
    if attributes -> 'app_metadata' is not null and attributes -> 'app_metadata' <> 'null' then
        account.raw_app_meta_data := auth.merge_metadata(
            account.raw_app_meta_data, attributes -> 'app_metadata'
        ) - 'roles';
    end if;
    if roles is not null then
        if pg_catalog.jsonb_typeof(roles) <> 'array' or exists (
            select from pg_catalog.jsonb_array_elements(roles) as r (value)
            where pg_catalog.jsonb_typeof(r.value) <> 'string'
        ) then
            perform auth.fail(
                400, 'validation_failed', 'app_metadata.roles must be a list of strings'
            );
        end if;
        perform app_private.set_user_app_roles(
            account.id, array(select pg_catalog.jsonb_array_elements_text(roles))
        );
    end if;
    if attributes ? 'ban_duration' then
        account.banned_until := pg_catalog.now()
            + auth.parse_ban_duration(attributes ->> 'ban_duration');
        if account.banned_until is not null then
            update auth.sessions as s
            set revoked_at = pg_catalog.now(), revoked_reason = 'banned'
            where s.user_id = account.id and s.revoked_at is null;
        end if;
    end if;
    account.updated_at := pg_catalog.now();
    return account;
end
$$;

comment on function auth.admin_apply_attributes(auth.users, jsonb) is
'Apply admin attributes (password, email_confirm, user_metadata, app_metadata incl. roles, '
'ban_duration) to a stored account; a ban revokes its sessions.';
