-- Purpose: the module sources of a character's check in one set-based call (issue 21: module
-- modifiers must add < 1 ms to a roll): its equipped, active module items and its active
-- conditions, each with the version the campaign pins, for modules the campaign enables.
-- Affected: function app_private.check_module_sources(uuid).
-- The dice service read these through the RLS of four tables, whose per-row policy subplans
-- (readable campaigns per item, per pin, per version) cost more than the roll itself with 50
-- items; this function checks once that the caller may read the character's campaign (the
-- same rule as those policies) and then joins without RLS. The templates' modifiers are cached
-- by the service per installed version (installed_at), so only keys travel.

-- DEFINER: one right check instead of per-row policies over four tables.
create function app_private.check_module_sources(character_id uuid)
returns table (
    module_id text, version text, installed_at timestamptz, items text[], condition_ids uuid[],
    conditions text[]
)
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    campaign uuid := app_private.character_campaign_id(check_module_sources.character_id);
begin
    -- As readable_campaign_ids(), for one campaign: a member, a public campaign, or a moderator.
    if campaign is null or not (
        app_private.campaign_role(campaign) is not null
        or exists (
            select from public.campaigns as c where c.id = campaign and c.visibility = 'public'
        )
        or app_private.has_permission('campaign.moderate')
    ) then
        return;
    end if;
    -- One row per enabled module the character has something of (a handful, so the service
    -- decodes a few rows), its pin matched first: joining each item to the pins' and versions'
    -- indexes cost several buffer reads per item.
    return query
    with pins as materialized (
        select cm.module_id, cm.version, v.installed_at
        from public.campaign_game_modules as cm
        inner join public.game_module_versions as v
            on v.module_id = cm.module_id and v.version = cm.version
        where cm.campaign_id = campaign and cm.enabled
    ),

    held as (
        select i.module_id, pg_catalog.array_agg(i.item_key order by i.item_key) as keys
        from public.character_module_items as i
        where i.character_id = check_module_sources.character_id and i.equipped and i.active
        group by i.module_id
    ),

    applied as (
        select
            co.module_id,
            pg_catalog.array_agg(co.id order by co.condition) as ids,
            pg_catalog.array_agg(co.condition order by co.condition) as names
        from public.character_conditions as co
        where co.character_id = check_module_sources.character_id
        group by co.module_id
    )

    select p.module_id, p.version, p.installed_at, h.keys, a.ids, a.names
    from pins as p
    left join held as h on h.module_id = p.module_id
    left join applied as a on a.module_id = p.module_id
    where h.keys is not null or a.ids is not null
    order by p.module_id;
end;
$$;

comment on function app_private.check_module_sources(uuid) is
'Per module its campaign enables (at the pinned version): a character''s equipped items and '
'active conditions (nothing when the caller cannot read the campaign).';

grant execute on function app_private.check_module_sources(uuid) to authenticated, service_role;
