-- Purpose: every join_campaign attempt costs a token, a wrong code included.
-- Affected: function app_private.redeem_invitation(text) (behind public.join_campaign).
-- The per-user 'campaign.join' bucket (rate_limit.limits) is charged autonomously before the code
-- is looked up, so the refusal (404) rolling the transaction back no longer refunds the attempt:
-- guessing codes is limited, and past the limit even a right code gets 429.

-- DEFINER: the caller is not a member yet, so it can neither see the invitation nor add itself.
create or replace function app_private.redeem_invitation(code text)
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
    perform rate_limit.enforce_autonomously(
        'campaign.join', caller::text, l.capacity, l.refill_per_second
    )
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
