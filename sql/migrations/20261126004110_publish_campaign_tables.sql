-- Purpose: dice rolls and campaign memberships publish postgres_changes; their full old rows are
-- logged so deletions can be filtered by campaign and checked against RLS.
-- Affected: publication supabase_realtime; replica identity of public.dice_rolls and
-- public.campaign_members.

alter table public.dice_rolls replica identity full;
alter table public.campaign_members replica identity full;

alter publication supabase_realtime add table public.dice_rolls, public.campaign_members;
