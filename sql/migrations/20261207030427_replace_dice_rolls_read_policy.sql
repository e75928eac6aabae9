-- Purpose: decide whether an authenticated caller reads a dice roll with one helper call per row
-- (issue 19). Realtime checks RLS once per subscriber and changed roll (ADR 0005), always a single
-- row; the policy materialized every campaign the caller may read (readable_campaign_ids: a
-- union over public campaigns and memberships, plus the moderator check), then for private rolls
-- the caller's game-master campaigns: ~40 us per subscriber of PL/pgSQL calls and set building.
-- app_private.can_read_roll looks up the caller's one membership of the roll's campaign by key
-- and answers from it; only a non-member needs the campaign's visibility or the moderator
-- permission. Same answer as before for every caller:
--   readable campaign (public, member, or campaign.moderate) and
--   (public roll, or the caller rolled it, or the caller is the campaign's game master).
-- The trade: 1,000 subscribers' checks of one roll 58 -> 30 ms of database time; a list of rolls
-- pays one call per row instead of one set per statement, 20 rolls as a member 223 -> 316 us
-- (~5 us a row; feeds are paged). Measured in one scratch database, docs/performance.md.
-- The anon policy is unchanged.
-- Affected: function app_private.can_read_roll(uuid, text, uuid) (new); policy "Readers see
-- public rolls, rollers and game masters see the rest" on public.dice_rolls (using replaced).

-- DEFINER: reads campaign_members, campaigns and the RBAC tables without their RLS.
create function app_private.can_read_roll(
    roll_campaign_id uuid, roll_visibility text, roll_roller_id uuid
)
returns boolean
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
    caller uuid := auth.uid();
    member_role text;
begin
    select m.role into member_role
    from public.campaign_members as m
    where m.campaign_id = roll_campaign_id and m.user_id = caller;
    if found then
        return roll_visibility = 'public' or roll_roller_id = caller or member_role = 'gm';
    end if;
    -- Not a member, so not its game master: a public campaign's (or a moderator's) reader.
    return coalesce(roll_visibility = 'public' or roll_roller_id = caller, false) and (
        exists (
            select from public.campaigns as c
            where c.id = roll_campaign_id and c.visibility = 'public'
        )
        or app_private.has_permission('campaign.moderate')
    );
end;
$$;

comment on function app_private.can_read_roll(uuid, text, uuid) is
'Whether the caller may read a dice roll of this campaign, visibility and roller: a readable
campaign (public, member, campaign.moderate) and a public roll, their own, or their campaign as
game master. One membership lookup by key; the dice_rolls read policy for authenticated.';

revoke execute on function app_private.can_read_roll(uuid, text, uuid) from public;
grant execute on function app_private.can_read_roll(uuid, text, uuid)
to authenticated, service_role;

alter policy "Readers see public rolls, rollers and game masters see the rest"
on public.dice_rolls
using (app_private.can_read_roll(campaign_id, visibility, roller_id));
