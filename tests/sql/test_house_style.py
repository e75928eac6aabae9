"""The SQL house style, held for every object of the migrated schema instead of file by file.

docs/development.md (Migrations) states the rules; each test lists every offender it finds, so
a failure names what to fix in a new migration.
"""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import psycopg
import pytest

from native_platform.project_config import load_project_config
from native_platform.rest import create_app, settings_for_stack
from native_platform.settings import StackSettings
from tests.helpers.servers import serve

# Schemas that are not the app's: Postgres' own and the one extensions are installed in.
FOREIGN_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast", "extensions")
FOREIGN_SCHEMAS_SQL = "n.nspname <> all (%(foreign)s) and n.nspname not like 'pg\\_%%'"
NOT_FROM_EXTENSION_SQL = (
    "not exists (select from pg_catalog.pg_depend as e"
    " where e.classid = 'pg_catalog.pg_proc'::regclass and e.objid = p.oid and e.deptype = 'e')"
)
# Calls written in SQL's own syntax, which cannot be qualified (extract(epoch from …) and kin).
SYNTAX_FUNCTIONS = frozenset({"extract", "overlay", "position", "substring", "trim", "normalize"})
# The suffix Postgres and the core give each kind of constraint (pg_constraint.contype).
CONSTRAINT_SUFFIXES = {
    "p": ("pkey",),
    "f": ("fkey",),
    "u": ("key", "unique"),
    "c": ("check",),
    "x": ("excl",),
}
# Policies allowed to break the rule while a migration that rewrites them is pending: none.
PENDING_POLICIES: frozenset[str] = frozenset()
# String literals, quoted identifiers and comments, blanked before looking for calls.
LITERALS = re.compile(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", re.DOTALL)
CALL = re.compile(r"(?<![\w.$])([a-z_][a-z0-9_]*)\s*\(", re.IGNORECASE)


def exposed_schemas() -> list[str]:
    """The schemas the REST server serves (config.toml's [api] schemas)."""
    return list(load_project_config().api.schemas)


def rows(db: psycopg.Connection[Any], query: str) -> list[tuple[Any, ...]]:
    """The rows of `query`, whose %(exposed)s is the list of exposed schemas."""
    return db.execute(query, {"exposed": exposed_schemas()}).fetchall()


def names(db: psycopg.Connection[Any], query: str) -> list[str]:
    """The first column of `query`'s rows (see `rows`)."""
    return [row[0] for row in rows(db, query)]


def test_every_exposed_table_and_view_has_a_comment(db: psycopg.Connection[Any]) -> None:
    """Each table and view of an exposed schema has a comment (its OpenAPI description)."""
    offenders = names(
        db,
        """
        select c.oid::regclass::text
        from pg_catalog.pg_class as c
        join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
        where n.nspname = any(%(exposed)s) and c.relkind in ('r', 'p', 'v', 'm', 'f')
            and pg_catalog.obj_description(c.oid, 'pg_class') is null
        order by 1
        """,
    )
    assert offenders == []


def test_every_exposed_column_has_a_comment(db: psycopg.Connection[Any]) -> None:
    """Each column of an exposed table or view has a comment (its OpenAPI description)."""
    offenders = names(
        db,
        """
        select c.oid::regclass::text || '.' || a.attname
        from pg_catalog.pg_class as c
        join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
        join pg_catalog.pg_attribute as a on a.attrelid = c.oid
        where n.nspname = any(%(exposed)s) and c.relkind in ('r', 'p', 'v', 'm', 'f')
            and a.attnum > 0 and not a.attisdropped
            and pg_catalog.col_description(c.oid, a.attnum) is null
        order by 1
        """,
    )
    assert offenders == []


def constraint_name_problem(table: str, kind: str, name: str, columns: list[str]) -> str | None:
    """Why `name` breaks the core's convention, or None.

    The core writes `<table>_<subject>_<kind>`: Postgres' own names for keys (`campaigns_pkey`,
    `characters_campaign_id_fkey`, `items_name_key`) and hand-written ones for checks
    (`campaigns_name_check`, `characters_scores_check`). Postgres' fallbacks for what it cannot
    name well are refused: a check over several columns (`locales_check`), a clash counter
    (`…_check1`), and a name left stale by a table rename.
    """
    suffixes = CONSTRAINT_SUFFIXES.get(kind)
    if suffixes is None:
        return None
    if not name.startswith(f"{table}_"):
        return f"does not start with {table}_"
    if not name.endswith(tuple(f"_{suffix}" for suffix in suffixes)):
        return f"does not end with _{' or _'.join(suffixes)}"
    if kind == "p":
        return None if name == f"{table}_pkey" else f"is not {table}_pkey"
    postgres_name = f"{table}_{'_'.join(columns)}_fkey"
    if kind == "f" and len(postgres_name) < 64 and name != postgres_name:
        return "does not name the referencing columns"
    if name in (f"{table}_check", f"{table}_key", f"{table}_excl", f"{table}_fkey"):
        return "names no subject"
    return None


def test_every_exposed_constraint_is_named_in_the_core_convention(
    db: psycopg.Connection[Any],
) -> None:
    """Constraint names read <table>_<subject>_<kind>, never one of Postgres' fallbacks."""
    constraints = rows(
        db,
        """
        select t.relname, o.contype::text, o.conname,
            array(
                select a.attname
                from pg_catalog.unnest(o.conkey) with ordinality as k (attnum, ord)
                join pg_catalog.pg_attribute as a
                    on a.attrelid = o.conrelid and a.attnum = k.attnum
                order by k.ord
            )
        from pg_catalog.pg_constraint as o
        join pg_catalog.pg_class as t on t.oid = o.conrelid
        join pg_catalog.pg_namespace as n on n.oid = t.relnamespace
        where n.nspname = any(%(exposed)s)
        order by 1, 3
        """,
    )
    offenders = [
        f"{table}.{name} {problem}"
        for table, kind, name, columns in constraints
        if (problem := constraint_name_problem(table, kind, name, columns))
    ]
    assert offenders == []
    assert constraints, "the exposed schemas hold no constraint at all"


@pytest.mark.parametrize(
    ("table", "kind", "name", "columns", "problem"),
    [
        ("campaigns", "p", "campaigns_pkey", ["id"], None),
        ("characters", "c", "characters_scores_check", ["grammar", "xp"], None),
        ("character_items", "u", "character_items_unique", ["character_id", "item_id"], None),
        ("locales", "c", "locales_check", ["fallback", "code"], "names no subject"),
        ("locales", "c", "locales_name_check1", ["name"], "does not end with _check"),
        ("decks", "f", "lessons_deck_id_fkey", ["deck_id"], "does not start with decks_"),
        ("decks", "f", "decks_owner_fkey", ["pack_id"], "does not name the referencing columns"),
        ("decks", "p", "decks_id_pkey", ["id"], "is not decks_pkey"),
    ],
)
def test_constraint_name_problem_refuses_postgres_fallbacks(
    table: str, kind: str, name: str, columns: list[str], problem: str | None
) -> None:
    """The naming rule accepts the core's names and refuses fallbacks and stale names."""
    assert constraint_name_problem(table, kind, name, columns) == problem


def app_functions(db: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    """(signature, language, body, comment) of every function of ours, extensions' excluded."""
    return db.execute(
        f"""
        select p.oid::regprocedure::text, l.lanname, p.prosrc,
            pg_catalog.obj_description(p.oid, 'pg_proc')
        from pg_catalog.pg_proc as p
        join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
        join pg_catalog.pg_language as l on l.oid = p.prolang
        where {FOREIGN_SCHEMAS_SQL} and {NOT_FROM_EXTENSION_SQL}
        order by 1
        """,
        {"foreign": list(FOREIGN_SCHEMAS)},
    ).fetchall()


def test_every_function_has_a_comment(db: psycopg.Connection[Any]) -> None:
    """Every function in public and the app's private schemas says what it does."""
    functions = app_functions(db)
    assert [name for name, _, _, comment in functions if comment is None] == []
    assert len(functions) > 50, "the app's functions were not found"


def unqualified_calls(body: str, built_ins: set[str]) -> list[str]:
    """Built-in functions called in `body` without `pg_catalog.`."""
    code = LITERALS.sub(" ", body)
    called = {match.group(1).lower() for match in CALL.finditer(code)}
    return sorted((called & built_ins) - SYNTAX_FUNCTIONS)


def test_function_bodies_qualify_built_in_calls(db: psycopg.Connection[Any]) -> None:
    """SQL and PL/pgSQL bodies call built-ins as pg_catalog.<name>(…), as the core does."""
    built_ins = {
        name
        for (name,) in db.execute(
            "select distinct p.proname::text from pg_catalog.pg_proc as p"
            " where p.pronamespace = 'pg_catalog'::regnamespace"
            " and not exists (select from pg_catalog.pg_type as t where t.typname = p.proname)"
        )
    }
    offenders = {
        name: calls
        for name, language, body, _ in app_functions(db)
        if language in ("sql", "plpgsql") and (calls := unqualified_calls(body, built_ins))
    }
    assert offenders == {}


def test_unqualified_calls_skips_literals_comments_and_qualified_calls() -> None:
    """Only real, unqualified calls count; text that merely looks like one does not."""
    body = """
        -- count(*) in a comment
        select pg_catalog.count(*), 'max(1)', left(x, 2), extract(epoch from t), f.now()
        from a as f /* random() */
    """
    assert unqualified_calls(body, {"count", "max", "left", "extract", "now", "random"}) == ["left"]


def test_every_exposed_policy_covers_one_command_and_one_role(
    db: psycopg.Connection[Any],
) -> None:
    """Policies are written `for <command> to <role>`: no `for all`, no role lists."""
    offenders = names(
        db,
        """
        select n.nspname || '.' || c.relname || ': ' || p.polname
        from pg_catalog.pg_policy as p
        join pg_catalog.pg_class as c on c.oid = p.polrelid
        join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
        where n.nspname = any(%(exposed)s)
            and (p.polcmd = '*' or pg_catalog.cardinality(p.polroles) <> 1)
        order by 1
        """,
    )
    assert [name for name in offenders if name not in PENDING_POLICIES] == []


def get_when_ready(url: str, headers: dict[str, str]) -> httpx.Response:
    """GET `url` once the server has its schema cache and pool (it answers 503 until then)."""
    deadline = time.monotonic() + 20
    while True:
        response = httpx.get(url, headers=headers, timeout=30)
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def describes(
    definition: dict[str, Any], column: str, table_comment: str, column_comment: str | None
) -> bool:
    """Whether an OpenAPI definition carries the table's comment and the column's (which the
    server may follow with a note such as "This is a Primary Key")."""
    description = definition.get("properties", {}).get(column, {}).get("description", "")
    return (
        definition.get("description") == table_comment
        and column_comment is not None
        and description.startswith(column_comment)
    )


def test_openapi_document_describes_every_column_with_its_comment(
    db: psycopg.Connection[Any], stack_settings: StackSettings
) -> None:
    """GET /rest/v1/ shows each table's and column's comment as its description."""
    dbname = db.info.dbname
    comments = rows(
        db,
        """
        select c.relname, a.attname, pg_catalog.obj_description(c.oid, 'pg_class'),
            pg_catalog.col_description(c.oid, a.attnum)
        from pg_catalog.pg_class as c
        join pg_catalog.pg_attribute as a on a.attrelid = c.oid
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm')
            and a.attnum > 0 and not a.attisdropped
        """,
    )
    key = stack_settings.service_role_key.get_secret_value()
    app = create_app(settings_for_stack(stack_settings, dbname))
    with serve(app) as url:
        response = get_when_ready(f"{url}/", {"apikey": key, "Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text
    definitions = response.json()["definitions"]
    missing = [
        f"{table}.{column}"
        for table, column, table_comment, column_comment in comments
        if not describes(definitions.get(table, {}), column, table_comment, column_comment)
    ]
    assert missing == []
    assert definitions["lexemes"]["properties"]["cefr"]["description"].startswith("CEFR level")
