-- Purpose: inflected surface forms of a lexeme with morphology tags (fui -> ir).
-- Affected: table public.lexeme_forms.

create table public.lexeme_forms (
    lexeme_id uuid not null references public.lexemes (id) on delete cascade,
    surface_form text not null check (length(surface_form) between 1 and 200),
    morphology text[] not null default '{}' check (cardinality(morphology) <= 20),
    primary key (lexeme_id, surface_form)
);

comment on table public.lexeme_forms is
'Surface forms of a lexeme (including the lemma itself) with morphology tags such as pret.1sg.';

grant select on public.lexeme_forms to anon, authenticated;
grant insert, update, delete on public.lexeme_forms to authenticated;
grant select, insert, update, delete on public.lexeme_forms to service_role;

alter table public.lexeme_forms enable row level security;
