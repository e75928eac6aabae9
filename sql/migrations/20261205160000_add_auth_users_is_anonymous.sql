-- Purpose: guest accounts (GoTrue's anonymous sign-ins): no email, flagged is_anonymous.
-- Affected: table auth.users (email nullable, new column is_anonymous).
-- A guest becomes a permanent account, same id, once an email is set on it (next migration's
-- trigger); stale guests are purged by the 'anonymous-users' housekeeping job.

-- lint: allow ban-drop-not-null — only auth's own functions read auth.users, and all of them
-- handle a guest's null email (user_json and the token answer '').
alter table auth.users alter column email drop not null;

alter table auth.users add column is_anonymous boolean not null default false;

comment on column auth.users.is_anonymous is
'Guest account from POST /signup without credentials; false once an email is set.';
