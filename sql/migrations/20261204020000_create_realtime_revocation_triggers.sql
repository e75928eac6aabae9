-- Purpose: rights on open realtime sockets shrink as soon as the database says so. When a
-- session ends (sign-out, refresh-token reuse, ban, password change, admin or cascade delete)
-- or a user's rights may have shrunk (a campaign membership removed or its role changed, a ban),
-- a trigger NOTIFYs the realtime backplane (`realtime_bus`, delivered on commit); every node then
-- closes the channels of that session, or re-checks the private channels of that user, within
-- milliseconds. Nothing is polled per message.
-- Messages: {"k": "se", "s": session id, "u": user id} — the session ended;
-- {"k": "ur", "u": user id} — re-check that user's channels (session still active? private
-- channel rights still granted by the realtime.messages policies?).
-- Affected: functions realtime.notify_session_ended(), realtime.notify_rights_changed();
-- triggers on auth.sessions, auth.users and public.campaign_members.

create function realtime.notify_session_ended()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    perform pg_catalog.pg_notify(
        'realtime_bus',
        pg_catalog.jsonb_build_object('k', 'se', 's', old.id, 'u', old.user_id)::text
    );
    return null;
end;
$$;

comment on function realtime.notify_session_ended() is
'Trigger on auth.sessions: tells realtime nodes a session ended (its channels close).';

create trigger sessions_notify_realtime_revoked
after update of revoked_at on auth.sessions
for each row
when (old.revoked_at is null and new.revoked_at is not null)
execute function realtime.notify_session_ended();

create trigger sessions_notify_realtime_deleted
after delete on auth.sessions
for each row
when (old.revoked_at is null)
execute function realtime.notify_session_ended();

create function realtime.notify_rights_changed()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    perform pg_catalog.pg_notify(
        'realtime_bus',
        pg_catalog.jsonb_build_object('k', 'ur', 'u', pg_catalog.to_jsonb(old) -> tg_argv[0])::text
    );
    return null;
end;
$$;

comment on function realtime.notify_rights_changed() is
'Trigger (arg: the user id column): tells realtime nodes to re-check that user''s channels.';

create trigger campaign_members_notify_realtime_removed
after delete on public.campaign_members
for each row
execute function realtime.notify_rights_changed('user_id');

create trigger campaign_members_notify_realtime_role
after update of role on public.campaign_members
for each row
when (old.role is distinct from new.role)
execute function realtime.notify_rights_changed('user_id');

create trigger users_notify_realtime_banned
after update of banned_until on auth.users
for each row
when (new.banned_until is not null and new.banned_until > pg_catalog.now())
execute function realtime.notify_rights_changed('id');
