-- Purpose: each campaign's provably-fair server seeds: the secret behind every roll, its
-- published SHA-256 commitment, the next roll nonce, and when it was revealed.
-- Affected: table app_private.campaign_dice_seeds (grants, RLS, policies, indexes).
--
-- A campaign has at most one active (unrevealed) seed. Its secret never leaves this table
-- except through the dice service's definer functions (20261126006010); once rotated out, the
-- row is revealed and readable by everyone who can read the campaign, through the security
-- invoker view public.revealed_dice_seeds, so any roll can be recomputed (py_rules.verify_roll).
-- RLS hides active rows from every API role; service_role (BYPASSRLS) only reaches the table
-- through that view, which filters on revealed_at itself.

create table app_private.campaign_dice_seeds (
    id uuid primary key default gen_random_uuid(),
    campaign_id uuid not null references public.campaigns (id) on delete cascade,
    seed text not null default pg_catalog.encode(extensions.gen_random_bytes(32), 'hex'),
    seed_hash text generated always as (
        pg_catalog.encode(pg_catalog.sha256(pg_catalog.decode(seed, 'hex')), 'hex')
    ) stored,
    next_nonce bigint not null default 0,
    created_at timestamptz not null default now(),
    revealed_at timestamptz,
    constraint campaign_dice_seeds_seed_check check (seed ~ '^[0-9a-f]{64}$'),
    constraint campaign_dice_seeds_next_nonce_check check (next_nonce >= 0),
    constraint campaign_dice_seeds_revealed_at_check check (revealed_at >= created_at)
);

comment on table app_private.campaign_dice_seeds is
'Server seeds of provably-fair rolls: secret while active, public once revealed by rotation.';
comment on column app_private.campaign_dice_seeds.seed is
'The secret (32 random bytes as hex); HMAC key of every roll made with it.';
comment on column app_private.campaign_dice_seeds.seed_hash is
'SHA-256 (hex) of the secret bytes: the commitment published before rolling.';
comment on column app_private.campaign_dice_seeds.next_nonce is
'Nonce of the next roll; rolls made with this seed used nonces 0 .. next_nonce - 1.';
comment on column app_private.campaign_dice_seeds.created_at is 'When the seed was committed.';
comment on column app_private.campaign_dice_seeds.revealed_at is
'When the seed was rotated out and revealed; null while it is the active seed.';

grant select on table app_private.campaign_dice_seeds to anon, authenticated, service_role;

alter table app_private.campaign_dice_seeds enable row level security;

create policy "Anyone reads revealed seeds of public campaigns"
on app_private.campaign_dice_seeds for select to anon
using (
    revealed_at is not null
    and campaign_id in (select app_private.readable_campaign_ids())
);

create policy "Readers of a campaign read its revealed seeds"
on app_private.campaign_dice_seeds for select to authenticated
using (
    revealed_at is not null
    and campaign_id in (select app_private.readable_campaign_ids())
);

create unique index campaign_dice_seeds_active_idx on app_private.campaign_dice_seeds (
    campaign_id
) where revealed_at is null;
create index campaign_dice_seeds_campaign_id_revealed_at_idx
on app_private.campaign_dice_seeds (campaign_id, revealed_at);
