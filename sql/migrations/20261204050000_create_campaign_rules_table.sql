-- Purpose: per-campaign check rules written by the game master: the DC of each CEFR level.
-- Affected: table public.campaign_rules (grants, RLS, policies, trigger, audit tracking).
-- A null DC (or no row at all) means the rules engine's default (py_rules CEFR_DC: A1 8, A2 10,
-- B1 12, B2 14, C1 17, C2 20). The dice service reads this table as the roller, so a check's DC
-- never comes from the client; the roll's breakdown names which source gave it.

create table public.campaign_rules (
    campaign_id uuid primary key references public.campaigns (id) on delete cascade,
    dc_a1 smallint,
    dc_a2 smallint,
    dc_b1 smallint,
    dc_b2 smallint,
    dc_c1 smallint,
    dc_c2 smallint,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint campaign_rules_dc_check check (
        dc_a1 between 1 and 100 and dc_a2 between 1 and 100 and dc_b1 between 1 and 100
        and dc_b2 between 1 and 100 and dc_c1 between 1 and 100 and dc_c2 between 1 and 100
    )
);

comment on table public.campaign_rules is
'The gm''s rules of a campaign: DC per CEFR level for checks (null: the engine''s default).';
comment on column public.campaign_rules.campaign_id is 'The campaign these rules govern.';
comment on column public.campaign_rules.dc_a1 is 'DC of A1 checks (1-100; null: 8).';
comment on column public.campaign_rules.dc_a2 is 'DC of A2 checks (1-100; null: 10).';
comment on column public.campaign_rules.dc_b1 is 'DC of B1 checks (1-100; null: 12).';
comment on column public.campaign_rules.dc_b2 is 'DC of B2 checks (1-100; null: 14).';
comment on column public.campaign_rules.dc_c1 is 'DC of C1 checks (1-100; null: 17).';
comment on column public.campaign_rules.dc_c2 is 'DC of C2 checks (1-100; null: 20).';
comment on column public.campaign_rules.created_at is 'Creation time.';
comment on column public.campaign_rules.updated_at is 'Last change time.';

grant select on table public.campaign_rules to anon;
grant select, delete on table public.campaign_rules to authenticated;
grant insert (campaign_id, dc_a1, dc_a2, dc_b1, dc_b2, dc_c1, dc_c2)
on table public.campaign_rules to authenticated;
grant update (dc_a1, dc_a2, dc_b1, dc_b2, dc_c1, dc_c2)
on table public.campaign_rules to authenticated;
grant all on table public.campaign_rules to service_role;

alter table public.campaign_rules enable row level security;

create policy "Anyone reads the rules of public campaigns"
on public.campaign_rules for select to anon
using (campaign_id in (select app_private.readable_campaign_ids()));

create policy "Users read the rules of campaigns they can read"
on public.campaign_rules for select to authenticated
using (campaign_id in (select app_private.readable_campaign_ids()));

create policy "Game masters set the rules of live campaigns"
on public.campaign_rules for insert to authenticated
with check (
    campaign_id in (select app_private.my_gm_campaign_ids())
    and not app_private.is_campaign_archived(campaign_id)
);

create policy "Game masters change the rules of live campaigns"
on public.campaign_rules for update to authenticated
using (
    campaign_id in (select app_private.my_gm_campaign_ids())
    and not app_private.is_campaign_archived(campaign_id)
)
with check (campaign_id in (select app_private.my_gm_campaign_ids()));

create policy "Game masters reset the rules of live campaigns"
on public.campaign_rules for delete to authenticated
using (
    campaign_id in (select app_private.my_gm_campaign_ids())
    and not app_private.is_campaign_archived(campaign_id)
);

create trigger campaign_rules_touch_updated_at
before update on public.campaign_rules
for each row execute function app_private.touch_updated_at();

select audit.enable_tracking('public.campaign_rules'::regclass);
