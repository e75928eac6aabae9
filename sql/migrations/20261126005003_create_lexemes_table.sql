-- Purpose: vocabulary as lexemes (lemma, part of speech, CEFR level, frequency, audio).
-- Affected: table public.lexemes.

create table public.lexemes (
    id uuid primary key default gen_random_uuid(),
    cms_document_id text unique check (length(cms_document_id) between 1 and 100),
    learning_language text not null references public.locales (code),
    lemma text not null check (length(lemma) between 1 and 200),
    part_of_speech text not null check (part_of_speech in (
        'noun', 'verb', 'adjective', 'adverb', 'pronoun', 'preposition', 'conjunction',
        'determiner', 'interjection', 'numeral', 'phrase'
    )),
    cefr text not null check (cefr in ('A1', 'A2', 'B1', 'B2', 'C1', 'C2')),
    frequency_rank integer check (frequency_rank > 0),
    audio_path text check (length(audio_path) <= 500),
    restricted_campaign_id uuid,
    published_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on table public.lexemes is
'A unit of vocabulary in a learning language; glosses live in lexeme_glosses per learner locale.';
comment on column public.lexemes.lemma is 'Dictionary form; its surface forms are in lexeme_forms.';
comment on column public.lexemes.restricted_campaign_id is
'When set, only members of this campaign may see the lexeme.';
comment on column public.lexemes.published_at is 'Null while the lexeme is a draft.';

grant select on public.lexemes to anon, authenticated;
grant insert, update, delete on public.lexemes to authenticated;
grant select, insert, update, delete on public.lexemes to service_role;

alter table public.lexemes enable row level security;

create index lexemes_learning_language_cefr_idx on public.lexemes (learning_language, cefr);
create index lexemes_restricted_campaign_id_idx on public.lexemes (restricted_campaign_id);
create index lexemes_published_at_idx on public.lexemes (published_at);
