-- Purpose: the read policies of campaigns' tables check the row's campaign instead of building
-- the set of every campaign the caller may read (issue 19). `campaign_id in (select
-- app_private.readable_campaign_ids())` made every read, even of one row by its key, list every
-- public campaign and every membership of the caller: with 2,000 public campaigns a read of
-- one character took ~2 ms of database time instead of ~0.1 ms, and grew with each campaign made
-- public. Now a signed-in caller's own campaigns are still one set (bounded by their
-- memberships, hashed once per statement, so lists of their campaigns' rows stay cheap) and any
-- other row's campaign is checked alone by app_private.is_readable_campaign(): public, or the
-- caller is a moderator (two index lookups). Anonymous callers are members of nothing: their
-- policies check the row's campaign alone. Who may read what is unchanged.
-- Affected: function app_private.is_readable_campaign(uuid) (new, EXECUTE for the API roles);
-- the USING expression of 15 SELECT policies on public.characters, character_items,
-- character_languages, character_conditions, character_module_items, campaign_rules,
-- campaign_content_packs, campaign_game_modules, dice_rolls and app_private.campaign_dice_seeds
-- (altered in place: same names, roles and commands).

-- DEFINER: reads campaigns and memberships without their RLS (which call this function).
create function app_private.is_readable_campaign(campaign_id uuid)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    caller uuid := auth.uid();
begin
    -- As readable_campaign_ids() for one campaign, which never holds null.
    if is_readable_campaign.campaign_id is null then
        return false;
    end if;
    return exists (
        select from public.campaigns as c
        where c.id = is_readable_campaign.campaign_id and c.visibility = 'public'
    ) or (caller is not null and exists (
        select from public.campaign_members as m
        where m.campaign_id = is_readable_campaign.campaign_id and m.user_id = caller
    )) or app_private.has_permission('campaign.moderate');
end;
$$;

comment on function app_private.is_readable_campaign(uuid) is
'Whether the current user may read the campaign''s rows: public, a member, or a moderator.';

grant execute on function app_private.is_readable_campaign(uuid) to anon, authenticated,
service_role;

-- Rows that carry their campaign.
alter policy "Anyone reads the characters of public campaigns" on public.characters
using (app_private.is_readable_campaign(campaign_id));

alter policy "Users read the characters of campaigns they can read" on public.characters
using (
    campaign_id in (select app_private.my_campaign_ids())
    or app_private.is_readable_campaign(campaign_id)
);

alter policy "Anyone reads public rolls of public campaigns" on public.dice_rolls
using (visibility = 'public' and app_private.is_readable_campaign(campaign_id));

alter policy "Anyone reads the rules of public campaigns" on public.campaign_rules
using (app_private.is_readable_campaign(campaign_id));

alter policy "Users read the rules of campaigns they can read" on public.campaign_rules
using (
    campaign_id in (select app_private.my_campaign_ids())
    or app_private.is_readable_campaign(campaign_id)
);

alter policy "Readers of a campaign can see its pinned content pack"
on public.campaign_content_packs
using (
    campaign_id in (select app_private.my_campaign_ids())
    or app_private.is_readable_campaign(campaign_id)
);

alter policy "Campaigns read the modules they enable" on public.campaign_game_modules
using (
    campaign_id in (select app_private.my_campaign_ids())
    or app_private.is_readable_campaign(campaign_id)
    or (select app_private.has_permission('module.manage'))
);

alter policy "Anyone reads revealed seeds of public campaigns" on app_private.campaign_dice_seeds
using (revealed_at is not null and app_private.is_readable_campaign(campaign_id));

alter policy "Readers of a campaign read its revealed seeds" on app_private.campaign_dice_seeds
using (
    revealed_at is not null
    and (
        campaign_id in (select app_private.my_campaign_ids())
        or app_private.is_readable_campaign(campaign_id)
    )
);

-- Rows of a character: its campaign through app_private.character_campaign_id().
alter policy "Anyone reads inventories in public campaigns" on public.character_items
using (app_private.is_readable_campaign(app_private.character_campaign_id(character_id)));

alter policy "Users read inventories in campaigns they can read" on public.character_items
using (
    app_private.character_campaign_id(character_id) in (select app_private.my_campaign_ids())
    or app_private.is_readable_campaign(app_private.character_campaign_id(character_id))
);

alter policy "Anyone reads character languages in public campaigns"
on public.character_languages
using (app_private.is_readable_campaign(app_private.character_campaign_id(character_id)));

alter policy "Users read character languages in campaigns they can read"
on public.character_languages
using (
    app_private.character_campaign_id(character_id) in (select app_private.my_campaign_ids())
    or app_private.is_readable_campaign(app_private.character_campaign_id(character_id))
);

alter policy "Campaign members read their characters' conditions" on public.character_conditions
using (
    app_private.character_campaign_id(character_id) in (select app_private.my_campaign_ids())
    or app_private.is_readable_campaign(app_private.character_campaign_id(character_id))
);

alter policy "Campaign members read their characters' module items"
on public.character_module_items
using (
    app_private.character_campaign_id(character_id) in (select app_private.my_campaign_ids())
    or app_private.is_readable_campaign(app_private.character_campaign_id(character_id))
);
