-- Purpose: decks group lexemes of one pack; titles are localized per learner locale.
-- Affected: tables public.decks, public.deck_translations, public.deck_lexemes.

create table public.decks (
    id uuid primary key default gen_random_uuid(),
    cms_document_id text unique check (length(cms_document_id) between 1 and 100),
    pack_id uuid not null references public.content_packs (id),
    learning_language text not null references public.locales (code),
    restricted_campaign_id uuid,
    published_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on table public.decks is 'A group of lexemes taught together; part of a content pack.';
comment on column public.decks.restricted_campaign_id is
'When set, only members of this campaign may see the deck and its lessons.';

create table public.deck_translations (
    deck_id uuid not null references public.decks (id) on delete cascade,
    locale text not null references public.locales (code),
    title text not null check (length(title) between 1 and 200),
    description text check (length(description) <= 2000),
    primary key (deck_id, locale)
);

comment on table public.deck_translations is
'A deck''s title and description in one learner locale.';

create table public.deck_lexemes (
    deck_id uuid not null references public.decks (id) on delete cascade,
    lexeme_id uuid not null references public.lexemes (id) on delete cascade,
    position integer not null default 0 check (position >= 0),
    primary key (deck_id, lexeme_id)
);

comment on table public.deck_lexemes is 'The lexemes of a deck, in teaching order.';

grant select on public.decks, public.deck_translations, public.deck_lexemes
to anon, authenticated;
grant insert, update, delete on public.decks, public.deck_translations, public.deck_lexemes
to authenticated;
grant select, insert, update, delete on public.decks, public.deck_translations,
public.deck_lexemes to service_role;

alter table public.decks enable row level security;
alter table public.deck_translations enable row level security;
alter table public.deck_lexemes enable row level security;

create index decks_pack_id_idx on public.decks (pack_id);
create index decks_learning_language_idx on public.decks (learning_language);
create index decks_restricted_campaign_id_idx on public.decks (restricted_campaign_id);
create index deck_translations_locale_idx on public.deck_translations (locale);
create index deck_lexemes_lexeme_id_idx on public.deck_lexemes (lexeme_id);
