-- Purpose: a broadcast written by a traced statement (a public dice roll, realtime.send) carries
-- the statement's traceparent on the realtime bus (`tp`), so the realtime node's delivery span
-- joins the writer's trace (issue 14).
-- Affected: function realtime.notify_message().

create or replace function realtime.notify_message()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    body text;
    traceparent text := app_private.current_traceparent();
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
    if pg_catalog.octet_length(body) > 7800 then
        body := pg_catalog.jsonb_build_object('k', 'm', 'id', new.id)::text;
    end if;
    if traceparent is not null then
        body := (body::jsonb || pg_catalog.jsonb_build_object('tp', traceparent))::text;
    end if;
    perform pg_catalog.pg_notify('realtime_bus', body);
    return null;
end;
$$;

comment on function realtime.notify_message() is
'Publishes a broadcast row to every realtime node on commit, with the writer''s traceparent '
'(tp) when traced; DEFINER: any inserting role notifies.';
