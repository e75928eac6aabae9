-- Purpose: items record when they were published (published_at), as lexemes, decks and lessons
-- do, instead of a bare flag. Expand step of an expand/contract change (docs/development.md):
-- is_published stays, and a trigger keeps the two columns in step, so a client that writes
-- either one keeps working while clients move to published_at.
-- Affected: column public.items.published_at (backfilled), its column grants to authenticated,
-- function app_private.sync_item_published(), trigger items_sync_published on public.items.
-- Contract step, in a later release once no client writes is_published: move the item policies
-- to `published_at is not null`, then drop the trigger, the function and is_published (with a
-- reviewed `-- lint: allow ban-drop-column` marker).

-- Nullable without a default: a catalogue change only, no table rewrite.
alter table public.items add column published_at timestamptz;

comment on column public.items.published_at is
'When the item was published; null while it is a draft. Supersedes is_published.';

grant insert (published_at), update (published_at) on table public.items to authenticated;

create function app_private.sync_item_published()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    if tg_op = 'INSERT' then
        if new.published_at is not null then
            new.is_published := true;
        elsif new.is_published then
            new.published_at := pg_catalog.now();
        end if;
    elsif new.published_at is distinct from old.published_at then
        new.is_published := new.published_at is not null;
    elsif new.is_published is distinct from old.is_published then
        new.published_at := case when new.is_published then pg_catalog.now() end;
    end if;
    return new;
end;
$$;

comment on function app_private.sync_item_published() is
'Trigger: keeps items.is_published and items.published_at in step (whichever a client wrote) '
'until is_published is dropped.';

-- Before the RLS checks, which still read is_published: publishing through published_at needs
-- content.publish exactly as publishing through the flag does.
create trigger items_sync_published
before insert or update on public.items
for each row execute function app_private.sync_item_published();

-- Backfill: the last change of a published item is the best known publication time.
update public.items set published_at = updated_at
where is_published and published_at is null;
