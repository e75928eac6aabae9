-- Purpose: a seed's nonce counter no longer tells members how many rolls they could not see
-- (issue 11, finding 7). Every roll takes the next nonce, so the counter counts gm-only and
-- private rolls too: an observer comparing it with the rolls it can read counted hidden rolls.
-- Affected: function app_private.dice_seed_commitment(uuid) (replaced: next_nonce only for game
-- masters, null for other members); view public.revealed_dice_seeds (replaced: nonces_used only
-- for the campaign's game masters, null for other readers).
-- Verifying a roll needs the revealed seed, the roll's own nonce and client seed, never the
-- counter, so players and observers lose nothing they can check; the game master, who sees
-- every roll, still reads both counts.

create or replace function app_private.dice_seed_commitment(campaign_id uuid)
returns table (seed_hash text, next_nonce bigint, committed_at timestamptz)
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    if not app_private.is_campaign_member(dice_seed_commitment.campaign_id) then
        raise sqlstate '42501' using
            message = 'only members of the campaign read its dice seed commitment',
            hint = 'not_a_member';
    end if;
    perform app_private.ensure_dice_seed(dice_seed_commitment.campaign_id);
    return query
    select
        s.seed_hash,
        case when app_private.is_campaign_gm(s.campaign_id) then s.next_nonce end,
        s.created_at
    from app_private.campaign_dice_seeds as s
    where s.campaign_id = dice_seed_commitment.campaign_id and s.revealed_at is null;
end;
$$;

comment on function app_private.dice_seed_commitment(uuid) is
'The active seed''s SHA-256 commitment, and its next nonce for game masters (null for other '
'members); members only (42501 otherwise).';

-- nonces_used keeps its place (ST06 would move it): a replaced view keeps its columns' order.
create or replace view public.revealed_dice_seeds with (security_invoker = true) as
select -- noqa: ST06
    s.campaign_id,
    s.seed,
    s.seed_hash,
    case
        when s.campaign_id in (select app_private.my_gm_campaign_ids()) then s.next_nonce
    end as nonces_used,
    s.created_at as committed_at,
    s.revealed_at
from app_private.campaign_dice_seeds as s
where s.revealed_at is not null;

comment on column public.revealed_dice_seeds.nonces_used is
'Rolls made with the seed used nonces 0 .. nonces_used - 1; shown to the campaign''s game '
'masters only (it counts rolls hidden from others), null for other readers.';
