"""The SQL of the service, one function per statement; each runs on a connection that
already acts as somebody (db.Database.acting_as), so RLS decides what it sees and changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from psycopg import sql

from functions.storage.db import Conn

__all__ = [
    "BUCKET_COLUMNS",
    "Bucket",
    "ObjectRow",
    "iso",
    "object_json",
]

BUCKET_COLUMNS = (
    "id, name, owner, owner_id, public, type, file_size_limit, allowed_mime_types,"
    " created_at, updated_at"
)
OBJECT_COLUMNS = (
    "id, bucket_id, name, owner, owner_id, version, metadata, user_metadata,"
    " created_at, updated_at, last_accessed_at"
)


def iso(moment: datetime | None) -> str | None:
    """As upstream's JSON: milliseconds and `Z`."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class Bucket:
    id: str
    public: bool
    file_size_limit: int | None
    allowed_mime_types: list[str] | None
    row: dict[str, Any]

    def json(self) -> dict[str, Any]:
        r = self.row
        return {
            "id": r["id"],
            "name": r["name"],
            "owner": r["owner_id"] or (str(r["owner"]) if r["owner"] else ""),
            "public": r["public"],
            "type": r["type"],
            "file_size_limit": r["file_size_limit"],
            "allowed_mime_types": r["allowed_mime_types"],
            "created_at": iso(r["created_at"]),
            "updated_at": iso(r["updated_at"]),
        }


def _bucket(row: dict[str, Any]) -> Bucket:
    return Bucket(row["id"], row["public"], row["file_size_limit"], row["allowed_mime_types"], row)


@dataclass(frozen=True)
class ObjectRow:
    row: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.row["id"])

    @property
    def version(self) -> str:
        return str(self.row["version"])

    @property
    def metadata(self) -> dict[str, Any]:
        value = self.row["metadata"]
        return value if isinstance(value, dict) else {}

    @property
    def size(self) -> int:
        return int(self.metadata.get("size") or 0)


def object_json(row: dict[str, Any]) -> dict[str, Any]:
    """An object row as upstream returns it (remove, copy)."""
    return {
        "name": row["name"],
        "bucket_id": row["bucket_id"],
        "owner": str(row["owner"]) if row["owner"] else None,
        "owner_id": row["owner_id"],
        "version": row["version"],
        "id": str(row["id"]),
        "updated_at": iso(row["updated_at"]),
        "created_at": iso(row["created_at"]),
        "last_accessed_at": iso(row["last_accessed_at"]),
        "metadata": row["metadata"],
        "user_metadata": row["user_metadata"],
    }


async def get_bucket(conn: Conn, bucket_id: str) -> Bucket | None:
    cursor = await conn.execute(
        f"select {BUCKET_COLUMNS} from storage.buckets where id = %s", (bucket_id,)
    )
    row = await cursor.fetchone()
    return None if row is None else _bucket(row)


async def list_buckets(
    conn: Conn, limit: int | None, offset: int, column: str, order: str, search: str
) -> list[Bucket]:
    query = sql.SQL(
        "select {columns} from storage.buckets where name ilike %s"
        " order by {column} {order} limit %s offset %s"
    ).format(
        columns=sql.SQL(BUCKET_COLUMNS),
        column=sql.Identifier(column),
        order=sql.SQL("desc" if order == "desc" else "asc"),
    )
    pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    cursor = await conn.execute(query, (pattern, limit, offset))
    return [_bucket(row) for row in await cursor.fetchall()]


async def create_bucket(conn: Conn, values: dict[str, Any]) -> None:
    await conn.execute(
        "insert into storage.buckets"
        " (id, name, owner, owner_id, public, file_size_limit, allowed_mime_types, type)"
        " values (%(id)s, %(name)s, %(owner)s, %(owner_id)s, %(public)s, %(file_size_limit)s,"
        " %(allowed_mime_types)s, %(type)s)",
        values,
    )


async def update_bucket(conn: Conn, bucket_id: str, changes: dict[str, Any]) -> bool:
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(name), sql.Placeholder(name)) for name in changes
    )
    query = sql.SQL("update storage.buckets set {} where id = %(bucket_id)s").format(assignments)
    cursor = await conn.execute(query, {**changes, "bucket_id": bucket_id})
    return cursor.rowcount > 0


async def delete_bucket(conn: Conn, bucket_id: str) -> bool:
    cursor = await conn.execute("delete from storage.buckets where id = %s", (bucket_id,))
    return cursor.rowcount > 0


