-- Purpose: who may read and write learning content: readers see published content that is not
-- restricted to a campaign they are outside of; content editors and admins write (has_permission).
-- Affected: policies on lexemes, lexeme_forms, lexeme_glosses, lexeme_examples, decks,
-- deck_translations, deck_lexemes, lessons, lesson_translations.
-- Child rows follow their parent's visibility: the exists () subqueries run under the parent's RLS.
-- restricted_campaign_id is deliberately not a foreign key: the CMS may name a campaign before
-- this database holds it, and content restricted to a missing campaign is shown to no player.

create policy "Lexemes are readable when published and not restricted to another campaign"
on public.lexemes for select to anon, authenticated
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

create policy "Content editors can create lexemes"
on public.lexemes for insert to authenticated
with check (
    (select app_private.has_permission('content.write'))
    and (published_at is null or (select app_private.has_permission('content.publish')))
);

create policy "Content editors can update lexemes"
on public.lexemes for update to authenticated
using ((select app_private.has_permission('content.write')))
with check (
    (select app_private.has_permission('content.write'))
    and (published_at is null or (select app_private.has_permission('content.publish')))
);

create policy "Content editors can delete lexemes"
on public.lexemes for delete to authenticated
using ((select app_private.has_permission('content.write')));

create policy "Lexeme forms are readable when their lexeme is"
on public.lexeme_forms for select to anon, authenticated
using (
    exists (
        select from public.lexemes as p
        where p.id = lexeme_forms.lexeme_id
    )
);

create policy "Content editors can create lexeme forms"
on public.lexeme_forms for insert to authenticated
with check ((select app_private.has_permission('content.write')));

create policy "Content editors can update lexeme forms"
on public.lexeme_forms for update to authenticated
using ((select app_private.has_permission('content.write')))
with check ((select app_private.has_permission('content.write')));

create policy "Content editors can delete lexeme forms"
on public.lexeme_forms for delete to authenticated
using ((select app_private.has_permission('content.write')));

create policy "Lexeme glosses are readable when their lexeme is"
on public.lexeme_glosses for select to anon, authenticated
using (
    exists (
        select from public.lexemes as p
        where p.id = lexeme_glosses.lexeme_id
    )
);

create policy "Content editors can create lexeme glosses"
on public.lexeme_glosses for insert to authenticated
with check ((select app_private.has_permission('content.write')));

create policy "Content editors can update lexeme glosses"
on public.lexeme_glosses for update to authenticated
using ((select app_private.has_permission('content.write')))
with check ((select app_private.has_permission('content.write')));

create policy "Content editors can delete lexeme glosses"
on public.lexeme_glosses for delete to authenticated
using ((select app_private.has_permission('content.write')));

create policy "Lexeme examples are readable when their lexeme is"
on public.lexeme_examples for select to anon, authenticated
using (
    exists (
        select from public.lexemes as p
        where p.id = lexeme_examples.lexeme_id
    )
);

create policy "Content editors can create lexeme examples"
on public.lexeme_examples for insert to authenticated
with check ((select app_private.has_permission('content.write')));

create policy "Content editors can update lexeme examples"
on public.lexeme_examples for update to authenticated
using ((select app_private.has_permission('content.write')))
with check ((select app_private.has_permission('content.write')));

create policy "Content editors can delete lexeme examples"
on public.lexeme_examples for delete to authenticated
using ((select app_private.has_permission('content.write')));

create policy "Decks are readable when published and not restricted to another campaign"
on public.decks for select to anon, authenticated
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

create policy "Content editors can create decks"
on public.decks for insert to authenticated
with check (
    (select app_private.has_permission('content.write'))
    and (published_at is null or (select app_private.has_permission('content.publish')))
);

create policy "Content editors can update decks"
on public.decks for update to authenticated
using ((select app_private.has_permission('content.write')))
with check (
    (select app_private.has_permission('content.write'))
    and (published_at is null or (select app_private.has_permission('content.publish')))
);

create policy "Content editors can delete decks"
on public.decks for delete to authenticated
using ((select app_private.has_permission('content.write')));

create policy "Deck translations are readable when their deck is"
on public.deck_translations for select to anon, authenticated
using (
    exists (
        select from public.decks as p
        where p.id = deck_translations.deck_id
    )
);

create policy "Content editors can create deck translations"
on public.deck_translations for insert to authenticated
with check ((select app_private.has_permission('content.write')));

create policy "Content editors can update deck translations"
on public.deck_translations for update to authenticated
using ((select app_private.has_permission('content.write')))
with check ((select app_private.has_permission('content.write')));

create policy "Content editors can delete deck translations"
on public.deck_translations for delete to authenticated
using ((select app_private.has_permission('content.write')));

create policy "Deck lexemes are readable when their deck is"
on public.deck_lexemes for select to anon, authenticated
using (
    exists (
        select from public.decks as p
        where p.id = deck_lexemes.deck_id
    )
);

create policy "Content editors can create deck lexemes"
on public.deck_lexemes for insert to authenticated
with check ((select app_private.has_permission('content.write')));

create policy "Content editors can update deck lexemes"
on public.deck_lexemes for update to authenticated
using ((select app_private.has_permission('content.write')))
with check ((select app_private.has_permission('content.write')));

create policy "Content editors can delete deck lexemes"
on public.deck_lexemes for delete to authenticated
using ((select app_private.has_permission('content.write')));

create policy "Lessons are readable when published and their deck is readable"
on public.lessons for select to anon, authenticated
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

create policy "Content editors can create lessons"
on public.lessons for insert to authenticated
with check (
    (select app_private.has_permission('content.write'))
    and (published_at is null or (select app_private.has_permission('content.publish')))
);

create policy "Content editors can update lessons"
on public.lessons for update to authenticated
using ((select app_private.has_permission('content.write')))
with check (
    (select app_private.has_permission('content.write'))
    and (published_at is null or (select app_private.has_permission('content.publish')))
);

create policy "Content editors can delete lessons"
on public.lessons for delete to authenticated
using ((select app_private.has_permission('content.write')));

create policy "Lesson translations are readable when their lesson is"
on public.lesson_translations for select to anon, authenticated
using (
    exists (
        select from public.lessons as p
        where p.id = lesson_translations.lesson_id
    )
);

create policy "Content editors can create lesson translations"
on public.lesson_translations for insert to authenticated
with check ((select app_private.has_permission('content.write')));

create policy "Content editors can update lesson translations"
on public.lesson_translations for update to authenticated
using ((select app_private.has_permission('content.write')))
with check ((select app_private.has_permission('content.write')));

create policy "Content editors can delete lesson translations"
on public.lesson_translations for delete to authenticated
using ((select app_private.has_permission('content.write')));
