-- Purpose: a campaign pins the content pack version it plays, so a CMS publish never changes a
-- running game.
-- Affected: table public.campaign_content_packs.

create table public.campaign_content_packs (
    campaign_id uuid primary key references public.campaigns (id) on delete cascade,
    pack_version_id uuid not null references public.content_pack_versions (id),
    pinned_at timestamptz not null default now()
);

comment on table public.campaign_content_packs is
'The content pack version a campaign plays; changed only by its game master.';

grant select on public.campaign_content_packs to authenticated;
grant insert, update, delete on public.campaign_content_packs to authenticated;
grant select, insert, update, delete on public.campaign_content_packs to service_role;

alter table public.campaign_content_packs enable row level security;

create policy "Readers of a campaign can see its pinned content pack"
on public.campaign_content_packs for select to authenticated
using (campaign_id in (select app_private.readable_campaign_ids()));

create policy "Game masters can pin a content pack"
on public.campaign_content_packs for insert to authenticated
with check (campaign_id in (select app_private.my_gm_campaign_ids()));

create policy "Game masters can change the pinned content pack"
on public.campaign_content_packs for update to authenticated
using (campaign_id in (select app_private.my_gm_campaign_ids()))
with check (campaign_id in (select app_private.my_gm_campaign_ids()));

create policy "Game masters can unpin a content pack"
on public.campaign_content_packs for delete to authenticated
using (campaign_id in (select app_private.my_gm_campaign_ids()));

create index campaign_content_packs_pack_version_id_idx
on public.campaign_content_packs (pack_version_id);
