-- Purpose: publish revealed server seeds so players can verify rolls over the REST API.
-- Affected: view public.revealed_dice_seeds.
-- security_invoker: the caller's RLS on app_private.campaign_dice_seeds decides (readers of the
-- campaign); the where clause also keeps active seeds out for roles that bypass RLS.

create view public.revealed_dice_seeds with (security_invoker = true) as
select
    s.campaign_id,
    s.seed,
    s.seed_hash,
    s.next_nonce as nonces_used,
    s.created_at as committed_at,
    s.revealed_at
from app_private.campaign_dice_seeds as s
where s.revealed_at is not null;

comment on view public.revealed_dice_seeds is
'Revealed dice server seeds: recompute any roll whose server_seed_hash matches seed_hash.';
comment on column public.revealed_dice_seeds.campaign_id is 'The campaign the seed served.';
comment on column public.revealed_dice_seeds.seed is 'The revealed secret (hex): the HMAC key.';
comment on column public.revealed_dice_seeds.seed_hash is
'SHA-256 of the secret bytes, as committed before rolling and stored with each roll.';
comment on column public.revealed_dice_seeds.nonces_used is
'Rolls made with the seed used nonces 0 .. nonces_used - 1.';
comment on column public.revealed_dice_seeds.committed_at is 'When the seed was committed.';
comment on column public.revealed_dice_seeds.revealed_at is 'When the seed was revealed.';

grant select on public.revealed_dice_seeds to anon, authenticated, service_role;
