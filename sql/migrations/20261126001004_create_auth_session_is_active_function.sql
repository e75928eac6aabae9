-- Purpose: let the pre-request hook (and policies) ask whether a token's session still stands.
-- Affected: function auth.session_is_active(uuid).

-- DEFINER: API roles have no access to auth.sessions / auth.users but must check their own session.
create function auth.session_is_active(session_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
    select exists (
        select
        from auth.sessions as s
        inner join auth.users as u on s.user_id = u.id
        where
            s.id = session_is_active.session_id
            and s.revoked_at is null
            and (u.banned_until is null or u.banned_until <= pg_catalog.now())
    )
$$;

comment on function auth.session_is_active(uuid) is
'True when the session exists, is not revoked and its user is not banned.';

grant execute on function auth.session_is_active(uuid) to anon, authenticated, service_role;
