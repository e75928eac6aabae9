-- Purpose: a lexeme's gloss and hint per learner locale.
-- Affected: table public.lexeme_glosses.

create table public.lexeme_glosses (
    lexeme_id uuid not null references public.lexemes (id) on delete cascade,
    locale text not null references public.locales (code),
    gloss text not null check (length(gloss) between 1 and 500),
    hint text check (length(hint) <= 2000),
    primary key (lexeme_id, locale)
);

comment on table public.lexeme_glosses is 'The meaning of a lexeme written in one learner locale.';

grant select on public.lexeme_glosses to anon, authenticated;
grant insert, update, delete on public.lexeme_glosses to authenticated;
grant select, insert, update, delete on public.lexeme_glosses to service_role;

alter table public.lexeme_glosses enable row level security;

create index lexeme_glosses_locale_idx on public.lexeme_glosses (locale);
