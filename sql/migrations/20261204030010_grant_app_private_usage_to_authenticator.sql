-- Purpose: let the login role call app_private.apply_role_settings in the statement that
-- switches role, so the role's statement_timeout holds from the request's next statement on.
-- Affected: USAGE on schema app_private for authenticator.
-- authenticator can execute no other function and read no table of app_private (every one is
-- granted to API roles by full signature, never to PUBLIC); tests/sql checks it stays so.

grant usage on schema app_private to authenticator;
