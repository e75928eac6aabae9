"""Catalog queries behind the schema cache."""

from __future__ import annotations

from typing import LiteralString

__all__ = ["FOREIGN_KEYS", "FUNCTIONS", "ROLE_SETTINGS", "TABLES", "VIEW_SOURCES"]

TABLES: LiteralString = """
select n.nspname as schema, c.relname as name, c.relkind as kind,
    pg_catalog.obj_description(c.oid, 'pg_class') as description,
    coalesce((
        select json_agg(json_build_object(
            'name', a.attname,
            'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
            'nullable', not a.attnotnull,
            'default', pg_catalog.pg_get_expr(d.adbin, d.adrelid),
            'description', pg_catalog.col_description(c.oid, a.attnum)
        ) order by a.attnum)
        from pg_catalog.pg_attribute as a
        left join pg_catalog.pg_attrdef as d on d.adrelid = c.oid and d.adnum = a.attnum
        where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    ), '[]') as columns,
    (
        select array_agg(a.attname order by k.ord)
        from pg_catalog.pg_constraint as p
        cross join lateral unnest(p.conkey) with ordinality as k(attnum, ord)
        join pg_catalog.pg_attribute as a on a.attrelid = c.oid and a.attnum = k.attnum
        where p.conrelid = c.oid and p.contype = 'p'
    ) as primary_key,
    (
        select json_agg(u.cols)
        from (
            select array_agg(a.attname order by k.ord) as cols
            from pg_catalog.pg_constraint as p
            cross join lateral unnest(p.conkey) with ordinality as k(attnum, ord)
            join pg_catalog.pg_attribute as a on a.attrelid = c.oid and a.attnum = k.attnum
            where p.conrelid = c.oid and p.contype in ('p', 'u')
            group by p.oid
        ) as u
    ) as unique_keys
from pg_catalog.pg_class as c
join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
where n.nspname = any(%s) and c.relkind in ('r', 'v', 'm', 'f', 'p')
"""

FOREIGN_KEYS: LiteralString = """
select p.conname as name, n1.nspname as schema, c1.relname as table,
    n2.nspname as target_schema, c2.relname as target_table,
    array(select a.attname from unnest(p.conkey) with ordinality as k(attnum, ord)
          join pg_catalog.pg_attribute as a on a.attrelid = p.conrelid and a.attnum = k.attnum
          order by k.ord) as columns,
    array(select a.attname from unnest(p.confkey) with ordinality as k(attnum, ord)
          join pg_catalog.pg_attribute as a on a.attrelid = p.confrelid and a.attnum = k.attnum
          order by k.ord) as target_columns
from pg_catalog.pg_constraint as p
join pg_catalog.pg_class as c1 on c1.oid = p.conrelid
join pg_catalog.pg_namespace as n1 on n1.oid = c1.relnamespace
join pg_catalog.pg_class as c2 on c2.oid = p.confrelid
join pg_catalog.pg_namespace as n2 on n2.oid = c2.relnamespace
where p.contype = 'f'
order by p.conname
"""

VIEW_SOURCES: LiteralString = """
select distinct vn.nspname as view_schema, v.relname as view_name,
    bn.nspname as base_schema, b.relname as base_name
from pg_catalog.pg_class as v
join pg_catalog.pg_namespace as vn on vn.oid = v.relnamespace
join pg_catalog.pg_rewrite as r on r.ev_class = v.oid
join pg_catalog.pg_depend as d on d.objid = r.oid and d.classid = 'pg_rewrite'::regclass
join pg_catalog.pg_class as b
    on b.oid = d.refobjid and b.oid <> v.oid and b.relkind in ('r', 'p', 'v')
join pg_catalog.pg_namespace as bn on bn.oid = b.relnamespace
where v.relkind in ('v', 'm') and vn.nspname = any(%s)
"""

FUNCTIONS: LiteralString = """
select n.nspname as schema, p.proname as name, p.provolatile as volatility,
    p.proretset as returns_set,
    pg_catalog.format_type(p.prorettype, null) as return_type,
    p.proargnames as arg_names,
    p.proargmodes::text[] as arg_modes,
    array(select pg_catalog.format_type(t, null)
          from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) as t) as all_types,
    p.pronargdefaults as default_count,
    rn.nspname as rel_schema, rc.relname as rel_name,
    (t.typtype = 'c' or t.oid = 'record'::regtype) as returns_composite,
    pg_catalog.obj_description(p.oid, 'pg_proc') as description,
    p.prorows::float8 as rows, an.nspname as arg_rel_schema, ac.relname as arg_rel_name
from pg_catalog.pg_proc as p
join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
join pg_catalog.pg_type as t on t.oid = p.prorettype
left join pg_catalog.pg_class as rc on rc.oid = t.typrelid
left join pg_catalog.pg_namespace as rn on rn.oid = rc.relnamespace
left join pg_catalog.pg_type as at on at.oid = p.proargtypes[0] and p.pronargs >= 1
left join pg_catalog.pg_class as ac on ac.oid = at.typrelid
left join pg_catalog.pg_namespace as an on an.oid = ac.relnamespace
where n.nspname = any(%s) and p.prokind = 'f'
order by p.oid
"""

# PostgREST's role settings: the settings (`alter role ... set`) of every role the login role may
# switch to, applied to each request's transaction as that role, since `set role` applies none.
# A database-specific setting wins over the role's general one; only settings an unprivileged
# session may change (context 'user', e.g. statement_timeout) are kept.
ROLE_SETTINGS: LiteralString = """
select distinct on (r.rolname, pg_catalog.split_part(c.setting, '=', 1))
    r.rolname as role,
    pg_catalog.split_part(c.setting, '=', 1) as name,
    pg_catalog.substr(c.setting, pg_catalog.strpos(c.setting, '=') + 1) as value
from pg_catalog.pg_roles as r
join pg_catalog.pg_db_role_setting as s on s.setrole = r.oid
cross join lateral unnest(s.setconfig) as c(setting)
join pg_catalog.pg_settings as p
    on p.name = pg_catalog.split_part(c.setting, '=', 1) and p.context = 'user'
where r.rolname <> current_user
    and pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER')
    and s.setdatabase in (
        0, (select d.oid from pg_catalog.pg_database as d where d.datname = current_database())
    )
order by r.rolname, pg_catalog.split_part(c.setting, '=', 1), s.setdatabase desc
"""
