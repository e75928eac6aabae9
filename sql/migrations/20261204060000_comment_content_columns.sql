-- Purpose: describe every column of the learning content tables, as the core tables do; the
-- REST server turns these comments into the OpenAPI descriptions of GET /rest/v1/.
-- Affected: column comments of public.locales, public.content_packs,
-- public.content_pack_versions, public.lexemes, public.lexeme_forms, public.lexeme_glosses,
-- public.lexeme_examples, public.decks, public.deck_translations, public.deck_lexemes,
-- public.lessons, public.lesson_translations, public.content_pack_version_lexemes,
-- public.campaign_content_packs (columns already described keep their comment).

comment on column public.locales.code is
'Locale tag: a two- or three-letter language, optionally with a region (en, pt-BR).';
comment on column public.locales.name is
'The locale''s name in its own language (1-100 characters).';

comment on column public.content_packs.id is 'Content pack id.';
comment on column public.content_packs.slug is
'Stable name used in URLs and by publish_content_pack (lower-case letters, digits, dashes).';
comment on column public.content_packs.learning_language is 'The locale the pack teaches.';
comment on column public.content_packs.created_at is 'Creation time.';

comment on column public.content_pack_versions.id is 'Pack version id.';
comment on column public.content_pack_versions.pack_id is 'The pack this is a version of.';
comment on column public.content_pack_versions.version is
'Version number, counting from 1 per pack.';
comment on column public.content_pack_versions.published_at is 'When the version was frozen.';

comment on column public.lexemes.id is 'Lexeme id.';
comment on column public.lexemes.cms_document_id is
'The CMS entry this lexeme is imported from; null for lexemes written over the API.';
comment on column public.lexemes.learning_language is 'The locale the lexeme belongs to.';
comment on column public.lexemes.part_of_speech is
'noun, verb, adjective, adverb, pronoun, preposition, conjunction, determiner, interjection, '
'numeral or phrase.';
comment on column public.lexemes.cefr is
'CEFR level at which it is taught: A1, A2, B1, B2, C1, C2.';
comment on column public.lexemes.frequency_rank is
'Rank in a frequency list of the language (1 = most frequent); null when unknown.';
comment on column public.lexemes.audio_path is
'Pronunciation recording: an object key in the lexeme-audio storage bucket.';
comment on column public.lexemes.created_at is 'Creation time.';
comment on column public.lexemes.updated_at is
'Time of the last CMS import that changed it (writes over the API leave it as is).';

comment on column public.lexeme_forms.lexeme_id is 'The lexeme this is a form of.';
comment on column public.lexeme_forms.surface_form is
'The form as written in a text (1-200 characters).';
comment on column public.lexeme_forms.morphology is
'Morphology tags of the form, e.g. {pret.1sg} (at most 20).';

comment on column public.lexeme_glosses.lexeme_id is 'The lexeme glossed.';
comment on column public.lexeme_glosses.locale is 'The learner locale the gloss is written in.';
comment on column public.lexeme_glosses.gloss is 'Short meaning (1-500 characters).';
comment on column public.lexeme_glosses.hint is
'Optional longer explanation or usage note (up to 2000 characters).';

comment on column public.lexeme_examples.lexeme_id is 'The lexeme illustrated.';
comment on column public.lexeme_examples.position is 'Display order among the lexeme''s examples.';
comment on column public.lexeme_examples.sentence is
'The example sentence, in the learning language (1-1000 characters).';
comment on column public.lexeme_examples.source is
'Where the sentence comes from (a corpus, a URL).';
comment on column public.lexeme_examples.licence is
'The licence it is used under, e.g. CC-BY 2.0 FR.';

comment on column public.decks.id is 'Deck id.';
comment on column public.decks.cms_document_id is
'The CMS entry this deck is imported from; null for decks written over the API.';
comment on column public.decks.pack_id is 'The content pack the deck belongs to.';
comment on column public.decks.learning_language is 'The locale the deck teaches.';
comment on column public.decks.published_at is
'Null while the deck is a draft; drafts are left out of published pack versions.';
comment on column public.decks.created_at is 'Creation time.';
comment on column public.decks.updated_at is
'Time of the last CMS import that changed it (writes over the API leave it as is).';

comment on column public.deck_translations.deck_id is 'The deck translated.';
comment on column public.deck_translations.locale is 'The learner locale of this translation.';
comment on column public.deck_translations.title is 'Deck title (1-200 characters).';
comment on column public.deck_translations.description is
'Optional deck description (up to 2000 characters).';

comment on column public.deck_lexemes.deck_id is 'The deck.';
comment on column public.deck_lexemes.lexeme_id is 'A lexeme taught by the deck.';
comment on column public.deck_lexemes.position is 'Teaching order within the deck.';

comment on column public.lessons.id is 'Lesson id.';
comment on column public.lessons.cms_document_id is
'The CMS entry this lesson is imported from; null for lessons written over the API.';
comment on column public.lessons.deck_id is 'The deck the lesson teaches.';
comment on column public.lessons.position is 'Order of the lesson within its deck.';
comment on column public.lessons.published_at is 'Null while the lesson is a draft.';
comment on column public.lessons.created_at is 'Creation time.';
comment on column public.lessons.updated_at is
'Time of the last CMS import that changed it (writes over the API leave it as is).';

comment on column public.lesson_translations.lesson_id is 'The lesson translated.';
comment on column public.lesson_translations.locale is 'The learner locale of this translation.';
comment on column public.lesson_translations.title is 'Lesson title (1-200 characters).';
comment on column public.lesson_translations.body is
'Lesson text (up to 20000 characters; empty until written).';

comment on column public.content_pack_version_lexemes.pack_version_id is
'The frozen pack version.';
comment on column public.content_pack_version_lexemes.deck_id is
'A deck of the pack, published when the version was frozen.';
comment on column public.content_pack_version_lexemes.lexeme_id is
'A published lexeme the deck held at that time.';

comment on column public.campaign_content_packs.campaign_id is 'The campaign.';
comment on column public.campaign_content_packs.pack_version_id is
'The content pack version the campaign plays.';
comment on column public.campaign_content_packs.pinned_at is 'When the pin was created.';
