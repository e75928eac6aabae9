-- Purpose: track the sensitive tables in the audit log.
-- Affected: audit triggers on auth.users, app_private.user_roles, public.profiles,
-- public.campaigns, public.campaign_members, public.campaign_invitations, public.characters,
-- public.items, public.character_items (all operations) and public.dice_rolls (deletes only:
-- rolls are append-only and already a log; their cascaded deletes are recorded).

select audit.enable_tracking('auth.users'::regclass);
select audit.enable_tracking('app_private.user_roles'::regclass);
select audit.enable_tracking('public.profiles'::regclass);
select audit.enable_tracking('public.campaigns'::regclass);
select audit.enable_tracking('public.campaign_members'::regclass);
select audit.enable_tracking('public.campaign_invitations'::regclass);
select audit.enable_tracking('public.characters'::regclass);
select audit.enable_tracking('public.items'::regclass);
select audit.enable_tracking('public.character_items'::regclass);
select audit.enable_tracking('public.dice_rolls'::regclass, '{DELETE,TRUNCATE}');
