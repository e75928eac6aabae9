-- Purpose: per-player FSRS parameters fitted to their own review log (issue 23): the dice
-- service fits them (the fsrs-rs-python optimizer, docs/learning.md) once the player has enough
-- reviews and stores them here for the caller.
-- Affected: function app_private.store_fsrs_parameters(double precision[]).
-- learner_settings.fsrs_parameters is written by service_role only; this function lets the
-- dice service (app.roll_source, as for reviews) write the caller's own, and nothing else.

-- DEFINER: players have no write grant on fsrs_parameters.
create function app_private.store_fsrs_parameters(parameters double precision[])
returns timestamptz
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    learner uuid := auth.uid();
    stored timestamptz := pg_catalog.now();
begin
    if not app_private.is_dice_service() or learner is null then
        raise sqlstate '42501' using message = 'parameters are fitted by the dice service only';
    end if;
    insert into public.learner_settings as s (user_id, fsrs_parameters, parameters_optimized_at)
    values (learner, store_fsrs_parameters.parameters, stored)
    on conflict (user_id) do update
    set fsrs_parameters = excluded.fsrs_parameters,
        parameters_optimized_at = excluded.parameters_optimized_at, updated_at = stored;
    return stored;
end;
$$;

comment on function app_private.store_fsrs_parameters(double precision[]) is
'Dice service only: store the 21 FSRS weights fitted to the caller''s review log.';

grant execute on function app_private.store_fsrs_parameters(double precision[])
to authenticated, service_role;
