-- Purpose: the lexemes a language challenge drew for a player, so its answers are graded
-- against what was asked and its roll's familiarity comes from those lexemes (issue 23).
-- Affected: table public.learning_challenges (grants, RLS, policies, indexes).
-- Only the dice service creates challenges (app_private.is_dice_service(), as for dice rolls),
-- for the caller in a campaign where they play or gm. The player, the campaign's game masters
-- (who grade answers) and moderators read them. Rows never change.

create table public.learning_challenges (
    id uuid primary key default gen_random_uuid(),
    campaign_id uuid not null references public.campaigns (id) on delete cascade,
    user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
    cefr text,
    lexeme_ids uuid[] not null,
    created_at timestamptz not null default now(),
    constraint learning_challenges_cefr_check check (
        cefr in ('A1', 'A2', 'B1', 'B2', 'C1', 'C2')
    ),
    constraint learning_challenges_lexeme_ids_check check (
        pg_catalog.cardinality(lexeme_ids) between 1 and 50
    )
);

comment on table public.learning_challenges is
'Lexemes drawn for one language challenge of a player (created by the dice service).';
comment on column public.learning_challenges.id is 'Challenge id, named by answers and rolls.';
comment on column public.learning_challenges.campaign_id is 'The campaign it was played in.';
comment on column public.learning_challenges.user_id is 'The player challenged.';
comment on column public.learning_challenges.cefr is 'The CEFR level drawn from (null: any).';
comment on column public.learning_challenges.lexeme_ids is 'The lexemes asked, in order.';
comment on column public.learning_challenges.created_at is 'When it was drawn.';

grant select on table public.learning_challenges to authenticated;
grant insert (campaign_id, user_id, cefr, lexeme_ids) on table public.learning_challenges
to authenticated;
grant all on table public.learning_challenges to service_role;

alter table public.learning_challenges enable row level security;

create policy "Players, their game masters and moderators read challenges"
on public.learning_challenges for select to authenticated
using (
    user_id = (select auth.uid())
    or campaign_id in (select app_private.my_gm_campaign_ids())
    or (select app_private.has_permission('campaign.moderate'))
);

create policy "The dice service draws challenges for players and game masters"
on public.learning_challenges for insert to authenticated
with check (
    user_id = (select auth.uid())
    and (select app_private.is_dice_service())
    and app_private.campaign_role(campaign_id) in ('gm', 'player')
);

create index learning_challenges_campaign_id_idx on public.learning_challenges (campaign_id);
create index learning_challenges_user_id_idx on public.learning_challenges (user_id);
