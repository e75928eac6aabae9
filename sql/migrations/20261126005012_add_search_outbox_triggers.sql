-- Purpose: every change to searchable content enqueues the affected entity for the indexer.
-- Affected: triggers on lexemes, lexeme_forms, lexeme_glosses, decks, deck_translations,
-- deck_lexemes, lessons, lesson_translations.

create trigger lexemes_enqueue_search
after insert or update or delete on public.lexemes
for each row execute function app_private.enqueue_search_change('lexeme', 'id');

create trigger lexeme_forms_enqueue_search
after insert or update or delete on public.lexeme_forms
for each row execute function app_private.enqueue_search_change('lexeme', 'lexeme_id');

create trigger lexeme_glosses_enqueue_search
after insert or update or delete on public.lexeme_glosses
for each row execute function app_private.enqueue_search_change('lexeme', 'lexeme_id');

create trigger decks_enqueue_search
after insert or update or delete on public.decks
for each row execute function app_private.enqueue_search_change('deck', 'id');

create trigger deck_translations_enqueue_search
after insert or update or delete on public.deck_translations
for each row execute function app_private.enqueue_search_change('deck', 'deck_id');

create trigger deck_lexemes_enqueue_search
after insert or update or delete on public.deck_lexemes
for each row execute function app_private.enqueue_search_change('deck', 'deck_id');

create trigger lessons_enqueue_search
after insert or update or delete on public.lessons
for each row execute function app_private.enqueue_search_change('lesson', 'id');

create trigger lesson_translations_enqueue_search
after insert or update or delete on public.lesson_translations
for each row execute function app_private.enqueue_search_change('lesson', 'lesson_id');

-- A deck's visibility and audience carry over to its lessons.
create function app_private.enqueue_deck_lessons()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    insert into app_private.search_outbox (kind, entity_id)
    select 'lesson', l.id from public.lessons as l where l.deck_id = new.id;
    return null;
end;
$$;

comment on function app_private.enqueue_deck_lessons() is
'Definer because editors write decks but may not write the private outbox directly.';

create trigger decks_enqueue_lessons_search
after update of published_at, restricted_campaign_id, learning_language on public.decks
for each row execute function app_private.enqueue_deck_lessons();