async def bucket_is_empty(conn: Conn, bucket_id: str) -> bool:
    cursor = await conn.execute(
        "select not exists (select from storage.objects where bucket_id = %s) as empty",
        (bucket_id,),
    )
    row = await cursor.fetchone()
    return bool(row and row["empty"])


async def get_object(
    conn: Conn, bucket_id: str, name: str, *, for_update: bool = False
) -> ObjectRow | None:
    lock = " for update" if for_update else ""
    cursor = await conn.execute(
        f"select {OBJECT_COLUMNS} from storage.objects where bucket_id = %s and name = %s{lock}",
        (bucket_id, name),
    )
    row = await cursor.fetchone()
    return None if row is None else ObjectRow(row)


async def bucket_exists(conn: Conn, bucket_id: str) -> bool:
    cursor = await conn.execute(
        "select exists (select from storage.buckets where id = %s) as found", (bucket_id,)
    )
    row = await cursor.fetchone()
    return bool(row and row["found"])


async def quota_remaining(conn: Conn) -> int | None:
    cursor = await conn.execute("select app_private.storage_quota_remaining() as remaining")
    row = await cursor.fetchone()
    return None if row is None or row["remaining"] is None else int(row["remaining"])


async def write_object(conn: Conn, values: dict[str, Any], *, upsert: bool) -> ObjectRow:
    """Insert the row (or, with upsert, replace the existing one's content)."""
    on_conflict = (
        " on conflict (bucket_id, name) do update set owner = excluded.owner,"
        " owner_id = excluded.owner_id, version = excluded.version,"
        " metadata = excluded.metadata, user_metadata = excluded.user_metadata,"
        " last_accessed_at = now()"
        if upsert
        else ""
    )
    cursor = await conn.execute(
        "insert into storage.objects"
        " (bucket_id, name, owner, owner_id, version, metadata, user_metadata)"
        " values (%(bucket_id)s, %(name)s, %(owner)s, %(owner_id)s, %(version)s,"
        f" %(metadata)s, %(user_metadata)s){on_conflict} returning {OBJECT_COLUMNS}",
        values,
    )
    row = await cursor.fetchone()
    assert row is not None
    return ObjectRow(row)


async def rename_object(
    conn: Conn, source: tuple[str, str], target: tuple[str, str], version: str
) -> ObjectRow | None:
    cursor = await conn.execute(
        "update storage.objects set bucket_id = %s, name = %s, version = %s,"
        f" last_accessed_at = now() where bucket_id = %s and name = %s returning {OBJECT_COLUMNS}",
        (*target, version, *source),
    )
    row = await cursor.fetchone()
    return None if row is None else ObjectRow(row)


async def delete_objects(conn: Conn, bucket_id: str, names: list[str]) -> list[ObjectRow]:
    cursor = await conn.execute(
        "delete from storage.objects where bucket_id = %s and name = any(%s)"
        f" returning {OBJECT_COLUMNS}",
        (bucket_id, names),
    )
    return [ObjectRow(row) for row in await cursor.fetchall()]


async def visible_names(conn: Conn, bucket_id: str, names: list[str]) -> set[str]:
    cursor = await conn.execute(
        "select name from storage.objects where bucket_id = %s and name = any(%s)",
        (bucket_id, names),
    )
    return {row["name"] for row in await cursor.fetchall()}


LIST_COLUMNS = ("name", "updated_at", "created_at", "last_accessed_at")


