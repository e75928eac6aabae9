-- Purpose: broadcast from the database: realtime.send() and realtime.broadcast_changes(), plus
-- a row-trigger helper that publishes changes to a topic built from a column value.
-- Affected: functions realtime.send, realtime.broadcast_changes, realtime.broadcast_row_trigger.

create function realtime.send(
    payload jsonb, event text, topic text, private boolean default true
)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
    message_id uuid := gen_random_uuid();
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

comment on function realtime.send(jsonb, text, text, boolean) is
'Broadcasts payload as event on topic to subscribed sockets; the caller needs insert rights on '
'realtime.messages.';

grant execute on function realtime.send(jsonb, text, text, boolean) to authenticated, service_role;

create function realtime.broadcast_changes(
    topic_name text,
    event_name text,
    operation text,
    table_name text,
    table_schema text,
    new record,
    old record,
    level text default 'ROW'
)
returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
    row_data jsonb := pg_catalog.jsonb_build_object(
        'old_record', case when old is null then null else pg_catalog.to_jsonb(old) end,
        'record', case when new is null then null else pg_catalog.to_jsonb(new) end,
        'operation', operation,
        'table', table_name,
        'schema', table_schema
    );
begin
    if level = 'ROW' then
        perform realtime.send(row_data, event_name, topic_name, true);
    end if;
end;
$$;

comment on function realtime.broadcast_changes(
    text, text, text, text, text, record, record, text
) is
'Row-trigger helper: broadcasts {old_record, record, operation, table, schema} on a private topic.';

grant execute on function realtime.broadcast_changes(
    text, text, text, text, text, record, record, text
) to authenticated, service_role;

create function realtime.broadcast_row_trigger()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    source record := case when tg_op = 'DELETE' then old else new end;
    topic_name text := tg_argv[0] || (pg_catalog.to_jsonb(source) ->> tg_argv[1]);
begin
    perform realtime.broadcast_changes(
        topic_name, pg_catalog.lower(tg_op), tg_op, tg_table_name, tg_table_schema,
        case when tg_op = 'DELETE' then null else new end,
        case when tg_op = 'INSERT' then null else old end
    );
    return null;
end;
$$;

comment on function realtime.broadcast_row_trigger() is
'After-row trigger: args (topic prefix, column) publish to prefix||column value; DEFINER because '
'the writer '
'need not hold broadcast rights on the topic.';
