-- Purpose: row-level security of campaigns and campaign_members.
-- Affected: policies on public.campaigns and public.campaign_members.
-- Campaigns: public ones are readable by everyone; members read theirs; moderators read all
-- (the owner test lets `insert ... returning` see the row before the gm membership exists).
-- Only a gm changes a campaign, never an archived one (moderators may, e.g. to unarchive it);
-- only the owner or a moderator deletes it. Members: a campaign's members see each other; its gm
-- adds, re-roles and removes members; any member may leave; nothing changes once archived.

create policy "Anyone can read public campaigns"
on public.campaigns for select to anon
using (visibility = 'public');

create policy "Users read public, own and (as moderators) all campaigns"
on public.campaigns for select to authenticated
using (
    visibility = 'public'
    or owner_id = (select auth.uid())
    or id in (select app_private.my_campaign_ids())
    or (select app_private.has_permission('campaign.moderate'))
);

create policy "Users create campaigns they own"
on public.campaigns for insert to authenticated
with check (owner_id = (select auth.uid()));

create policy "Game masters edit live campaigns and moderators edit any"
on public.campaigns for update to authenticated
using (
    (id in (select app_private.my_gm_campaign_ids()) and status <> 'archived')
    or (select app_private.has_permission('campaign.moderate'))
)
with check (
    id in (select app_private.my_gm_campaign_ids())
    or (select app_private.has_permission('campaign.moderate'))
);

create policy "Owners and moderators delete campaigns"
on public.campaigns for delete to authenticated
using (
    owner_id = (select auth.uid())
    or (select app_private.has_permission('campaign.moderate'))
);

create policy "Members see their fellow members and moderators see all"
on public.campaign_members for select to authenticated
using (
    campaign_id in (select app_private.my_campaign_ids())
    or (select app_private.has_permission('campaign.moderate'))
);

create policy "Game masters add members to live campaigns"
on public.campaign_members for insert to authenticated
with check (
    campaign_id in (select app_private.my_gm_campaign_ids())
    and not app_private.is_campaign_archived(campaign_id)
);

create policy "Game masters change member roles in live campaigns"
on public.campaign_members for update to authenticated
using (
    campaign_id in (select app_private.my_gm_campaign_ids())
    and not app_private.is_campaign_archived(campaign_id)
)
with check (campaign_id in (select app_private.my_gm_campaign_ids()));

create policy "Game masters remove members and members leave live campaigns"
on public.campaign_members for delete to authenticated
using (
    (
        user_id = (select auth.uid())
        or campaign_id in (select app_private.my_gm_campaign_ids())
    )
    and not app_private.is_campaign_archived(campaign_id)
);
