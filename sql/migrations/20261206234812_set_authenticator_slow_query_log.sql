-- Purpose: the slow-query log for API traffic only (issue 14). Statements that the API servers
-- (REST, edge functions) run as `authenticator` and that last 500 ms or more are logged with
-- their text, whose sqlcommenter comment names the request's trace (docs/observability.md);
-- their bind parameters are never logged (log_parameter_max_length = 0, postgresql settings).
-- Not cluster-wide: maintenance sessions (migrations, pgTAP, psql) put literals, some of them
-- secrets, into their statement text.
-- Affected: role authenticator (a login setting, taken by new connections).

alter role authenticator set log_min_duration_statement = '500ms';
