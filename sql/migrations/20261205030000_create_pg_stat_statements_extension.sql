-- Purpose: statement statistics for the metrics (issue 14): prometheus-postgres-exporter reads
-- pg_stat_statements (supabase/monitoring/postgres-exporter-queries.yml). The library is
-- preloaded by the cluster's settings (native_platform/postgres.py); until a cluster restarts
-- with it the view raises, which only that exporter query notices.
-- Affected: extension pg_stat_statements (new, in schema extensions).

create extension if not exists pg_stat_statements with schema extensions;
