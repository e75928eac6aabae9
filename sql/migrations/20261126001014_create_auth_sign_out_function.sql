-- Purpose: sign out: end the current session (local), every session of the user (global, the
-- default, as in GoTrue) or every other one (others), as GoTrue's POST /logout?scope=.
-- Affected: function auth.sign_out(text).
-- A token without a session_id claim ends every session of its user, whatever the scope.

-- DEFINER: the signed-in user revokes sessions in a private table.
create function auth.sign_out(scope text default 'global')
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    account auth.users := auth.require_user();
    current_session uuid := (auth.jwt() ->> 'session_id')::uuid;
begin
    if scope is null or scope not in ('local', 'global', 'others') then
        perform auth.fail(
            400, 'validation_failed', 'Unsupported logout scope: use local, global or others'
        );
    end if;
    update auth.sessions as s
    set revoked_at = pg_catalog.now(), revoked_reason = 'logout'
    where
        s.user_id = account.id
        and s.revoked_at is null
        and (current_session is null or case sign_out.scope
            when 'local' then s.id = current_session
            when 'others' then s.id <> current_session
            else true
        end);
end
$$;

comment on function auth.sign_out(text) is
'Revoke the caller''s session (local), all their sessions (global) or all others (others).';

grant execute on function auth.sign_out(text) to authenticated;
