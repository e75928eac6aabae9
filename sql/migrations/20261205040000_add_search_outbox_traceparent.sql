-- Purpose: traces reach Postgres and leave it again (issue 14). A traced statement ends with a
-- sqlcommenter comment `/*traceparent='00-<trace>-<span>-01'*/` (native_platform/observability/
-- tracing.py), which pg_stat_activity and the slow-query log show; this function reads it back
-- so rows written by the statement's triggers carry it on: the search outbox (to the indexer)
-- here, the realtime bus in the next migration.
-- Affected: function app_private.current_traceparent(); column
-- app_private.search_outbox.traceparent.

create function app_private.current_traceparent()
returns text
language sql
stable
set search_path = ''
as $$
    select pg_catalog.substring(
        pg_catalog.current_query(),
        $re$traceparent='(00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2})'$re$
    );
$$;

comment on function app_private.current_traceparent() is
'The W3C traceparent of the client statement being run (its sqlcommenter comment), or null.';

revoke execute on function app_private.current_traceparent() from public;

alter table app_private.search_outbox add column traceparent text;

alter table app_private.search_outbox
alter column traceparent set default app_private.current_traceparent();

comment on column app_private.search_outbox.traceparent is
'The traceparent of the statement that enqueued the change, so the indexer''s span joins its '
'trace; null when that statement was not traced.';
