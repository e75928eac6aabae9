-- Purpose: the append-only log of dice rolls, with provably-fair inputs and per-roll visibility.
-- Affected: table public.dice_rolls (grants, RLS, policies, indexes, triggers); functions
-- app_private.is_dice_service(), app_private.guard_dice_roll_insert(),
-- app_private.forbid_dice_roll_change().
--
-- Roll-source mechanism (the dice service follows it): a roll row may only be inserted in a
-- transaction where the dice service has run
--     select set_config('app.roll_source', 'dice-service', true);
-- next to the usual PostgREST-style settings (role authenticated + the caller's
-- request.jwt.claims). The insert policy and a trigger (which also binds the owner and
-- service_role) both require it. Clients only reach SQL through the REST API, which sets nothing
-- but role and request.*, and no function in the exposed schema calls set_config, so a client
-- cannot forge a roll: POST /rest/v1/dice_rolls fails the policy (403). seed.sql sets it too.
--
-- Visibility: public = every reader of the campaign; gm = the roller and the campaign's gms;
-- private (whispered) = the roller and the campaign's gms. Rows never change and are only deleted
-- with their campaign (cascade). Rolls are rate limited per roller (rate_limit.limits 'dice.roll').

create function app_private.is_dice_service()
returns boolean
language sql
stable
set search_path = ''
as $$
    select coalesce(pg_catalog.current_setting('app.roll_source', true) = 'dice-service', false)
$$;

comment on function app_private.is_dice_service() is
'Whether the current transaction was marked by the dice service (app.roll_source).';

grant execute on function app_private.is_dice_service() to anon, authenticated, service_role;

create table public.dice_rolls (
    id uuid primary key default gen_random_uuid(),
    campaign_id uuid not null references public.campaigns (id) on delete cascade,
    roller_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
    character_id uuid references public.characters (id) on delete set null,
    expression text not null,
    total integer not null,
    detail jsonb not null default '{}',
    purpose text,
    visibility text not null default 'public',
    server_seed_hash text not null,
    client_seed text not null,
    nonce bigint not null,
    created_at timestamptz not null default now(),
    constraint dice_rolls_expression_check check (
        pg_catalog.char_length(expression) between 1 and 200
    ),
    constraint dice_rolls_detail_check check (pg_catalog.jsonb_typeof(detail) = 'object'),
    constraint dice_rolls_purpose_check check (pg_catalog.char_length(purpose) <= 200),
    constraint dice_rolls_visibility_check check (visibility in ('public', 'gm', 'private')),
    constraint dice_rolls_server_seed_hash_check check (server_seed_hash ~ '^[0-9a-f]{64}$'),
    constraint dice_rolls_client_seed_check check (
        pg_catalog.char_length(client_seed) between 1 and 128
    ),
    constraint dice_rolls_nonce_check check (nonce >= 0)
);

comment on table public.dice_rolls is
'Append-only dice rolls, written only by the dice service. Whispered (private) and gm rolls are '
'seen by the roller and the campaign''s gms only.';
comment on column public.dice_rolls.id is 'Roll id.';
comment on column public.dice_rolls.campaign_id is 'The campaign rolled in.';
comment on column public.dice_rolls.roller_id is 'Who rolled.';
comment on column public.dice_rolls.character_id is 'The character rolling, if any.';
comment on column public.dice_rolls.expression is 'Dice expression as typed, e.g. 1d20+3.';
comment on column public.dice_rolls.total is 'Result of the expression.';
comment on column public.dice_rolls.detail is
'Every die: kept, dropped, rerolled, exploded (JSON).';
comment on column public.dice_rolls.purpose is 'Why the roll was made, e.g. "Grammar check".';
comment on column public.dice_rolls.visibility is
'public (all readers), gm (roller + gms), private (whisper: roller + gms).';
comment on column public.dice_rolls.server_seed_hash is
'SHA-256 (hex) of the server seed, committed before rolling (provably fair).';
comment on column public.dice_rolls.client_seed is 'Seed supplied by the roller.';
comment on column public.dice_rolls.nonce is 'Roll counter for this server seed.';
comment on column public.dice_rolls.created_at is 'When the roll was made.';

grant select on table public.dice_rolls to anon;
grant select on table public.dice_rolls to authenticated;
grant insert (
    campaign_id, roller_id, character_id, expression, total, detail, purpose, visibility,
    server_seed_hash, client_seed, nonce
) on table public.dice_rolls to authenticated;
grant select, insert on table public.dice_rolls to service_role;

alter table public.dice_rolls enable row level security;

create policy "Anyone reads public rolls of public campaigns"
on public.dice_rolls for select to anon
using (visibility = 'public' and campaign_id in (select app_private.readable_campaign_ids()));

create policy "Readers see public rolls, rollers and game masters see the rest"
on public.dice_rolls for select to authenticated
using (
    campaign_id in (select app_private.readable_campaign_ids())
    and (
        visibility = 'public'
        or roller_id = (select auth.uid())
        or campaign_id in (select app_private.my_gm_campaign_ids())
    )
);

create policy "The dice service records players' and game masters' rolls"
on public.dice_rolls for insert to authenticated
with check (
    (select app_private.is_dice_service())
    and roller_id = (select auth.uid())
    and app_private.campaign_role(campaign_id) in ('gm', 'player')
    and not app_private.is_campaign_archived(campaign_id)
    and (
        character_id is null
        or (
            app_private.character_campaign_id(character_id) = campaign_id
            and (
                app_private.owns_character(character_id)
                or app_private.is_campaign_gm(campaign_id)
            )
        )
    )
);

create index dice_rolls_campaign_id_created_at_idx on public.dice_rolls (campaign_id, created_at);
create index dice_rolls_roller_id_idx on public.dice_rolls (roller_id);
create index dice_rolls_character_id_idx on public.dice_rolls (character_id);

-- DEFINER: takes from the roller's dice.roll bucket, which the caller cannot reach.
create function app_private.guard_dice_roll_insert()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    if not app_private.is_dice_service() then
        raise sqlstate '42501' using message = 'dice rolls are recorded by the dice service only';
    end if;
    perform rate_limit.enforce('dice.roll', new.roller_id::text, l.capacity, l.refill_per_second)
    from rate_limit.limits as l where l.action = 'dice.roll';
    new.created_at := pg_catalog.now();
    return new;
end;
$$;

comment on function app_private.guard_dice_roll_insert() is
'Trigger: refuse rolls not marked by the dice service, rate limit per roller, stamp the time.';

create trigger dice_rolls_guard_insert
before insert on public.dice_rolls
for each row execute function app_private.guard_dice_roll_insert();

create function app_private.forbid_dice_roll_change()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    -- Depth > 1: a cascade from deleting the campaign, user or character.
    if pg_catalog.pg_trigger_depth() > 1 then
        return coalesce(new, old);
    end if;
    raise sqlstate '42501' using message = 'dice rolls are append-only';
end;
$$;

comment on function app_private.forbid_dice_roll_change() is
'Trigger: dice rolls never change, for any role (cascaded deletes excepted).';

create trigger dice_rolls_append_only
before update or delete on public.dice_rolls
for each row execute function app_private.forbid_dice_roll_change();

create trigger dice_rolls_no_truncate
before truncate on public.dice_rolls
for each statement execute function app_private.forbid_dice_roll_change();
