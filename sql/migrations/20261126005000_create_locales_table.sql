-- Purpose: the locales content is written in and shown in, each with a fallback locale.
-- Affected: table public.locales (with its reference rows).
-- The learning language (what is taught) and the learner language (glosses, hints, interface)
-- are both locale codes from this table, but they are never mixed: see is_learning/is_learner.

create table public.locales (
    code text primary key check (code ~ '^[a-z]{2,3}(-[A-Z]{2})?$'),
    name text not null check (length(name) between 1 and 100),
    fallback text references public.locales (code),
    is_learning boolean not null default false,
    is_learner boolean not null default false,
    check (fallback is distinct from code)
);

comment on table public.locales is
'Locales with their fallback chain (pt-BR -> pt -> en); learning and learner roles kept apart.';
comment on column public.locales.fallback is
'The locale to try next when a translation is missing; null ends the chain.';
comment on column public.locales.is_learning is 'Content can teach this language.';
comment on column public.locales.is_learner is
'Glosses, hints and interface exist in this language.';

grant select on public.locales to anon, authenticated, service_role;
grant insert, update, delete on public.locales to service_role;

alter table public.locales enable row level security;

create policy "Anyone can read locales"
on public.locales for select to anon, authenticated
using (true);

create index locales_fallback_idx on public.locales (fallback);

-- Reference data every database needs (the content model and the search index rely on it).
insert into public.locales (code, name, fallback, is_learning, is_learner) values
('en', 'English', null, true, true);
insert into public.locales (code, name, fallback, is_learning, is_learner) values
('pt', 'Português', 'en', true, true),
('es', 'Español', 'en', true, false),
('de', 'Deutsch', 'en', true, true);
insert into public.locales (code, name, fallback, is_learning, is_learner) values
('pt-BR', 'Português (Brasil)', 'pt', false, true);
