-- Purpose: anonymous sign-ins (GoTrue's signInAnonymously) and their lifecycle: guests get a
-- session with is_anonymous in the token, become permanent (same id) once an email is set, and
-- are purged after 30 days by the 'anonymous-users' housekeeping job.
-- Affected: functions auth.sign_in_anonymously(jsonb), auth.issue_session(uuid),
-- auth.user_json(auth.users), app_private.convert_anonymous_user() (trigger on auth.users),
-- app_private.purge_stale_anonymous_users(interval), app_private.run_housekeeping(text).
-- issue_session and user_json are replaced whole: the token's and the user object's
-- is_anonymous and email ('' for a guest, as GoTrue) now come from the row.

-- DEFINER: anon creates the guest account and its session in tables no API role can touch.
create function auth.sign_in_anonymously(data jsonb default '{}')
returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    address inet := app_private.client_address();
    user_id uuid;
begin
    perform auth.check_metadata(coalesce(data, '{}'));
    if address is not null then
        perform auth.enforce_rate_limit('auth.sign_up', pg_catalog.host(address));
    end if;
    insert into auth.users (is_anonymous, last_sign_in_at, raw_app_meta_data, raw_user_meta_data)
    values (true, pg_catalog.now(), '{}', coalesce(data, '{}'))
    returning id into user_id;
    return auth.issue_session(auth.start_session(user_id));
end
$$;

comment on function auth.sign_in_anonymously(jsonb) is
'Create a guest account (no email, is_anonymous) and return its first session (GoTrue POST '
'/signup without credentials).';

grant execute on function auth.sign_in_anonymously(jsonb) to anon, authenticated, service_role;

create or replace function auth.issue_session(session_id uuid)
returns jsonb
language plpgsql
volatile
set search_path = ''
as $$
declare
    session auth.sessions;
    account auth.users;
    secret text := (select s.value from app_private.secrets as s where s.name = 'jwt_secret');
    lifetime integer := coalesce(
        (select s.value::integer from app_private.secrets as s where s.name = 'jwt_exp'), 3600
    );
    issued_at bigint := pg_catalog.floor(extract(epoch from pg_catalog.now()));
    refresh_token text := auth.base64url_encode(extensions.gen_random_bytes(24));
    claims jsonb;
begin
    if secret is null then
        raise exception using errcode = '55000', message = 'app_private.secrets has no jwt_secret';
    end if;
    select * into strict session from auth.sessions as s where s.id = issue_session.session_id;
    select * into strict account from auth.users as u where u.id = session.user_id;
    insert into auth.refresh_tokens (token_hash, session_id)
    values (extensions.digest(refresh_token, 'sha256'), session.id);
    claims := pg_catalog.jsonb_build_object(
        'aud', 'authenticated',
        'exp', issued_at + lifetime,
        'iat', issued_at,
        'sub', account.id,
        'email', coalesce(account.email::text, ''),
        'phone', '',
        'app_metadata', auth.app_metadata(account),
        'user_metadata', account.raw_user_meta_data,
        'role', 'authenticated',
        'aal', session.aal,
        'amr', pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
            'method', case when account.is_anonymous then 'anonymous' else 'password' end,
            'timestamp', pg_catalog.floor(extract(epoch from session.created_at))::bigint
        )),
        'session_id', session.id,
        'is_anonymous', account.is_anonymous
    );
    return pg_catalog.jsonb_build_object(
        'access_token', auth.jwt_sign(claims, secret),
        'token_type', 'bearer',
        'expires_in', lifetime,
        'expires_at', issued_at + lifetime,
        'refresh_token', refresh_token,
        'user', auth.user_json(account)
    );
end
$$;

