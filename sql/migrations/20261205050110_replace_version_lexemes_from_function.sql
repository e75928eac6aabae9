-- Purpose: the draw's walk over a pack version (app_private.version_lexemes_from) probes the
-- player's review state of each lexeme it reads instead of hashing all of them first: with
-- 20,000 states the hash cost ~4 ms per call although the walk usually reads a few dozen rows
-- (bench/bench_learning.py, issue 23).
-- Affected: function app_private.version_lexemes_from(uuid, uuid, boolean, text, uuid, uuid,
-- boolean, uuid[], integer) (same signature, grants and comment kept).

create or replace function app_private.version_lexemes_from(
    version_id uuid, pivot uuid, before boolean, level text, campaign_id uuid, learner uuid,
    reviewed boolean, excluded uuid[], max_count integer
)
returns table (id uuid)
language plpgsql
stable
set search_path = ''
as $$
declare
    low uuid := case when before then '00000000-0000-0000-0000-000000000000'::uuid else pivot end;
    high uuid := case when before then pivot else 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid end;
begin
    return query
    select distinct on (vl.lexeme_id) vl.lexeme_id
    from public.content_pack_version_lexemes as vl
    where vl.pack_version_id = version_lexemes_from.version_id
        and vl.lexeme_id between low and high
        and vl.lexeme_id <> all(excluded)
        and exists (
            select from public.lexemes as l
            where l.id = vl.lexeme_id and (level is null or l.cefr = level)
                and l.published_at is not null
                and (
                    l.restricted_campaign_id is null
                    or l.restricted_campaign_id = version_lexemes_from.campaign_id
                )
        )
        -- A scalar subquery is probed per row read (an index lookup); `exists` was planned as
        -- a hash of all the player's states, built on every call.
        and (
            select true from public.review_states as rs
            where rs.user_id = learner and rs.lexeme_id = vl.lexeme_id
        ) is not distinct from (case when reviewed then true end)
    order by vl.lexeme_id
    limit max_count;
end;
$$;
