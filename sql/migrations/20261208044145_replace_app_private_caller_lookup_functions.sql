-- Purpose: the RLS helpers read the caller's id once per call instead of once per row they scan
-- (issue 19). auth.uid() is an inlined SQL function, so `m.user_id = auth.uid()` in a helper's
-- query is an expression, not a parameter: where the planner scans campaign_members (or
-- user_roles) sequentially, as it does while they are small, it parses the claims JSON again for
-- every row. readable_campaign_ids(), behind every read of characters and of nine other tables,
-- took ~310 us per call for a player of 40 campaigns (80 membership rows); with the id in a
-- variable ~90 us, and a read of one character by its key ~340 -> ~110 us (psql, 2,000 calls,
-- docs/performance.md). Same signatures, results, volatility, privileges and search path.
-- Affected: functions app_private.has_permission(text), app_private.my_campaign_ids(),
-- app_private.my_gm_campaign_ids(), app_private.readable_campaign_ids(),
-- app_private.campaign_role(uuid), app_private.owns_character(uuid) (replaced).

-- DEFINER: API roles cannot read the RBAC tables, yet every policy asks for the caller's rights.
create or replace function app_private.has_permission(permission text)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    caller uuid := auth.uid();
begin
    return auth.role() = 'service_role' or exists (
        select
        from app_private.user_roles as ur
        inner join app_private.role_permissions as rp on ur.role = rp.role
        where ur.user_id = caller and rp.permission = has_permission.permission
    );
end;
$$;

-- DEFINER: reads campaign_members without its RLS (which calls this function).
create or replace function app_private.my_campaign_ids()
returns setof uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    caller uuid := auth.uid();
begin
    return query
    select m.campaign_id from public.campaign_members as m where m.user_id = caller;
end;
$$;

-- DEFINER: reads campaign_members without its RLS (which calls this function).
create or replace function app_private.my_gm_campaign_ids()
returns setof uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    caller uuid := auth.uid();
begin
    return query
    select m.campaign_id from public.campaign_members as m
    where m.user_id = caller and m.role = 'gm';
end;
$$;

-- DEFINER: reads campaigns and memberships without their RLS (which call this function).
create or replace function app_private.readable_campaign_ids()
returns setof uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    caller uuid := auth.uid();
begin
    if app_private.has_permission('campaign.moderate') then
        return query select c.id from public.campaigns as c;
    else
        return query
        select c.id from public.campaigns as c where c.visibility = 'public'
        union
        select m.campaign_id from public.campaign_members as m where m.user_id = caller;
    end if;
end;
$$;

-- DEFINER: reads campaign_members without its RLS.
create or replace function app_private.campaign_role(campaign_id uuid)
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    caller uuid := auth.uid();
begin
    return (
        select m.role from public.campaign_members as m
        where m.campaign_id = campaign_role.campaign_id and m.user_id = caller
    );
end;
$$;

-- DEFINER: the owner test must not depend on the caller's view of characters.
create or replace function app_private.owns_character(character_id uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    caller uuid := auth.uid();
begin
    return exists (
        select from public.characters as c
        where c.id = owns_character.character_id and c.owner_id = caller
    );
end;
$$;
