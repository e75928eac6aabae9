-- Purpose: the frozen deck membership of pack versions follows the content tables' read rule, so
-- it no longer shows anyone the ids of decks and lexemes restricted to a campaign (issue 11,
-- finding 7).
-- Affected: the select policies of public.content_pack_version_lexemes (one replaced by two).
-- A membership row is readable when its deck and its lexeme both are: the subqueries run under
-- the caller's policies on public.decks and public.lexemes (published and not restricted to a
-- campaign the caller is not in; content editors read everything). An anon caller belongs to no
-- campaign and has no permission, so only unrestricted published content remains for it.

drop policy "Anyone can read content pack version lexemes"
on public.content_pack_version_lexemes;

create policy "Anyone can read the pack memberships of readable decks and lexemes"
on public.content_pack_version_lexemes for select to anon
using (
    exists (
        select from public.decks as d
        where d.id = content_pack_version_lexemes.deck_id
    )
    and exists (
        select from public.lexemes as l
        where l.id = content_pack_version_lexemes.lexeme_id
    )
);

create policy "Users can read the pack memberships of readable decks and lexemes"
on public.content_pack_version_lexemes for select to authenticated
using (
    exists (
        select from public.decks as d
        where d.id = content_pack_version_lexemes.deck_id
    )
    and exists (
        select from public.lexemes as l
        where l.id = content_pack_version_lexemes.lexeme_id
    )
);