create or replace function auth.user_json(account auth.users)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
    result jsonb := pg_catalog.jsonb_build_object(
        'id', account.id,
        'aud', 'authenticated',
        'role', 'authenticated',
        'email', coalesce(account.email::text, ''),
        'email_confirmed_at', auth.iso_time(account.email_confirmed_at),
        'phone', '',
        'confirmed_at', auth.iso_time(account.email_confirmed_at),
        'last_sign_in_at', auth.iso_time(account.last_sign_in_at),
        'banned_until', auth.iso_time(account.banned_until),
        'app_metadata', auth.app_metadata(account),
        'user_metadata', account.raw_user_meta_data,
        'identities', '[]'::jsonb,
        'created_at', auth.iso_time(account.created_at),
        'updated_at', auth.iso_time(account.updated_at),
        'is_anonymous', account.is_anonymous
    );
begin
    -- Unset optional times are omitted, as GoTrue does.
    return result - array(
        select key from pg_catalog.jsonb_each(result) where value = 'null'::jsonb
    );
end
$$;

create function app_private.convert_anonymous_user()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    -- PUT /user (or a confirmed email change) giving a guest an email: a permanent account,
    -- same id, so everything the guest owns stays theirs.
    -- The address is confirmed: set at once (autoconfirm) or by its verified link.
    new.is_anonymous := false;
    new.email_confirmed_at := coalesce(new.email_confirmed_at, pg_catalog.now());
    new.raw_app_meta_data := new.raw_app_meta_data
        || '{"provider": "email", "providers": ["email"]}'::jsonb;
    return new;
end
$$;

comment on function app_private.convert_anonymous_user() is
'Trigger: a guest whose email gets set becomes a permanent email account (same id).';

revoke all on function app_private.convert_anonymous_user() from public;

create trigger users_convert_anonymous
before update of email on auth.users
for each row
when (old.is_anonymous and new.email is not null)
execute function app_private.convert_anonymous_user();

create function app_private.purge_stale_anonymous_users(keep interval default '30 days')
returns integer
language sql
set search_path = ''
as $$
    -- Guests created longer ago than `keep` and never converted; what they own goes with them
    -- (on delete cascade), as Supabase advises for anonymous users.
    with gone as (
        delete from auth.users as u
        where u.is_anonymous and u.created_at < pg_catalog.now() - purge_stale_anonymous_users.keep
        returning 1
    )

    select pg_catalog.count(*)::integer from gone
$$;

comment on function app_private.purge_stale_anonymous_users(interval) is
'Delete guest accounts created more than `keep` ago and never converted; returns how many.';

revoke all on function app_private.purge_stale_anonymous_users(interval) from public;

create or replace function app_private.run_housekeeping(job text)
returns integer
language plpgsql
set search_path = ''
as $$
declare
    run_id bigint;
    deleted integer;
begin
    insert into app_private.housekeeping_runs (job) values (run_housekeeping.job)
    returning id into run_id;
    begin
        deleted := case run_housekeeping.job
            when 'ended-sessions' then app_private.purge_ended_sessions()
            when 'spent-refresh-tokens' then app_private.purge_spent_refresh_tokens()
            when 'rate-limit-buckets' then rate_limit.purge_stale()
            when 'realtime-messages' then realtime.purge_old_messages()
            when 'anonymous-users' then app_private.purge_stale_anonymous_users()
        end;
        if deleted is null then
            raise sqlstate '22023' using message = 'unknown housekeeping job: ' || run_housekeeping.job;
        end if;
        update app_private.housekeeping_runs as r
        set finished_at = pg_catalog.clock_timestamp(), rows_deleted = deleted
        where r.id = run_id;
    exception when others then
        update app_private.housekeeping_runs as r
        set finished_at = pg_catalog.clock_timestamp(), error = sqlerrm
        where r.id = run_id;
        raise warning 'housekeeping job % failed: %', run_housekeeping.job, sqlerrm;
    end;
    -- Keep 30 days of the log itself.
    delete from app_private.housekeeping_runs as r
    where r.started_at < pg_catalog.now() - interval '30 days';
    return deleted;
end;
$$;

comment on function app_private.run_housekeeping(text) is
'Run one housekeeping job by name, logging it in housekeeping_runs; returns the rows deleted.';

revoke all on function app_private.run_housekeeping(text) from public;
