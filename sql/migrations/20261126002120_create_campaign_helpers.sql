-- Purpose: the membership helpers policies use instead of querying campaign_members themselves
-- (a policy on campaign_members that read campaign_members would recurse).
-- Affected: functions app_private.my_campaign_ids(), app_private.my_gm_campaign_ids(),
-- app_private.readable_campaign_ids(), app_private.campaign_role(uuid),
-- app_private.is_campaign_member(uuid), app_private.is_campaign_gm(uuid),
-- app_private.is_campaign_archived(uuid).
-- All are STABLE SECURITY DEFINER with an empty search_path; policies call the set-returning ones
-- as `col in (select app_private.my_campaign_ids())` so they run once per statement.

-- DEFINER: reads campaign_members without its RLS (which calls this function).
create function app_private.my_campaign_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
    select m.campaign_id from public.campaign_members as m where m.user_id = auth.uid()
$$;

comment on function app_private.my_campaign_ids() is
'Ids of the campaigns the current user belongs to (any role).';

grant execute on function app_private.my_campaign_ids() to anon, authenticated, service_role;

-- DEFINER: reads campaign_members without its RLS (which calls this function).
create function app_private.my_gm_campaign_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
    select m.campaign_id from public.campaign_members as m
    where m.user_id = auth.uid() and m.role = 'gm'
$$;

comment on function app_private.my_gm_campaign_ids() is
'Ids of the campaigns the current user runs as gm.';

grant execute on function app_private.my_gm_campaign_ids() to anon, authenticated, service_role;

-- DEFINER: reads campaigns and memberships without their RLS (which call this function).
create function app_private.readable_campaign_ids()
returns setof uuid
language sql
stable
security definer
set search_path = ''
as $$
    select c.id from public.campaigns as c
    where
        c.visibility = 'public'
        or app_private.has_permission('campaign.moderate')
        or c.id in (select app_private.my_campaign_ids())
$$;

comment on function app_private.readable_campaign_ids() is
'Ids of the campaigns the current user may read: public ones, own ones, all for moderators.';

grant execute on function app_private.readable_campaign_ids() to anon, authenticated, service_role;

-- DEFINER: reads campaign_members without its RLS.
create function app_private.campaign_role(campaign_id uuid)
returns text
language sql
stable
security definer
set search_path = ''
as $$
    select m.role from public.campaign_members as m
    where m.campaign_id = campaign_role.campaign_id and m.user_id = auth.uid()
$$;

comment on function app_private.campaign_role(uuid) is
'The current user''s role in a campaign: gm, player, observer, or null when not a member.';

grant execute on function app_private.campaign_role(uuid) to anon, authenticated, service_role;

-- DEFINER: reads campaign_members without its RLS.
create function app_private.is_campaign_member(campaign_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
    select app_private.campaign_role(is_campaign_member.campaign_id) is not null
$$;

comment on function app_private.is_campaign_member(uuid) is
'Whether the current user belongs to the campaign.';

grant execute on function app_private.is_campaign_member(uuid) to anon, authenticated, service_role;

-- DEFINER: reads campaign_members without its RLS.
create function app_private.is_campaign_gm(campaign_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
    select coalesce(app_private.campaign_role(is_campaign_gm.campaign_id) = 'gm', false)
$$;

comment on function app_private.is_campaign_gm(uuid) is
'Whether the current user is a gm of the campaign.';

grant execute on function app_private.is_campaign_gm(uuid) to anon, authenticated, service_role;

-- DEFINER: the caller may not be allowed to read the campaign row itself.
create function app_private.is_campaign_archived(campaign_id uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
    select coalesce(
        (
            select c.status = 'archived' from public.campaigns as c
            where c.id = is_campaign_archived.campaign_id
        ),
        false
    )
$$;

comment on function app_private.is_campaign_archived(uuid) is
'Whether the campaign is archived (and therefore read-only).';

grant execute on function app_private.is_campaign_archived(uuid) to anon, authenticated,
service_role;
