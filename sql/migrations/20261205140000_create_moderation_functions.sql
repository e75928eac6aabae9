-- Purpose: the studio's moderation and admin actions that need the database (issue 22): a
-- moderator removes a campaign member, admins verify the audit chain, editors read the search
-- index status.
-- Affected: permission audit.verify (admin); table app_private.search_index_progress and its
-- trigger on app_private.search_outbox; functions app_private.remove_campaign_member(uuid, uuid),
-- public.remove_campaign_member(uuid, uuid), app_private.verify_audit_chain(),
-- public.verify_audit_chain(), app_private.read_search_index_status(),
-- public.search_index_status().
-- Removal is audited by the audit trigger on public.campaign_members (actor: the moderator).

insert into app_private.permissions (name, description) values
('audit.verify', 'Recompute the audit log''s hash chain.');

insert into app_private.role_permissions (role, permission) values
('admin', 'audit.verify');

-- DEFINER: RLS lets only the gm delete members; moderators act through this checked function.
create function app_private.remove_campaign_member(target_campaign_id uuid, member_id uuid)
returns boolean
language plpgsql
security definer
set search_path = ''
as $$
begin
    if not app_private.has_permission('campaign.moderate') then
        raise sqlstate '42501' using message = 'campaign.moderate permission required';
    end if;
    delete from public.campaign_members as m
    where m.campaign_id = remove_campaign_member.target_campaign_id
      and m.user_id = remove_campaign_member.member_id;
    return found;
end;
$$;

comment on function app_private.remove_campaign_member(uuid, uuid) is
'Remove a member from a campaign (holders of campaign.moderate); true when a row was removed.';

revoke all on function app_private.remove_campaign_member(uuid, uuid) from public;
grant execute on function app_private.remove_campaign_member(uuid, uuid) to authenticated;

create function public.remove_campaign_member(target_campaign_id uuid, member_id uuid)
returns boolean
language sql
set search_path = ''
as $$
    select app_private.remove_campaign_member(
        remove_campaign_member.target_campaign_id, remove_campaign_member.member_id
    )
$$;

comment on function public.remove_campaign_member(uuid, uuid) is
'Moderators and admins (campaign.moderate): remove a member from a campaign, audited.';

revoke all on function public.remove_campaign_member(uuid, uuid) from public;
grant execute on function public.remove_campaign_member(uuid, uuid) to authenticated;

-- DEFINER: API roles have no privilege on the audit schema; the permission check is inside.
create function app_private.verify_audit_chain()
returns table (is_valid boolean, rows_checked bigint, first_broken_id bigint, reason text)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
    if not app_private.has_permission('audit.verify') then
        raise sqlstate '42501' using message = 'audit.verify permission required';
    end if;
    return query select v.is_valid, v.rows_checked, v.first_broken_id, v.reason
    from audit.verify_chain() as v;
end;
$$;

comment on function app_private.verify_audit_chain() is
'audit.verify_chain() for holders of audit.verify (admins).';

revoke all on function app_private.verify_audit_chain() from public;
grant execute on function app_private.verify_audit_chain() to authenticated;

create function public.verify_audit_chain()
returns table (is_valid boolean, rows_checked bigint, first_broken_id bigint, reason text)
language sql
stable
set search_path = ''
as $$
    select * from app_private.verify_audit_chain()
$$;

comment on function public.verify_audit_chain() is
'Admins (audit.verify): recompute the audit hash chain; the first broken row and why, if any.';

revoke all on function public.verify_audit_chain() from public;
grant execute on function public.verify_audit_chain() to authenticated;

-- The indexer deletes outbox rows once Typesense has them: the last such delete is the last
-- indexing. One row, kept by a statement trigger, so the indexer itself is unchanged.
create table app_private.search_index_progress (
    id boolean primary key default true,
    last_indexed_at timestamptz not null,
    constraint search_index_progress_single_check check (id)
);

revoke all on table app_private.search_index_progress
from public, anon, authenticated, service_role;

comment on table app_private.search_index_progress is
'When the search indexer last drained rows from app_private.search_outbox (one row).';

create function app_private.note_search_indexed()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    insert into app_private.search_index_progress (id, last_indexed_at)
    values (true, pg_catalog.clock_timestamp())
    on conflict (id) do update set last_indexed_at = excluded.last_indexed_at;
    return null;
end;
$$;

comment on function app_private.note_search_indexed() is
'Trigger: record the time outbox rows were deleted (indexed).';

revoke all on function app_private.note_search_indexed() from public;

create trigger search_outbox_note_indexed
after delete on app_private.search_outbox
for each statement execute function app_private.note_search_indexed();

-- DEFINER: the outbox is the service role's; editors see only its depth and times.
create function app_private.read_search_index_status()
returns table (outbox_depth bigint, oldest_enqueued_at timestamptz, last_indexed_at timestamptz)
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
    if not app_private.has_permission('content.publish') then
        raise sqlstate '42501' using message = 'content.publish permission required';
    end if;
    return query select
        (select pg_catalog.count(*) from app_private.search_outbox),
        (select pg_catalog.min(o.enqueued_at) from app_private.search_outbox as o),
        (select p.last_indexed_at from app_private.search_index_progress as p);
end;
$$;

comment on function app_private.read_search_index_status() is
'Search outbox depth, its oldest entry and the last indexing, for holders of content.publish.';

revoke all on function app_private.read_search_index_status() from public;
grant execute on function app_private.read_search_index_status() to authenticated;

create function public.search_index_status()
returns table (outbox_depth bigint, oldest_enqueued_at timestamptz, last_indexed_at timestamptz)
language sql
stable
set search_path = ''
as $$
    select * from app_private.read_search_index_status()
$$;

comment on function public.search_index_status() is
'Content editors and admins (content.publish): search outbox depth, oldest entry, last indexed.';

revoke all on function public.search_index_status() from public;
grant execute on function public.search_index_status() to authenticated;
