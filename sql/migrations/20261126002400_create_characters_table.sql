-- Purpose: player characters with language-themed ability scores and derived modifiers.
-- Affected: table public.characters (grants, RLS, policies, indexes, trigger); function
-- public.award_xp(uuid, integer) with its definer app_private.award_xp(uuid, integer).
-- xp and level are never written by clients (no column privilege): the campaign's gm awards xp
-- through public.award_xp, which also derives the level.

create table public.characters (
    id uuid primary key default gen_random_uuid(),
    campaign_id uuid not null references public.campaigns (id) on delete cascade,
    owner_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
    name text not null,
    level integer not null default 1,
    xp integer not null default 0,
    vocabulary smallint not null default 10,
    grammar smallint not null default 10,
    listening smallint not null default 10,
    speaking smallint not null default 10,
    reading smallint not null default 10,
    culture smallint not null default 10,
    vocabulary_mod smallint generated always as ((vocabulary / 2) - 5) stored,
    grammar_mod smallint generated always as ((grammar / 2) - 5) stored,
    listening_mod smallint generated always as ((listening / 2) - 5) stored,
    speaking_mod smallint generated always as ((speaking / 2) - 5) stored,
    reading_mod smallint generated always as ((reading / 2) - 5) stored,
    culture_mod smallint generated always as ((culture / 2) - 5) stored,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint characters_name_check check (pg_catalog.char_length(name) between 1 and 80),
    constraint characters_level_check check (level between 1 and 20),
    constraint characters_xp_check check (xp between 0 and 1000000),
    constraint characters_scores_check check (
        vocabulary between 1 and 30 and grammar between 1 and 30
        and listening between 1 and 30 and speaking between 1 and 30
        and reading between 1 and 30 and culture between 1 and 30
    )
);

comment on table public.characters is
'Characters of a campaign. Scores 1-30; each *_mod is floor(score / 2) - 5, as in d20 games.';
comment on column public.characters.id is 'Character id.';
comment on column public.characters.campaign_id is 'The campaign the character plays in.';
comment on column public.characters.owner_id is 'The player who owns the character.';
comment on column public.characters.name is 'Character name (1-80 characters).';
comment on column public.characters.level is 'Level 1-20, derived from xp by award_xp.';
comment on column public.characters.xp is 'Experience points; only the gm awards them (award_xp).';
comment on column public.characters.vocabulary is 'Vocabulary score (1-30).';
comment on column public.characters.grammar is 'Grammar score (1-30).';
comment on column public.characters.listening is 'Listening score (1-30).';
comment on column public.characters.speaking is 'Speaking score (1-30).';
comment on column public.characters.reading is 'Reading score (1-30).';
comment on column public.characters.culture is 'Culture score (1-30).';
comment on column public.characters.vocabulary_mod is 'Vocabulary modifier (derived).';
comment on column public.characters.grammar_mod is 'Grammar modifier (derived).';
comment on column public.characters.listening_mod is 'Listening modifier (derived).';
comment on column public.characters.speaking_mod is 'Speaking modifier (derived).';
comment on column public.characters.reading_mod is 'Reading modifier (derived).';
comment on column public.characters.culture_mod is 'Culture modifier (derived).';
comment on column public.characters.created_at is 'Creation time.';
comment on column public.characters.updated_at is 'Last change time.';

grant select on table public.characters to anon;
grant select, delete on table public.characters to authenticated;
grant insert (
    campaign_id, name, vocabulary, grammar, listening, speaking, reading, culture
) on table public.characters to authenticated;
grant update (name, vocabulary, grammar, listening, speaking, reading, culture)
on table public.characters to authenticated;
grant all on table public.characters to service_role;

alter table public.characters enable row level security;

create policy "Anyone reads the characters of public campaigns"
on public.characters for select to anon
using (campaign_id in (select app_private.readable_campaign_ids()));

create policy "Users read the characters of campaigns they can read"
on public.characters for select to authenticated
using (campaign_id in (select app_private.readable_campaign_ids()));

create policy "Players and game masters create their own characters in live campaigns"
on public.characters for insert to authenticated
with check (
    owner_id = (select auth.uid())
    and app_private.campaign_role(campaign_id) in ('gm', 'player')
    and not app_private.is_campaign_archived(campaign_id)
);

create policy "Owners and game masters edit characters of live campaigns"
on public.characters for update to authenticated
using (
    (owner_id = (select auth.uid()) or campaign_id in (select app_private.my_gm_campaign_ids()))
    and not app_private.is_campaign_archived(campaign_id)
)
with check (
    owner_id = (select auth.uid()) or campaign_id in (select app_private.my_gm_campaign_ids())
);

create policy "Owners and game masters delete characters of live campaigns"
on public.characters for delete to authenticated
using (
    (owner_id = (select auth.uid()) or campaign_id in (select app_private.my_gm_campaign_ids()))
    and not app_private.is_campaign_archived(campaign_id)
);

create index characters_campaign_id_idx on public.characters (campaign_id);
create index characters_owner_id_idx on public.characters (owner_id);

create trigger characters_touch_updated_at
before update on public.characters
for each row execute function app_private.touch_updated_at();

-- DEFINER: xp and level carry no client column privilege; only this gm-checked path writes them.
create function app_private.award_xp(character_id uuid, amount integer)
returns public.characters
language plpgsql
security definer
set search_path = ''
as $$
declare
    result public.characters;
    target_campaign uuid;
begin
    select c.campaign_id into target_campaign
    from public.characters as c where c.id = award_xp.character_id;
    if not found or not app_private.is_campaign_gm(target_campaign) then
        raise sqlstate '42501' using message = 'only the campaign''s gm awards xp';
    end if;
    if app_private.is_campaign_archived(target_campaign) then
        raise sqlstate '42501' using message = 'the campaign is archived';
    end if;
    if amount is null or amount not between -100000 and 100000 then
        raise sqlstate '22023' using message = 'amount must be -100000..100000';
    end if;
    update public.characters as c
    set
        xp = greatest(0, c.xp + amount),
        level = least(20, 1 + greatest(0, c.xp + amount) / 1000)
    where c.id = award_xp.character_id
    returning c.* into result;
    return result;
end;
$$;

comment on function app_private.award_xp(uuid, integer) is
'Add (or remove) xp as the campaign''s gm; level = 1 + xp / 1000, at most 20.';

grant execute on function app_private.award_xp(uuid, integer) to authenticated;

create function public.award_xp(character_id uuid, amount integer)
returns public.characters
language sql
set search_path = ''
as $$
    select app_private.award_xp(award_xp.character_id, award_xp.amount)
$$;

comment on function public.award_xp(uuid, integer) is
'Game masters award (or remove) xp; the level follows (1 + xp / 1000, at most 20).';

grant execute on function public.award_xp(uuid, integer) to authenticated;
