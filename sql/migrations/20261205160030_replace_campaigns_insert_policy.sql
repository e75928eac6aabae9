-- Purpose: guests (anonymous sign-ins, is_anonymous in the token) may not create campaigns;
-- they join a campaign by invitation, play, and convert to an account to run their own.
-- Affected: policy "Users create campaigns they own" on public.campaigns (same name, new check).
-- A token without the claim (service tokens, tokens minted before guests existed) counts as a
-- permanent user. A converted guest's next token (refresh) no longer carries the flag.

alter policy "Users create campaigns they own"
on public.campaigns
with check (
    owner_id = (select auth.uid())
    and not coalesce((select (auth.jwt() ->> 'is_anonymous')::boolean), false)
);
