-- Purpose: qualify the last two unqualified built-in calls in the core's function bodies, so
-- that every function of the app schemas follows the same rule (tests/sql/test_house_style.py
-- now checks it). Behaviour, signatures, grants and comments stay as they were.
-- Affected: functions audit.enable_tracking(regclass, text[]) (cardinality) and
-- realtime.send(jsonb, text, text, boolean) (gen_random_uuid) (replaced).

create or replace function audit.enable_tracking(
    target regclass, operations text[] default '{INSERT,UPDATE,DELETE,TRUNCATE}'
)
returns void
language plpgsql
set search_path = ''
as $$
declare
    pk_columns text;
    row_ops text;
begin
    select pg_catalog.string_agg(pg_catalog.quote_literal(a.attname), ', ' order by k.ord)
    into pk_columns
    from pg_catalog.pg_index as i
    cross join lateral pg_catalog.unnest(i.indkey) with ordinality as k (attnum, ord)
    inner join pg_catalog.pg_attribute as a on a.attrelid = i.indrelid and a.attnum = k.attnum
    where i.indrelid = target and i.indisprimary;
    if pk_columns is null then
        raise sqlstate '22023' using message = pg_catalog.format(
            'audit.enable_tracking: %s has no primary key', target
        );
    end if;
    if operations is null or pg_catalog.cardinality(operations) = 0 or not operations
        <@ array['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'] then
        raise sqlstate '22023'
        using message = 'operations: a subset of INSERT UPDATE DELETE TRUNCATE';
    end if;
    select pg_catalog.string_agg(o, ' or ') into row_ops
    from pg_catalog.unnest(operations) as o where o <> 'TRUNCATE';
    execute pg_catalog.format('drop trigger if exists audit_i_u_d on %s', target);
    execute pg_catalog.format('drop trigger if exists audit_t on %s', target);
    if row_ops is not null then
        execute pg_catalog.format(
            'create trigger audit_i_u_d after %s on %s for each row'
            ' execute function audit.insert_update_delete_trigger(%s)',
            row_ops, target, pk_columns
        );
    end if;
    if 'TRUNCATE' = any(operations) then
        execute pg_catalog.format(
            'create trigger audit_t after truncate on %s for each statement'
            ' execute function audit.truncate_trigger()',
            target
        );
    end if;
end;
$$;

create or replace function realtime.send(
    payload jsonb, event text, topic text, private boolean default true
)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
    message_id uuid := pg_catalog.gen_random_uuid();
begin
    begin
        perform pg_catalog.set_config('realtime.topic', topic, true);
        insert into realtime.messages (id, payload, event, topic, private, extension)
        values (
            message_id,
            case when payload ? 'id' then payload
                else payload || pg_catalog.jsonb_build_object('id', message_id) end,
            event, topic, private, 'broadcast'
        );
    exception when others then
        raise warning 'ErrorSendingBroadcastMessage: %', sqlerrm;
    end;
end;
$$;
