-- Purpose: remember the last applied CMS event per entry so replays and late deliveries are no-ops.
-- Affected: table app_private.cms_entries.

create table app_private.cms_entries (
    model text not null check (model in ('lexeme', 'deck', 'lesson')),
    document_id text not null check (length(document_id) between 1 and 100),
    locale text not null references public.locales (code),
    version_at timestamptz not null,
    payload_hash text not null,
    deleted boolean not null default false,
    applied_at timestamptz not null default now(),
    primary key (model, document_id, locale)
);

comment on table app_private.cms_entries is
'Ingestion bookkeeping: the ordering timestamp and payload hash last applied per CMS entry.';

grant usage on schema app_private to service_role;
grant select, insert, update, delete on app_private.cms_entries to service_role;
