-- Purpose: the append-only log of reviews (issue 23): every rating of a lexeme, where it came
-- from, the XP it earned and the time zone in force, so memory state, streaks and XP can be
-- recomputed and audited from it; plus learner_days, its per-day rollup.
-- Affected: tables public.review_logs and app_private.learner_days (grants, RLS, policies,
-- indexes); function app_private.forbid_review_log_change() and its trigger.
-- Rows are inserted only by app_private.record_review and never change (a trigger refuses
-- updates; no role but the owner may delete, which happens only by cascade). A player reads their
-- own log, moderators every log; game masters see aggregates only.

create table public.review_logs (
    id bigint generated always as identity primary key,
    user_id uuid not null references auth.users (id) on delete cascade,
    lexeme_id uuid not null references public.lexemes (id) on delete cascade,
    rating smallint not null,
    source text not null,
    campaign_id uuid references public.campaigns (id) on delete set null,
    challenge_id uuid references public.learning_challenges (id) on delete set null,
    graded_by uuid references auth.users (id) on delete set null,
    answer text,
    xp smallint not null,
    time_zone text not null,
    reviewed_at timestamptz not null default now(),
    review_duration_ms integer,
    stability double precision,
    difficulty double precision,
    due timestamptz not null,
    constraint review_logs_rating_check check (rating between 1 and 4),
    constraint review_logs_source_check check (source in ('answer', 'gm', 'practice')),
    constraint review_logs_answer_check check (pg_catalog.char_length(answer) <= 200),
    constraint review_logs_xp_check check (xp between 0 and 100),
    constraint review_logs_duration_check check (review_duration_ms >= 0)
);

comment on table public.review_logs is
'Append-only log of lexeme reviews: rating, source, XP and the time zone in force.';
comment on column public.review_logs.id is 'Review number (increasing).';
comment on column public.review_logs.user_id is 'The player reviewed.';
comment on column public.review_logs.lexeme_id is 'The lexeme reviewed.';
comment on column public.review_logs.rating is 'FSRS rating: 1 Again, 2 Hard, 3 Good, 4 Easy.';
comment on column public.review_logs.source is
'answer: auto-graded challenge answer; gm: graded by the game master; practice: self-rated.';
comment on column public.review_logs.campaign_id is 'The campaign of the challenge, if any.';
comment on column public.review_logs.challenge_id is 'The challenge answered, if any.';
comment on column public.review_logs.graded_by is 'Who graded it (the player or their gm).';
comment on column public.review_logs.answer is 'The answer typed or picked, if any.';
comment on column public.review_logs.xp is 'XP earned (py_rules.learning.review_xp).';
comment on column public.review_logs.time_zone is
'The player''s time zone when reviewing: it places the review on a streak day.';
comment on column public.review_logs.reviewed_at is 'When it was reviewed.';
comment on column public.review_logs.review_duration_ms is 'Time spent answering, if known.';
comment on column public.review_logs.stability is 'Stability after this review.';
comment on column public.review_logs.difficulty is 'Difficulty after this review.';
comment on column public.review_logs.due is 'Next due date after this review.';

grant select on table public.review_logs to authenticated;
grant select, insert on table public.review_logs to service_role;

alter table public.review_logs enable row level security;

create policy "Players and moderators read review logs"
on public.review_logs for select to authenticated
using (user_id = (select auth.uid()) or (select app_private.has_permission('campaign.moderate')));

create index review_logs_user_id_reviewed_at_idx on public.review_logs (user_id, reviewed_at);
create index review_logs_lexeme_id_idx on public.review_logs (lexeme_id);
create index review_logs_campaign_id_idx on public.review_logs (campaign_id);
create index review_logs_graded_by_idx on public.review_logs (graded_by);
create unique index review_logs_challenge_lexeme_idx on public.review_logs (
    challenge_id, lexeme_id
) where challenge_id is not null;

create function app_private.forbid_review_log_change()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
    references_only text[] := array['campaign_id', 'challenge_id', 'graded_by'];
begin
    -- Only the foreign keys' own `on delete set null` may touch a row.
    if pg_catalog.to_jsonb(new) - references_only = pg_catalog.to_jsonb(old) - references_only
        and (new.campaign_id is null or new.campaign_id = old.campaign_id)
        and (new.challenge_id is null or new.challenge_id = old.challenge_id)
        and (new.graded_by is null or new.graded_by = old.graded_by) then
        return new;
    end if;
    raise sqlstate '42501' using message = 'review logs are append-only';
end;
$$;

comment on function app_private.forbid_review_log_change() is
'Trigger: review log rows never change (but for references set null by deletes).';

create trigger review_logs_append_only
before update on public.review_logs
for each row
execute function app_private.forbid_review_log_change();

create table app_private.learner_days (
    user_id uuid not null references auth.users (id) on delete cascade,
    day date not null,
    time_zone text not null,
    first_at timestamptz not null,
    last_at timestamptz not null,
    xp integer not null,
    reviews integer not null,
    primary key (user_id, day, time_zone)
);

comment on table app_private.learner_days is
'Rollup of review_logs per player, local day and time zone (app_private.recompute_learner_days '
'rebuilds it); the streak rules read it.';
