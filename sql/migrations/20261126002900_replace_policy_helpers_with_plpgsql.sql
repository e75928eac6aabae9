-- Purpose: make the RLS helpers cheap per request by writing them in PL/pgSQL.
-- Affected: functions app_private.has_permission(text), app_private.my_campaign_ids(),
-- app_private.my_gm_campaign_ids(), app_private.readable_campaign_ids(),
-- app_private.campaign_role(uuid), app_private.is_campaign_archived(uuid),
-- app_private.character_campaign_id(uuid), app_private.owns_character(uuid) (replaced; same
-- signatures, results and privileges).
-- A SQL-language function that cannot be inlined (SECURITY DEFINER, SET search_path) is planned
-- again at every call site of every query; PL/pgSQL keeps its plans for the session, which
-- bench/bench_rls.py measured as several times cheaper. readable_campaign_ids also checks the
-- moderator permission once instead of once per campaign row.

-- DEFINER: API roles cannot read the RBAC tables, yet every policy asks for the caller's rights.
create or replace function app_private.has_permission(permission text)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
    return auth.role() = 'service_role' or exists (
        select
        from app_private.user_roles as ur
        inner join app_private.role_permissions as rp on ur.role = rp.role
        where ur.user_id = auth.uid() and rp.permission = has_permission.permission
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
begin
    return query
    select m.campaign_id from public.campaign_members as m where m.user_id = auth.uid();
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
begin
    return query
    select m.campaign_id from public.campaign_members as m
    where m.user_id = auth.uid() and m.role = 'gm';
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
begin
    if app_private.has_permission('campaign.moderate') then
        return query select c.id from public.campaigns as c;
    else
        return query
        select c.id from public.campaigns as c where c.visibility = 'public'
        union
        select m.campaign_id from public.campaign_members as m where m.user_id = auth.uid();
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
begin
    return (
        select m.role from public.campaign_members as m
        where m.campaign_id = campaign_role.campaign_id and m.user_id = auth.uid()
    );
end;
$$;

-- DEFINER: the caller may not be allowed to read the campaign row itself.
create or replace function app_private.is_campaign_archived(campaign_id uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
    return coalesce(
        (
            select c.status = 'archived' from public.campaigns as c
            where c.id = is_campaign_archived.campaign_id
        ),
        false
    );
end;
$$;

-- DEFINER: policies of character_items must find the character's campaign whatever its RLS says.
create or replace function app_private.character_campaign_id(character_id uuid)
returns uuid
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
    return (
        select c.campaign_id from public.characters as c
        where c.id = character_campaign_id.character_id
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
begin
    return exists (
        select from public.characters as c
        where c.id = owns_character.character_id and c.owner_id = auth.uid()
    );
end;
$$;
