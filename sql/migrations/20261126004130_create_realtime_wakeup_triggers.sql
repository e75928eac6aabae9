-- Purpose: wake the realtime nodes' WAL readers when a published table changes, so changes are
-- read within milliseconds instead of at the next idle poll. A statement trigger NOTIFYs
-- `realtime_wal` (delivered on commit, once per transaction: identical notifications merge);
-- realtime.enable_wakeups() attaches it to a table, as done here for the published tables.
-- Affected: functions realtime.wake_readers(), realtime.enable_wakeups(regclass); triggers on
-- public.dice_rolls and public.campaign_members.

create function realtime.wake_readers()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    perform pg_catalog.pg_notify('realtime_wal', '');
    return null;
end;
$$;

comment on function realtime.wake_readers() is
'Statement trigger: tells realtime nodes that changes await; DEFINER: any writing role notifies.';

create function realtime.enable_wakeups(entity regclass)
returns void
language plpgsql
volatile
set search_path = ''
as $$
begin
    execute pg_catalog.format(
        'create trigger realtime_wake_readers after insert or update or delete on %s '
        'for each statement execute function realtime.wake_readers()',
        entity
    );
end;
$$;

comment on function realtime.enable_wakeups(regclass) is
'Attaches the realtime_wake_readers statement trigger to a published table (run by migrations).';

select realtime.enable_wakeups('public.dice_rolls');
select realtime.enable_wakeups('public.campaign_members');
