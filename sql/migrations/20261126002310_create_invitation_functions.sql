-- Purpose: create invitation codes (gm) and join a campaign with one (anyone signed in).
-- Affected: functions public.create_campaign_invitation(uuid, integer, integer, text),
-- public.join_campaign(text), app_private.redeem_invitation(text).
-- Codes are 24 random bytes (192 bits) in base64url; the table keeps sha256(code) only.
-- join_campaign is rate limited per user (rate_limit.limits 'campaign.join').

create function public.create_campaign_invitation(
    campaign_id uuid,
    max_uses integer default 1,
    expires_in_seconds integer default 604800,
    role text default 'player'
)
returns text
language plpgsql
set search_path = ''
as $$
declare
    code text := pg_catalog.rtrim(pg_catalog.translate(
        pg_catalog.encode(extensions.gen_random_bytes(24), 'base64'), '+/', '-_'
    ), '=');
begin
    if expires_in_seconds is null or expires_in_seconds not between 60 and 31536000 then
        raise sqlstate '22023' using message = 'expires_in_seconds must be 60..31536000';
    end if;
    insert into public.campaign_invitations (campaign_id, code_hash, role, max_uses, expires_at)
    values (
        create_campaign_invitation.campaign_id,
        pg_catalog.encode(extensions.digest(code, 'sha256'), 'hex'),
        create_campaign_invitation.role,
        create_campaign_invitation.max_uses,
        pg_catalog.now() + pg_catalog.make_interval(secs => expires_in_seconds)
    );
    return code;
end;
$$;

comment on function public.create_campaign_invitation(uuid, integer, integer, text) is
'Create an invitation to a campaign you run; returns the plain code (shown only this once).';

grant execute on function public.create_campaign_invitation(uuid, integer, integer, text)
to authenticated;

-- DEFINER: the caller is not a member yet, so it can neither see the invitation nor add itself.
create function app_private.redeem_invitation(code text)
returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
    invitation public.campaign_invitations;
    caller uuid := auth.uid();
begin
    if caller is null then
        raise sqlstate '42501' using message = 'sign in to join a campaign';
    end if;
    perform rate_limit.enforce('campaign.join', caller::text, l.capacity, l.refill_per_second)
    from rate_limit.limits as l where l.action = 'campaign.join';
    select i.* into invitation
    from public.campaign_invitations as i
    where i.code_hash = pg_catalog.encode(extensions.digest(coalesce(code, ''), 'sha256'), 'hex')
    for update;
    if not found or invitation.revoked_at is not null or invitation.expires_at <= pg_catalog.now()
        or invitation.uses >= invitation.max_uses
        or app_private.is_campaign_archived(invitation.campaign_id)
    then
        raise sqlstate 'PT404' using
            message = 'invitation not found, expired, used up or revoked',
            hint = 'invalid_invitation';
    end if;
    insert into public.campaign_members (campaign_id, user_id, role)
    values (invitation.campaign_id, caller, invitation.role)
    on conflict do nothing;
    if found then
        update public.campaign_invitations as i set uses = i.uses + 1 where i.id = invitation.id;
    end if;
    return invitation.campaign_id;
end;
$$;

comment on function app_private.redeem_invitation(text) is
'Join the invitation''s campaign as the current user; already a member: no change, no use.';

grant execute on function app_private.redeem_invitation(text) to authenticated;

create function public.join_campaign(code text)
returns uuid
language sql
set search_path = ''
as $$
    select app_private.redeem_invitation(join_campaign.code)
$$;

comment on function public.join_campaign(text) is
'Join a campaign with an invitation code; returns the campaign id. Unknown, expired, used-up or '
'revoked codes give 404; too many attempts give 429.';

grant execute on function public.join_campaign(text) to authenticated;
