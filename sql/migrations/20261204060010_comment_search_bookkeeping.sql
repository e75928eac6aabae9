-- Purpose: describe the private bookkeeping of CMS ingestion and search indexing column by column,
-- and say what the two outbox trigger functions do (their comments only said why they are
-- definers).
-- Affected: column comments of app_private.cms_entries and app_private.search_outbox; comments
-- of functions app_private.enqueue_search_change() and app_private.enqueue_deck_lessons().

comment on column app_private.cms_entries.model is 'The CMS model: lexeme, deck or lesson.';
comment on column app_private.cms_entries.document_id is 'The CMS entry''s document id.';
comment on column app_private.cms_entries.locale is 'The CMS locale of the entry.';
comment on column app_private.cms_entries.version_at is
'Ordering time of the last applied event; older events are ignored.';
comment on column app_private.cms_entries.payload_hash is
'SHA-256 (hex) of the last applied event and entry; an equal replay is a no-op.';
comment on column app_private.cms_entries.deleted is
'Whether the last applied event removed the entry.';
comment on column app_private.cms_entries.applied_at is 'When the last event was applied.';

comment on column app_private.search_outbox.id is 'Outbox entry id, in enqueue order.';
comment on column app_private.search_outbox.kind is 'lexeme, deck, lesson or campaign.';
comment on column app_private.search_outbox.entity_id is
'The entity whose search documents must be rebuilt from its current state.';
comment on column app_private.search_outbox.enqueued_at is 'When the change was enqueued.';

comment on function app_private.enqueue_search_change() is
'Trigger (arguments: search kind, id column): enqueue the old and new entity of a changed row '
'for the search indexer and wake it. Definer: editors may not write the outbox.';
comment on function app_private.enqueue_deck_lessons() is
'Trigger: a deck''s visibility or audience changed, so enqueue its lessons for the indexer. '
'Definer: editors may not write the outbox.';
