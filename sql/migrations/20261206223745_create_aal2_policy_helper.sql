-- Purpose: let policies ask for AAL2 (issue 20): a user who enrolled a verified MFA factor acts
-- with admin rights only from a session that verified it (auth.jwt() ->> 'aal' = 'aal2').
-- Affected: function app_private.assurance_satisfied().
-- Users without a verified factor are not locked out (they may enroll one later); the service
-- role and trusted server code (no claims) always pass. The token's own claim is read, so a
-- token issued before the verification stays aal1 until refreshed.

-- DEFINER: policies of API roles look up the caller's factors in the private auth.mfa_factors.
create function app_private.assurance_satisfied()
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
    select
        auth.jwt() is null
        or auth.role() = 'service_role'
        or coalesce(auth.jwt() ->> 'aal', 'aal1') = 'aal2'
        or not exists (
            select from auth.mfa_factors as f
            where f.user_id = auth.uid() and f.status = 'verified'
        )
$$;

comment on function app_private.assurance_satisfied() is
'Whether the caller''s assurance level suffices: aal2, or no verified MFA factor to ask for.';

revoke all on function app_private.assurance_satisfied() from public;

grant execute on function app_private.assurance_satisfied() to anon, authenticated, service_role;
