-- Purpose: campaign membership and each member's role in it (gm, player, observer).
-- Affected: table public.campaign_members (grants, RLS enabled; policies in
-- 20261126002130_create_campaign_policies.sql); triggers making a campaign's owner its gm and
-- keeping that membership in place.

create table public.campaign_members (
    campaign_id uuid not null references public.campaigns (id) on delete cascade,
    user_id uuid not null references auth.users (id) on delete cascade,
    role text not null default 'player',
    joined_at timestamptz not null default now(),
    primary key (campaign_id, user_id),
    constraint campaign_members_role_check check (role in ('gm', 'player', 'observer'))
);

comment on table public.campaign_members is
'Who belongs to a campaign and as what: gm (runs it), player, observer (reads only).';
comment on column public.campaign_members.campaign_id is 'The campaign.';
comment on column public.campaign_members.user_id is 'The member.';
comment on column public.campaign_members.role is 'gm, player or observer.';
comment on column public.campaign_members.joined_at is 'When the member joined.';

grant select, insert, delete on table public.campaign_members to authenticated;
grant update (role) on table public.campaign_members to authenticated;
grant all on table public.campaign_members to service_role;

alter table public.campaign_members enable row level security;

create index campaign_members_user_id_idx on public.campaign_members (user_id, campaign_id);

-- DEFINER: the owner is not a member yet, so the insert policy of campaign_members would refuse.
create function app_private.add_campaign_owner_as_gm()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    insert into public.campaign_members (campaign_id, user_id, role)
    values (new.id, new.owner_id, 'gm');
    return null;
end;
$$;

comment on function app_private.add_campaign_owner_as_gm() is
'Trigger: a new campaign''s owner becomes its gm member.';

create trigger campaigns_add_owner_as_gm
after insert on public.campaigns
for each row execute function app_private.add_campaign_owner_as_gm();

create function app_private.protect_campaign_owner_membership()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    -- Deeper than 1 means a cascade (the campaign or the user is being deleted): let it through.
    if pg_catalog.pg_trigger_depth() = 1 and exists (
        select from public.campaigns as c
        where c.id = old.campaign_id and c.owner_id = old.user_id
    ) and (tg_op = 'DELETE' or new.role <> 'gm') then
        raise sqlstate '42501' using message = 'the campaign owner stays its gm';
    end if;
    return coalesce(new, old);
end;
$$;

comment on function app_private.protect_campaign_owner_membership() is
'Trigger: the owner''s gm membership cannot be removed or demoted (only the campaign''s deletion).';

create trigger campaign_members_protect_owner
before update or delete on public.campaign_members
for each row execute function app_private.protect_campaign_owner_membership();
