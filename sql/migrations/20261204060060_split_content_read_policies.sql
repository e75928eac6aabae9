-- Purpose: one read policy per role on the content tables, as the core writes them: each select
-- policy that covered anon and authenticated together becomes two, one per role, with the same
-- USING expression, so what anyone may read does not change. The names say who reads what (an
-- anon caller belongs to no campaign and has no permission, so the campaign and editor branches
-- of the shared expression never hold for it).
-- Affected: the select policies of public.locales, public.content_packs,
-- public.content_pack_versions, public.lexemes, public.lexeme_forms, public.lexeme_glosses,
-- public.lexeme_examples, public.decks, public.deck_translations, public.deck_lexemes,
-- public.lessons, public.lesson_translations (replaced). public.content_pack_version_lexemes
-- keeps its policy here: its read rule changes in 20261204040000's block.
-- The dropped names are spelled as Postgres stored them (truncated to 63 bytes).

drop policy "Anyone can read locales" on public.locales;

create policy "Anyone can read locales"
on public.locales for select to anon
using (true);

create policy "Users can read locales"
on public.locales for select to authenticated
using (true);

drop policy "Anyone can read content packs" on public.content_packs;

create policy "Anyone can read content packs"
on public.content_packs for select to anon
using (true);

create policy "Users can read content packs"
on public.content_packs for select to authenticated
using (true);

drop policy "Anyone can read content pack versions" on public.content_pack_versions;

create policy "Anyone can read content pack versions"
on public.content_pack_versions for select to anon
using (true);

create policy "Users can read content pack versions"
on public.content_pack_versions for select to authenticated
using (true);

drop policy "Lexemes are readable when published and not restricted to anoth" on public.lexemes;

create policy "Anyone can read published lexemes not restricted to a campaign"
on public.lexemes for select to anon
using (
    (
        published_at is not null
        and (
            restricted_campaign_id is null
            or restricted_campaign_id in (select app_private.my_campaign_ids())
        )
    )
    or (select app_private.has_permission('content.write'))
);

create policy "Users can read lexemes published for them, editors all lexemes"
on public.lexemes for select to authenticated
using (
    (
        published_at is not null
        and (
            restricted_campaign_id is null
            or restricted_campaign_id in (select app_private.my_campaign_ids())
        )
    )
    or (select app_private.has_permission('content.write'))
);

drop policy "Lexeme forms are readable when their lexeme is" on public.lexeme_forms;

create policy "Anyone can read the forms of readable lexemes"
on public.lexeme_forms for select to anon
using (
    exists (
        select from public.lexemes as p
        where p.id = lexeme_forms.lexeme_id
    )
);

create policy "Users can read the forms of readable lexemes"
on public.lexeme_forms for select to authenticated
using (
    exists (
        select from public.lexemes as p
        where p.id = lexeme_forms.lexeme_id
    )
);

drop policy "Lexeme glosses are readable when their lexeme is" on public.lexeme_glosses;

create policy "Anyone can read the glosses of readable lexemes"
on public.lexeme_glosses for select to anon
using (
    exists (
        select from public.lexemes as p
        where p.id = lexeme_glosses.lexeme_id
    )
);

create policy "Users can read the glosses of readable lexemes"
on public.lexeme_glosses for select to authenticated
using (
    exists (
        select from public.lexemes as p
        where p.id = lexeme_glosses.lexeme_id
    )
);

drop policy "Lexeme examples are readable when their lexeme is" on public.lexeme_examples;

create policy "Anyone can read the examples of readable lexemes"
on public.lexeme_examples for select to anon
using (
    exists (
        select from public.lexemes as p
        where p.id = lexeme_examples.lexeme_id
    )
);

create policy "Users can read the examples of readable lexemes"
on public.lexeme_examples for select to authenticated
using (
    exists (
        select from public.lexemes as p
        where p.id = lexeme_examples.lexeme_id
    )
);

drop policy "Decks are readable when published and not restricted to another" on public.decks;

create policy "Anyone can read published decks not restricted to a campaign"
on public.decks for select to anon
using (
    (
        published_at is not null
        and (
            restricted_campaign_id is null
            or restricted_campaign_id in (select app_private.my_campaign_ids())
        )
    )
    or (select app_private.has_permission('content.write'))
);

create policy "Users can read decks published for them, editors all decks"
on public.decks for select to authenticated
using (
    (
        published_at is not null
        and (
            restricted_campaign_id is null
            or restricted_campaign_id in (select app_private.my_campaign_ids())
        )
    )
    or (select app_private.has_permission('content.write'))
);

drop policy "Deck translations are readable when their deck is" on public.deck_translations;

create policy "Anyone can read the translations of readable decks"
on public.deck_translations for select to anon
using (
    exists (
        select from public.decks as p
        where p.id = deck_translations.deck_id
    )
);

create policy "Users can read the translations of readable decks"
on public.deck_translations for select to authenticated
using (
    exists (
        select from public.decks as p
        where p.id = deck_translations.deck_id
    )
);

drop policy "Deck lexemes are readable when their deck is" on public.deck_lexemes;

create policy "Anyone can read the lexeme lists of readable decks"
on public.deck_lexemes for select to anon
using (
    exists (
        select from public.decks as p
        where p.id = deck_lexemes.deck_id
    )
);

create policy "Users can read the lexeme lists of readable decks"
on public.deck_lexemes for select to authenticated
using (
    exists (
        select from public.decks as p
        where p.id = deck_lexemes.deck_id
    )
);

drop policy "Lessons are readable when published and their deck is readable" on public.lessons;

create policy "Anyone can read published lessons of readable decks"
on public.lessons for select to anon
using (
    (
        published_at is not null
        and exists (
            select from public.decks as d
            where d.id = lessons.deck_id
        )
    )
    or (select app_private.has_permission('content.write'))
);

create policy "Users can read published lessons of readable decks, editors all"
on public.lessons for select to authenticated
using (
    (
        published_at is not null
        and exists (
            select from public.decks as d
            where d.id = lessons.deck_id
        )
    )
    or (select app_private.has_permission('content.write'))
);

drop policy "Lesson translations are readable when their lesson is" on public.lesson_translations;

create policy "Anyone can read the translations of readable lessons"
on public.lesson_translations for select to anon
using (
    exists (
        select from public.lessons as p
        where p.id = lesson_translations.lesson_id
    )
);

create policy "Users can read the translations of readable lessons"
on public.lesson_translations for select to authenticated
using (
    exists (
        select from public.lessons as p
        where p.id = lesson_translations.lesson_id
    )
);
