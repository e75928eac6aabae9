-- Purpose: realtime.messages, whose RLS policies authorize private channels (select = may join
-- and receive, insert = may broadcast) and whose broadcast rows fan out to subscribed sockets.
-- Affected: table realtime.messages; function realtime.notify_message(); trigger on it.

create table realtime.messages (
    id uuid primary key default gen_random_uuid(),
    topic text not null,
    extension text not null check (extension in ('broadcast', 'presence')),
    payload jsonb,
    event text,
    private boolean not null default true,
    inserted_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

comment on table realtime.messages is
'Broadcasts sent from the database, and the rows RLS policies see when private channels join.';

grant select, insert on realtime.messages to anon, authenticated;
grant select, insert, update, delete on realtime.messages to service_role;

alter table realtime.messages enable row level security;

create index messages_topic_idx on realtime.messages (topic);
create index messages_inserted_at_idx on realtime.messages using brin (inserted_at);

create function realtime.notify_message()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    body text;
begin
    body := pg_catalog.jsonb_build_object(
        'k', 'b',
        't', new.topic,
        'p', new.private,
        'e', new.event,
        'pl', pg_catalog.jsonb_build_object(
            'type', 'broadcast',
            'event', new.event,
            'payload', new.payload,
            'meta', pg_catalog.jsonb_build_object('id', new.id)
        )
    )::text;
    -- NOTIFY payloads are capped near 8000 bytes: larger messages are fetched by id.
    if pg_catalog.octet_length(body) > 7900 then
        body := pg_catalog.jsonb_build_object('k', 'm', 'id', new.id)::text;
    end if;
    perform pg_catalog.pg_notify('realtime_bus', body);
    return null;
end;
$$;

comment on function realtime.notify_message() is
'Publishes a broadcast row to every realtime node on commit; DEFINER: any inserting role notifies.';

create trigger messages_notify_broadcast
after insert on realtime.messages
for each row
when (new.extension = 'broadcast' and new.event is not null)
execute function realtime.notify_message();
