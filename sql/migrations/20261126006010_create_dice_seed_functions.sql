-- Purpose: the dice service's access to campaign seeds: read the commitment, draw a nonce
-- atomically, rotate (reveal the previous seed and commit a new one).
-- Affected: functions app_private.ensure_dice_seed(uuid), app_private.dice_seed_commitment(uuid),
-- app_private.allocate_dice_nonce(uuid), app_private.rotate_dice_seed(uuid).
--
-- All run as the caller's request role (authenticated, with the caller's claims) and check the
-- caller's campaign role themselves: any member reads the commitment, players and gms draw nonces
-- (only in a transaction marked by the dice service, since the secret is returned), gms rotate.
-- A non-member and an unknown campaign get the same 42501, so existence never leaks.
-- Concurrency: a nonce is taken by `update ... returning` on the active row, whose row lock
-- serialises rolls and rotation per campaign until commit; a roll whose row was rotated away
-- while it waited retries on the new active seed.

-- Not DEFINER and not granted: runs only inside the definer functions below.
create function app_private.ensure_dice_seed(campaign_id uuid)
returns void
language sql
volatile
set search_path = ''
as $$
    insert into app_private.campaign_dice_seeds (campaign_id)
    values (ensure_dice_seed.campaign_id)
    on conflict (campaign_id) where revealed_at is null do nothing
$$;

comment on function app_private.ensure_dice_seed(uuid) is
'Commit a fresh seed for the campaign unless it already has an active one.';

-- DEFINER: reads (and lazily creates) the seed row, which API roles cannot reach.
create function app_private.dice_seed_commitment(campaign_id uuid)
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
    select s.seed_hash, s.next_nonce, s.created_at
    from app_private.campaign_dice_seeds as s
    where s.campaign_id = dice_seed_commitment.campaign_id and s.revealed_at is null;
end;
$$;

comment on function app_private.dice_seed_commitment(uuid) is
'The active seed''s SHA-256 commitment and next nonce (members only; 42501 otherwise).';

grant execute on function app_private.dice_seed_commitment(uuid) to authenticated;

-- DEFINER: returns the secret seed and advances its nonce; API roles cannot reach the row.
create function app_private.allocate_dice_nonce(campaign_id uuid)
returns table (seed text, seed_hash text, nonce bigint)
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    if not app_private.is_dice_service() then
        raise sqlstate '42501' using message = 'only the dice service draws from a dice seed';
    end if;
    if app_private.campaign_role(allocate_dice_nonce.campaign_id) is distinct from 'gm'
        and app_private.campaign_role(allocate_dice_nonce.campaign_id) is distinct from 'player'
    then
        raise sqlstate '42501' using
            message = 'only players and game masters of the campaign roll dice in it',
            hint = 'not_a_player';
    end if;
    for attempt in 1..3 loop
        perform app_private.ensure_dice_seed(allocate_dice_nonce.campaign_id);
        return query
        update app_private.campaign_dice_seeds as s
        set next_nonce = s.next_nonce + 1
        where s.campaign_id = allocate_dice_nonce.campaign_id and s.revealed_at is null
        returning s.seed, s.seed_hash, s.next_nonce - 1;
        if found then
            return;
        end if;
    end loop;
    raise sqlstate '40001' using message = 'the dice seed was rotated repeatedly; roll again';
end;
$$;

comment on function app_private.allocate_dice_nonce(uuid) is
'Dice service only: the active seed, its hash and a fresh nonce (players and gms).';

grant execute on function app_private.allocate_dice_nonce(uuid) to authenticated;

-- DEFINER: reveals and replaces the seed row, which API roles cannot write.
create function app_private.rotate_dice_seed(campaign_id uuid)
returns table (
    seed text,
    seed_hash text,
    nonces_used bigint,
    committed_at timestamptz,
    revealed_at timestamptz,
    next_seed_hash text
)
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    previous app_private.campaign_dice_seeds;
begin
    if not app_private.is_campaign_gm(rotate_dice_seed.campaign_id) then
        raise sqlstate '42501' using
            message = 'only game masters of the campaign rotate its dice seed',
            hint = 'not_a_game_master';
    end if;
    for attempt in 1..3 loop
        perform app_private.ensure_dice_seed(rotate_dice_seed.campaign_id);
        update app_private.campaign_dice_seeds as s
        set revealed_at = greatest(s.created_at, pg_catalog.clock_timestamp())
        where s.campaign_id = rotate_dice_seed.campaign_id and s.revealed_at is null
        returning s.* into previous;
        exit when found;
    end loop;
    if previous.id is null then
        raise sqlstate '40001' using message = 'the dice seed was rotated concurrently; retry';
    end if;
    perform app_private.ensure_dice_seed(rotate_dice_seed.campaign_id);
    return query
    select
        previous.seed, previous.seed_hash, previous.next_nonce, previous.created_at,
        previous.revealed_at, s.seed_hash
    from app_private.campaign_dice_seeds as s
    where s.campaign_id = rotate_dice_seed.campaign_id and s.revealed_at is null;
end;
$$;

comment on function app_private.rotate_dice_seed(uuid) is
'Game masters only: reveal the active seed (returned) and commit a fresh one.';

grant execute on function app_private.rotate_dice_seed(uuid) to authenticated;
