-- Purpose: due counts that follow time (issue 23): each player's learner_stats row records when
-- their next not-yet-counted review falls due, so a scheduled job can find the players whose
-- due count changed without any write, in a bounded batch, through an index.
-- Affected: table public.learner_stats (column next_due_at, index).
-- '-infinity' (the default, so existing rows need no rewrite or update) means "unknown: recount
-- at the next run"; 'infinity' means nothing is scheduled. app_private.record_review and
-- app_private.refresh_due_counts keep it.

alter table public.learner_stats
add column next_due_at timestamptz not null default '-infinity';

comment on column public.learner_stats.next_due_at is
'When the next review not counted in due_count falls due (-infinity: recount; infinity: none).';

-- lint: allow require-concurrent-index-creation — one row per player who ever reviewed: a
-- short lock on a small table, taken once.
create index learner_stats_next_due_at_idx on public.learner_stats (next_due_at);
