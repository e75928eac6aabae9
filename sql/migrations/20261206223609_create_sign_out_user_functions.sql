-- Purpose: admins sign a user out of every session (issue 22). GoTrue's admin API has no such
-- route (supabase auth.admin.signOut needs the user's own token), so the studio calls this RPC as
-- the signed-in admin. Ending the sessions is what a ban does: the user's access tokens fail on
-- their next request (auth.session_is_active), their refresh tokens are refused, and the
-- realtime revocation trigger on auth.sessions closes their sockets' channels.
-- Affected: table app_private.user_sign_outs (audited); functions
-- app_private.sign_out_user(uuid), public.sign_out_user(uuid).

create table app_private.user_sign_outs (
    id bigint generated always as identity primary key,
    user_id uuid not null references auth.users (id) on delete cascade,
    sessions_ended integer not null check (sessions_ended >= 0),
    signed_out_by uuid default auth.uid(),
    signed_out_at timestamptz not null default pg_catalog.now()
);

revoke all on table app_private.user_sign_outs from public, anon, authenticated, service_role;

comment on table app_private.user_sign_outs is
'Users an admin signed out of every session: how many sessions ended, who did it and when.';

create index user_sign_outs_user_id_idx on app_private.user_sign_outs (user_id);

select audit.enable_tracking('app_private.user_sign_outs'::regclass);

-- DEFINER: API roles have no privilege on auth.sessions; the permission check is inside.
create function app_private.sign_out_user(target_user_id uuid)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
    ended integer;
begin
    if not app_private.has_permission('user.manage') then
        raise sqlstate '42501' using message = 'user.manage permission required';
    end if;
    perform 1 from auth.users as u where u.id = sign_out_user.target_user_id;
    if not found then
        raise sqlstate 'PT404' using message = 'user not found';
    end if;
    update auth.sessions as s
    set revoked_at = pg_catalog.now(), revoked_reason = 'admin'
    where s.user_id = sign_out_user.target_user_id and s.revoked_at is null;
    get diagnostics ended = row_count;
    insert into app_private.user_sign_outs (user_id, sessions_ended)
    values (sign_out_user.target_user_id, ended);
    return ended;
end;
$$;

comment on function app_private.sign_out_user(uuid) is
'End every active session of a user (holders of user.manage); returns how many ended.';

revoke all on function app_private.sign_out_user(uuid) from public;
grant execute on function app_private.sign_out_user(uuid) to authenticated;

create function public.sign_out_user(target_user_id uuid)
returns integer
language sql
set search_path = ''
as $$
    select app_private.sign_out_user(sign_out_user.target_user_id)
$$;

comment on function public.sign_out_user(uuid) is
'Admins (user.manage): sign a user out of every session, audited; their tokens stop working and '
'their realtime channels close. Returns how many sessions ended.';

revoke all on function public.sign_out_user(uuid) from public;
grant execute on function public.sign_out_user(uuid) to authenticated;
