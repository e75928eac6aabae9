-- Purpose: the frozen deck membership of a content pack version, and the snapshot function.
-- Affected: table public.content_pack_version_lexemes; function app_private.snapshot_content_pack.

create table public.content_pack_version_lexemes (
    pack_version_id uuid not null references public.content_pack_versions (id) on delete cascade,
    deck_id uuid not null references public.decks (id) on delete cascade,
    lexeme_id uuid not null references public.lexemes (id) on delete cascade,
    primary key (pack_version_id, deck_id, lexeme_id)
);

comment on table public.content_pack_version_lexemes is
'Which lexemes each deck held when the pack version was published; later edits do not change it.';

grant select on public.content_pack_version_lexemes to anon, authenticated;
grant select, insert, update, delete on public.content_pack_version_lexemes to service_role;

alter table public.content_pack_version_lexemes enable row level security;

create policy "Anyone can read content pack version lexemes"
on public.content_pack_version_lexemes for select to anon, authenticated
using (true);

create index content_pack_version_lexemes_deck_id_idx
on public.content_pack_version_lexemes (deck_id);
create index content_pack_version_lexemes_lexeme_id_idx
on public.content_pack_version_lexemes (lexeme_id);

create function app_private.snapshot_content_pack(target_pack_id uuid)
returns integer
language plpgsql
set search_path = ''
as $$
declare
    next_version integer;
    new_version_id uuid;
begin
    perform 1 from public.content_packs where id = target_pack_id for update;
    if not found then
        raise sqlstate 'PT404' using message = 'content pack not found';
    end if;
    select coalesce(max(v.version), 0) + 1 into next_version
    from public.content_pack_versions as v
    where v.pack_id = target_pack_id;
    insert into public.content_pack_versions (pack_id, version)
    values (target_pack_id, next_version)
    returning id into new_version_id;
    insert into public.content_pack_version_lexemes (pack_version_id, deck_id, lexeme_id)
    select new_version_id, dl.deck_id, dl.lexeme_id
    from public.deck_lexemes as dl
    inner join public.decks as d on dl.deck_id = d.id
    inner join public.lexemes as l on dl.lexeme_id = l.id
    where d.pack_id = target_pack_id
        and d.published_at is not null
        and l.published_at is not null;
    return next_version;
end;
$$;

comment on function app_private.snapshot_content_pack(uuid) is
'Freeze the published decks of a pack into a new version; returns the version number.';

grant execute on function app_private.snapshot_content_pack(uuid) to service_role;