async def list_children(
    conn: Conn,
    bucket_id: str,
    prefix: str,
    *,
    search: str,
    limit: int,
    offset: int,
    column: str,
    order: str,
) -> list[dict[str, Any]]:
    """Direct children of `prefix` (folders once, with null id and metadata), as
    upstream's `storage.search`, filtered by RLS."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = sql.SQL(
        """
        with under as (
            select pg_catalog.substr(o.name, %(plen)s + 1) as rest,
                o.id, o.updated_at, o.created_at, o.last_accessed_at, o.metadata
            from storage.objects as o
            where o.bucket_id = %(bucket)s and o.name like %(pattern)s escape '\\'
        ),
        children as (
            select pg_catalog.split_part(u.rest, '/', 1) as name,
                pg_catalog.strpos(u.rest, '/') > 0 as folder,
                u.id, u.updated_at, u.created_at, u.last_accessed_at, u.metadata
            from under as u
        ),
        listed as (
            select c.name, null::uuid as id, null::timestamptz as updated_at,
                null::timestamptz as created_at, null::timestamptz as last_accessed_at,
                null::jsonb as metadata
            from children as c where c.folder group by c.name
            union all
            select c.name, c.id, c.updated_at, c.created_at, c.last_accessed_at, c.metadata
            from children as c where not c.folder
        )
        select * from listed as l
        where l.name ilike %(search)s escape '\\'
        order by {column} {order} nulls last, l.name
        limit %(limit)s offset %(offset)s
        """
    ).format(
        column=sql.Identifier("l", column),
        order=sql.SQL("desc" if order == "desc" else "asc"),
    )
    searched = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    cursor = await conn.execute(
        query,
        {
            "plen": len(prefix),
            "bucket": bucket_id,
            "pattern": escaped + "%",
            "search": searched,
            "limit": limit,
            "offset": offset,
        },
    )
    return [
        {
            "name": row["name"],
            "id": str(row["id"]) if row["id"] else None,
            "updated_at": iso(row["updated_at"]),
            "created_at": iso(row["created_at"]),
            "last_accessed_at": iso(row["last_accessed_at"]),
            "metadata": row["metadata"],
        }
        for row in await cursor.fetchall()
    ]


@dataclass(frozen=True)
class ListV2Page:
    """One page of `list-v2`: entries (folders have no id) and whether more follow."""

    entries: list[dict[str, Any]]
    has_next: bool


async def list_v2(
    conn: Conn,
    bucket_id: str,
    prefix: str,
    *,
    delimiter: bool,
    limit: int,
    column: str,
    order: str,
    after: tuple[str, str | None] | None,
) -> ListV2Page:
    """S3 ListObjectsV2 over the rows the caller may see: keys starting with `prefix` (a raw
    prefix, not a folder), ordered by `column` then name (byte order), after the cursor's
    (name, value); with `delimiter`, the keys below the next `/` after the prefix fold into
    one folder entry (`<prefix…>/`), and the order is by name."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    descending = order == "desc"
    compare = sql.SQL("<" if descending else ">")
    direction = sql.SQL("desc" if descending else "asc")
    params: dict[str, Any] = {
        "bucket": bucket_id,
        "pattern": escaped + "%",
        "plen": len(prefix),
        "limit": limit + 1,
        "after": after[0] if after else None,
        "after_value": after[1] if after else None,
    }
    if delimiter:
        query = sql.SQL(
            """
            with entries as (
                select
                    case
                        when pg_catalog.strpos(pg_catalog.substr(o.name, %(plen)s + 1), '/') > 0
                            then pg_catalog.left(o.name, %(plen)s
                                + pg_catalog.strpos(pg_catalog.substr(o.name, %(plen)s + 1), '/'))
                        else o.name
                    end collate "C" as entry,
                    o.name, o.id, o.updated_at, o.created_at, o.last_accessed_at, o.metadata
                from storage.objects as o
                where o.bucket_id = %(bucket)s and o.name like %(pattern)s escape '\\'
                    and (
                        %(after)s::text is null
                        or (
                            o.name collate "C" {compare} %(after)s
                            -- after a folder (its key ends with /), skip the keys inside it
                            and (
                                pg_catalog.right(%(after)s, 1) <> '/'
                                or pg_catalog.left(o.name, pg_catalog.length(%(after)s))
                                <> %(after)s
                            )
                        )
                    )
            )
            select distinct on (e.entry) e.entry as name,
                (e.entry <> e.name) as folder, e.id, e.updated_at, e.created_at,
                e.last_accessed_at, e.metadata
            from entries as e
            order by e.entry {direction}
            limit %(limit)s
            """
        ).format(compare=compare, direction=direction)
    else:
        ordered = (
            sql.SQL('o.name collate "C"')
            if column == "name"
            else sql.SQL('(o.{}, o.name collate "C")').format(sql.Identifier(column))
        )
        bound = (
            sql.SQL("%(after)s")
            if column == "name"
            else sql.SQL("(%(after_value)s::timestamptz, %(after)s)")
        )
        sort = (
            sql.SQL('o.name collate "C" {}').format(direction)
            if column == "name"
            else sql.SQL('o.{column} {direction}, o.name collate "C" {direction}').format(
                column=sql.Identifier(column), direction=direction
            )
        )
        query = sql.SQL(
            """
            select o.name, false as folder, o.id, o.updated_at, o.created_at,
                o.last_accessed_at, o.metadata
            from storage.objects as o
            where o.bucket_id = %(bucket)s and o.name like %(pattern)s escape '\\'
                and (%(after)s::text is null or {ordered} {compare} {bound})
            order by {sort}
            limit %(limit)s
            """
        ).format(ordered=ordered, compare=compare, bound=bound, sort=sort)
    cursor = await conn.execute(query, params)
    rows = await cursor.fetchall()
    return ListV2Page(rows[:limit], len(rows) > limit)
