-- Purpose: the FSRS memory state of each lexeme a player has reviewed (issue 23): stability,
-- difficulty, due date, last review, repetitions and lapses.
-- Affected: table public.review_states (grants, RLS, policies, indexes).
-- Rows are written only by app_private.record_review (the dice service schedules with the fsrs
-- package and stores the card it returns). A player reads their own states, moderators all; a
-- game master sees aggregates only (public.campaign_readiness), never these rows.

create table public.review_states (
    user_id uuid not null references auth.users (id) on delete cascade,
    lexeme_id uuid not null references public.lexemes (id) on delete cascade,
    state smallint not null,
    step smallint,
    stability double precision,
    difficulty double precision,
    due timestamptz not null,
    last_review timestamptz,
    reps integer not null default 0,
    lapses integer not null default 0,
    updated_at timestamptz not null default now(),
    primary key (user_id, lexeme_id),
    constraint review_states_state_check check (state in (1, 2, 3)),
    constraint review_states_stability_check check (stability > 0),
    constraint review_states_difficulty_check check (difficulty between 1 and 10),
    constraint review_states_counts_check check (reps >= 0 and lapses between 0 and reps)
);

comment on table public.review_states is
'FSRS memory state per player and lexeme, as scheduled by the fsrs package (dice service).';
comment on column public.review_states.user_id is 'The player.';
comment on column public.review_states.lexeme_id is 'The lexeme reviewed.';
comment on column public.review_states.state is 'FSRS state: 1 learning, 2 review, 3 relearning.';
comment on column public.review_states.step is 'Learning or relearning step (null in review).';
comment on column public.review_states.stability is 'FSRS stability in days (R = 0.9 after it).';
comment on column public.review_states.difficulty is 'FSRS difficulty, 1 (easy) to 10.';
comment on column public.review_states.due is 'When the next review falls due.';
comment on column public.review_states.last_review is 'When it was last reviewed.';
comment on column public.review_states.reps is 'Reviews so far.';
comment on column public.review_states.lapses is 'Times forgotten (Again) once in review.';
comment on column public.review_states.updated_at is 'Last change.';

grant select on table public.review_states to authenticated;
grant all on table public.review_states to service_role;

alter table public.review_states enable row level security;

create policy "Players and moderators read review states"
on public.review_states for select to authenticated
using (user_id = (select auth.uid()) or (select app_private.has_permission('campaign.moderate')));

create index review_states_user_id_due_idx on public.review_states (user_id, due);
create index review_states_lexeme_id_idx on public.review_states (lexeme_id);
