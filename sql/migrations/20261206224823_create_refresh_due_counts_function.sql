-- Purpose: push due counts as time passes (issue 23): lexemes fall due without any write, so a
-- job recounts the players whose next due review has passed and updates their learner_stats
-- row, which broadcasts it on their private `learner:<user id>` channel (only changed rows:
-- a row is selected only when a review fell due since its count).
-- Affected: function app_private.refresh_due_counts(integer).
-- Bounded work per run: at most `batch` players, oldest first, each recounted over their own
-- (user_id, due) index; the rest wait for the next run. A player being reviewed right now is
-- skipped (the review holds their advisory lock and writes the count itself).

create function app_private.refresh_due_counts(batch integer default 500)
returns integer
language plpgsql
volatile
set search_path = ''
as $$
declare
    refreshed integer := 0;
    learner uuid;
    at timestamptz := pg_catalog.now();
begin
    for learner in
        select s.user_id from public.learner_stats as s
        where s.next_due_at <= at
        order by s.next_due_at
        limit refresh_due_counts.batch
        for update skip locked
    loop
        -- The lock record_review's context takes: never count under a review in flight.
        if not pg_catalog.pg_try_advisory_xact_lock(
            pg_catalog.hashtext('review:' || learner::text)
        ) then
            continue;
        end if;
        update public.learner_stats as s
        set
            due_count = (
                select pg_catalog.count(*)::integer from public.review_states as rs
                where rs.user_id = learner and rs.due <= at
            ),
            next_due_at = coalesce(
                (
                    select pg_catalog.min(rs.due) from public.review_states as rs
                    where rs.user_id = learner and rs.due > at
                ),
                'infinity'
            ),
            updated_at = at
        where s.user_id = learner;
        refreshed := refreshed + 1;
    end loop;
    return refreshed;
end;
$$;

comment on function app_private.refresh_due_counts(integer) is
'Recount the due reviews of up to `batch` players whose next review fell due (each update is '
'broadcast on their learner channel); returns how many. Scheduled every minute by pg_cron.';

revoke all on function app_private.refresh_due_counts(integer) from public;
