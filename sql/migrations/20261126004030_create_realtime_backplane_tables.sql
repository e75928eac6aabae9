-- Purpose: state shared by realtime nodes: oversized backplane messages (NOTIFY caps payloads
-- near 8000 bytes) and the cluster-wide presence list, keyed by the owning node's backend pid
-- so the survivors can clean up after a node that died.
-- Affected: tables realtime.bus, realtime.presences.

create unlogged table realtime.bus (
    id bigint generated always as identity primary key,
    body jsonb not null,
    created_at timestamptz not null default now()
);

comment on table realtime.bus is
'Backplane messages too large for NOTIFY; nodes are notified of the id and read the body.';

alter table realtime.bus enable row level security;

create index bus_created_at_idx on realtime.bus using brin (created_at);

create unlogged table realtime.presences (
    phx_ref text primary key,
    topic text not null,
    private boolean not null,
    presence_key text not null,
    meta jsonb not null,
    channel_id text not null unique,
    node_pid integer not null,
    created_at timestamptz not null default now()
);

comment on table realtime.presences is
'Tracked presences of all nodes: one row per tracking channel, removed on untrack, leave or death.';

alter table realtime.presences enable row level security;

create index presences_topic_idx on realtime.presences (topic, private);
create index presences_node_pid_idx on realtime.presences (node_pid);
