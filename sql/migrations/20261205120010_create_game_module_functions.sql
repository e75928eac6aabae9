-- Purpose: install, remove, enable and disable game modules (issue 21) in the caller's
-- transaction, so installing a module with its dependencies is all or nothing.
-- Affected: functions app_private.install_game_module(jsonb),
-- app_private.remove_game_module(text, text), app_private.enable_game_module(uuid, text, text),
-- app_private.disable_game_module(uuid, text).
-- The manifest is validated (schema, rules, dependencies) by functions/modules before these run;
-- they check permissions and what SQL alone can see: id ownership, pins, campaign roles.
-- Messages start with the manifest field they concern ("id: …", "version: …").

-- DEFINER: module.manage holders write tables no API role may write.
create function app_private.install_game_module(manifest jsonb)
returns text
language plpgsql
security definer
set search_path = ''
as $$
declare
    new_id text := install_game_module.manifest ->> 'id';
    new_version text := install_game_module.manifest ->> 'version';
    new_publisher text := install_game_module.manifest ->> 'publisher';
    owner text;
    existing jsonb;
begin
    if not app_private.has_permission('module.manage') then
        raise sqlstate '42501' using message = 'installing modules needs module.manage';
    end if;
    insert into public.game_modules (id, publisher) values (new_id, new_publisher)
    on conflict (id) do nothing;
    select m.publisher into owner from public.game_modules as m where m.id = new_id;
    if owner is distinct from new_publisher then
        raise sqlstate '23505' using message = pg_catalog.format(
            'id: module %s belongs to publisher %s, not %s', new_id, owner, new_publisher
        );
    end if;
    select v.manifest into existing from public.game_module_versions as v
    where v.module_id = new_id and v.version = new_version;
    if existing is not null then
        if existing = install_game_module.manifest then
            return 'unchanged';
        end if;
        raise sqlstate '23505' using message = pg_catalog.format(
            'version: %s@%s is installed with another manifest (bump the version)',
            new_id, new_version
        );
    end if;
    insert into public.game_module_versions (module_id, version, major, manifest)
    values (
        new_id, new_version, pg_catalog.split_part(new_version, '.', 1)::integer,
        install_game_module.manifest
    );
    return 'installed';
end;
$$;

comment on function app_private.install_game_module(jsonb) is
'Install one validated module version (module.manage); refuses another publisher''s id.';

grant execute on function app_private.install_game_module(jsonb) to authenticated, service_role;

-- DEFINER: module.manage holders delete rows no API role may delete.
create function app_private.remove_game_module(module_id text, version text default null)
returns integer
language plpgsql
security definer
set search_path = ''
as $$
declare
    pinned text;
    removed integer;
begin
    if not app_private.has_permission('module.manage') then
        raise sqlstate '42501' using message = 'removing modules needs module.manage';
    end if;
    select pg_catalog.string_agg(c.campaign_id::text || '@' || c.version, ', ') into pinned
    from public.campaign_game_modules as c
    where
        c.module_id = remove_game_module.module_id
        and (remove_game_module.version is null or c.version = remove_game_module.version);
    if pinned is not null then
        raise sqlstate '23503' using message = pg_catalog.format(
            'id: %s is pinned by campaigns (%s); they must disable it first',
            remove_game_module.module_id, pinned
        );
    end if;
    delete from public.game_module_versions as v
    where
        v.module_id = remove_game_module.module_id
        and (remove_game_module.version is null or v.version = remove_game_module.version);
    get diagnostics removed = row_count;
    delete from public.game_modules as m
    where
        m.id = remove_game_module.module_id
        and not exists (select from public.game_module_versions as v where v.module_id = m.id);
    return removed;
end;
$$;

comment on function app_private.remove_game_module(text, text) is
'Remove a module version (or all) that no campaign pins (module.manage); returns the count.';

grant execute on function app_private.remove_game_module(text, text) to authenticated,
service_role;

-- DEFINER: game masters pin versions and (re)activate items in tables they cannot write.
create function app_private.enable_game_module(campaign_id uuid, module_id text, version text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
    if not (
        app_private.is_campaign_gm(enable_game_module.campaign_id)
        or app_private.has_permission('module.manage')
    ) then
        raise sqlstate '42501' using message = 'only the game master enables modules';
    end if;
    if not exists (
        select from public.game_module_versions as v
        where v.module_id = enable_game_module.module_id and v.version = enable_game_module.version
    ) then
        raise sqlstate '23503' using message = pg_catalog.format(
            'version: %s@%s is not installed', enable_game_module.module_id,
            enable_game_module.version
        );
    end if;
    insert into public.campaign_game_modules as c (campaign_id, module_id, version, enabled_by)
    values (
        enable_game_module.campaign_id, enable_game_module.module_id, enable_game_module.version,
        auth.uid()
    )
    on conflict on constraint campaign_game_modules_pkey do update
        set
            version = excluded.version, enabled = true, enabled_by = excluded.enabled_by,
            updated_at = pg_catalog.now();
    update public.character_module_items as i set active = true
    from public.characters as ch
    where
        ch.id = i.character_id and ch.campaign_id = enable_game_module.campaign_id
        and i.module_id = enable_game_module.module_id and not i.active;
end;
$$;

comment on function app_private.enable_game_module(uuid, text, text) is
'Enable a module for a campaign pinned at a version, or move the pin (its game master).';

grant execute on function app_private.enable_game_module(uuid, text, text) to authenticated,
service_role;

-- DEFINER: game masters mark their players' items inactive, rows they cannot write.
create function app_private.disable_game_module(campaign_id uuid, module_id text)
returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
    if not (
        app_private.is_campaign_gm(disable_game_module.campaign_id)
        or app_private.has_permission('module.manage')
    ) then
        raise sqlstate '42501' using message = 'only the game master disables modules';
    end if;
    update public.campaign_game_modules as c
    set enabled = false, enabled_by = auth.uid(), updated_at = pg_catalog.now()
    where
        c.campaign_id = disable_game_module.campaign_id
        and c.module_id = disable_game_module.module_id;
    update public.character_module_items as i set active = false
    from public.characters as ch
    where
        ch.id = i.character_id and ch.campaign_id = disable_game_module.campaign_id
        and i.module_id = disable_game_module.module_id;
end;
$$;

comment on function app_private.disable_game_module(uuid, text) is
'Disable a module for a campaign: it keeps its pin and players keep its items, inactive.';

grant execute on function app_private.disable_game_module(uuid, text) to authenticated,
service_role;
