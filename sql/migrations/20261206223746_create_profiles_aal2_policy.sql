-- Purpose: editing someone else's profile (a user manager's admin action) needs AAL2 once the
-- editor enrolled a verified MFA factor (issue 20); editing one's own profile never does.
-- Affected: restrictive policy on public.profiles for update to authenticated.
-- Restrictive, so it narrows the permissive "Users edit their own profile and user managers
-- edit any" without restating it.

create policy "Editing another user's profile needs aal2 from enrolled editors"
on public.profiles
as restrictive
for update to authenticated
using (id = (select auth.uid()) or (select app_private.assurance_satisfied()))
with check (id = (select auth.uid()) or (select app_private.assurance_satisfied()));
