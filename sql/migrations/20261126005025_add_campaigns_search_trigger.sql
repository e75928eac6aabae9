-- Purpose: public campaigns are searchable; their changes go through the search outbox too.
-- Affected: trigger campaigns_enqueue_search on public.campaigns.

create trigger campaigns_enqueue_search
after insert or update or delete on public.campaigns
for each row execute function app_private.enqueue_search_change('campaign', 'id');
