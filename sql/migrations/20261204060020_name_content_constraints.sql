-- Purpose: give the one content constraint that carries Postgres' subject-less fallback name a
-- name in the core's convention, <table>_<subject>_<kind> (campaigns_name_check,
-- campaign_invitations_expires_at_check).
-- Affected: constraint locales_check on public.locales, renamed locales_fallback_check.
-- Every other content constraint already has the name the core would write: the core names its
-- checks <table>_<column>_check by hand and leaves keys to Postgres (<table>_pkey,
-- <table>_<columns>_fkey, <table>_<columns>_key), and Postgres gave the unnamed single-column
-- content checks exactly those names; only a check over two columns (fallback <> code) fell back
-- to <table>_check. tests/sql/test_house_style.py holds every table of public to the rule.

alter table public.locales rename constraint locales_check to locales_fallback_check;
