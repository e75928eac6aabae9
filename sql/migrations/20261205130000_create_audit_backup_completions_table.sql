-- Purpose: record when a backup completed, so the "last backup" metric and its alert count
-- finished backups only (audit.anchors is written when a backup starts: a failed one wrote a row).
-- Affected: table audit.backup_completions (append-only).
-- `rfl backup` inserts a row once pgBackRest reported the backup done (native_platform/backup.py);
-- the rfl_backup query of supabase/monitoring/postgres-exporter-queries.yml reads its newest row.
-- Backups taken before this migration have no row: the metric reads 0 until the next backup.

create table audit.backup_completions (
    id bigint generated always as identity primary key,
    anchor_id bigint references audit.anchors (id),
    label text not null,
    backup_type text not null,
    completed_at timestamptz not null default pg_catalog.clock_timestamp(),
    constraint backup_completions_type_check check (backup_type in ('full', 'diff', 'incr'))
);

comment on table audit.backup_completions is
'One row per backup pgBackRest completed (label, type), with the audit anchor taken before it.';

revoke all on table audit.backup_completions from public, anon, authenticated, service_role;

create trigger backup_completions_append_only
before update or delete on audit.backup_completions
for each row execute function audit.forbid_change();

create trigger backup_completions_no_truncate
before truncate on audit.backup_completions
for each statement execute function audit.forbid_change();
