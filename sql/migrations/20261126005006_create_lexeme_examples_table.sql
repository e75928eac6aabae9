-- Purpose: example sentences of a lexeme with their source and licence.
-- Affected: table public.lexeme_examples.

create table public.lexeme_examples (
    lexeme_id uuid not null references public.lexemes (id) on delete cascade,
    position integer not null check (position >= 0),
    sentence text not null check (length(sentence) between 1 and 1000),
    source text not null check (length(source) between 1 and 300),
    licence text not null check (length(licence) between 1 and 100),
    primary key (lexeme_id, position)
);

comment on table public.lexeme_examples is
'Example sentences in the learning language, each with where it came from and its licence.';

grant select on public.lexeme_examples to anon, authenticated;
grant insert, update, delete on public.lexeme_examples to authenticated;
grant select, insert, update, delete on public.lexeme_examples to service_role;

alter table public.lexeme_examples enable row level security;
