-- Purpose: lessons teach a deck; title and body are localized per learner locale.
-- Affected: tables public.lessons, public.lesson_translations.

create table public.lessons (
    id uuid primary key default gen_random_uuid(),
    cms_document_id text unique check (length(cms_document_id) between 1 and 100),
    deck_id uuid not null references public.decks (id) on delete cascade,
    position integer not null default 0 check (position >= 0),
    published_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on table public.lessons is 'A lesson of a deck; it is visible only when its deck is.';

create table public.lesson_translations (
    lesson_id uuid not null references public.lessons (id) on delete cascade,
    locale text not null references public.locales (code),
    title text not null check (length(title) between 1 and 200),
    body text not null default '' check (length(body) <= 20000),
    primary key (lesson_id, locale)
);

comment on table public.lesson_translations is 'A lesson''s title and body in one learner locale.';

grant select on public.lessons, public.lesson_translations to anon, authenticated;
grant insert, update, delete on public.lessons, public.lesson_translations to authenticated;
grant select, insert, update, delete on public.lessons, public.lesson_translations
to service_role;

alter table public.lessons enable row level security;
alter table public.lesson_translations enable row level security;

create index lessons_deck_id_idx on public.lessons (deck_id);
create index lesson_translations_locale_idx on public.lesson_translations (locale);
