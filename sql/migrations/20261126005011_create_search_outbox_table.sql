-- Purpose: the transactional outbox the search indexer drains into Typesense.
-- Affected: table app_private.search_outbox; function app_private.enqueue_search_change().

create table app_private.search_outbox (
    id bigint generated always as identity primary key,
    kind text not null check (kind in ('lexeme', 'deck', 'lesson', 'campaign')),
    entity_id uuid not null,
    enqueued_at timestamptz not null default clock_timestamp()
);

comment on table app_private.search_outbox is
'One row per change to searchable content, written in the same transaction as the change; '
'the indexer deletes rows only after Typesense confirmed the entity''s latest state.';

grant usage on schema app_private to service_role;
-- select ... for update (claiming entries) needs the update privilege.
grant select, update, delete on app_private.search_outbox to service_role;

create index search_outbox_kind_entity_id_idx on app_private.search_outbox (kind, entity_id);

-- Trigger arguments: the search kind and the column holding that kind's entity id.
create function app_private.enqueue_search_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    kind text := tg_argv[0];
    key_column text := tg_argv[1];
    old_id uuid;
    new_id uuid;
begin
    if tg_op in ('UPDATE', 'DELETE') then
        old_id := (to_jsonb(old) ->> key_column)::uuid;
        insert into app_private.search_outbox (kind, entity_id) values (kind, old_id);
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        new_id := (to_jsonb(new) ->> key_column)::uuid;
        if new_id is distinct from old_id then
            insert into app_private.search_outbox (kind, entity_id) values (kind, new_id);
        end if;
    end if;
    perform pg_notify('search_outbox', '');
    return null;
end;
$$;

comment on function app_private.enqueue_search_change() is
'Definer because editors write content but may not write the private outbox directly.';
