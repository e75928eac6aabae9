-- Purpose: the publication declaring which tables publish postgres_changes; later migrations add
-- tables to it (the realtime server reads its member tables and filters the WAL by them).
-- Affected: publication supabase_realtime.

create publication supabase_realtime;
