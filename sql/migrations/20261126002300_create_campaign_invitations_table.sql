-- Purpose: invitation codes a campaign's gm hands out; only their SHA-256 hash is stored.
-- Affected: table public.campaign_invitations (grants, RLS, policies, indexes).
-- Codes are created by public.create_campaign_invitation() and redeemed by
-- public.join_campaign() (20261126002310_create_invitation_functions.sql).

create table public.campaign_invitations (
    id uuid primary key default gen_random_uuid(),
    campaign_id uuid not null references public.campaigns (id) on delete cascade,
    created_by uuid not null default auth.uid() references auth.users (id) on delete cascade,
    code_hash text not null unique,
    role text not null default 'player',
    max_uses integer not null default 1,
    uses integer not null default 0,
    expires_at timestamptz not null,
    revoked_at timestamptz,
    created_at timestamptz not null default now(),
    constraint campaign_invitations_code_hash_check check (code_hash ~ '^[0-9a-f]{64}$'),
    constraint campaign_invitations_role_check check (role in ('player', 'observer')),
    constraint campaign_invitations_max_uses_check check (max_uses between 1 and 1000),
    constraint campaign_invitations_uses_check check (uses between 0 and max_uses),
    constraint campaign_invitations_expires_at_check check (expires_at > created_at)
);

comment on table public.campaign_invitations is
'Invitations to a campaign. The plain code is shown once to the gm; only its hash is kept.';
comment on column public.campaign_invitations.id is 'Invitation id.';
comment on column public.campaign_invitations.campaign_id is 'The campaign the code joins.';
comment on column public.campaign_invitations.created_by is 'The gm who created it.';
comment on column public.campaign_invitations.code_hash is 'SHA-256 (hex) of the plain code.';
comment on column public.campaign_invitations.role is 'Role given on joining: player or observer.';
comment on column public.campaign_invitations.max_uses is 'How many joins the code allows.';
comment on column public.campaign_invitations.uses is 'How many joins used it so far.';
comment on column public.campaign_invitations.expires_at is 'After this time the code is refused.';
comment on column public.campaign_invitations.revoked_at is 'Set by the gm to cancel the code.';
comment on column public.campaign_invitations.created_at is 'Creation time.';

grant select, delete on table public.campaign_invitations to authenticated;
grant insert (campaign_id, code_hash, role, max_uses, expires_at)
on table public.campaign_invitations to authenticated;
grant update (revoked_at) on table public.campaign_invitations to authenticated;
grant all on table public.campaign_invitations to service_role;

alter table public.campaign_invitations enable row level security;

create policy "Game masters see their campaigns' invitations"
on public.campaign_invitations for select to authenticated
using (campaign_id in (select app_private.my_gm_campaign_ids()));

create policy "Game masters invite to live campaigns"
on public.campaign_invitations for insert to authenticated
with check (
    created_by = (select auth.uid())
    and campaign_id in (select app_private.my_gm_campaign_ids())
    and not app_private.is_campaign_archived(campaign_id)
);

create policy "Game masters revoke their campaigns' invitations"
on public.campaign_invitations for update to authenticated
using (campaign_id in (select app_private.my_gm_campaign_ids()))
with check (campaign_id in (select app_private.my_gm_campaign_ids()));

create policy "Game masters delete their campaigns' invitations"
on public.campaign_invitations for delete to authenticated
using (campaign_id in (select app_private.my_gm_campaign_ids()));

create index campaign_invitations_campaign_id_idx on public.campaign_invitations (campaign_id);
create index campaign_invitations_created_by_idx on public.campaign_invitations (created_by);
