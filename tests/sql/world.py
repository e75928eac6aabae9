"""A small campaign world arranged as the superuser, with a label for every row.

Two campaigns: `c1` (private, run by `gm`, with `player` and `observer`) and `c2` (public, run by
`gm2`, with `other` as player). `moderator`, `admin` and `editor` hold app roles and belong to no
campaign; `stranger` exists only to be added to campaigns.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

__all__ = ["ROWS", "USERS", "build_world"]

USERS: dict[str, UUID] = {
    name: UUID(f"00000000-0000-4000-b000-{number:012d}")
    for number, name in enumerate(
        ["gm", "player", "other", "observer", "moderator", "admin", "editor", "gm2", "stranger"],
        start=1,
    )
}

C1 = UUID("10000000-0000-4000-b000-000000000001")
C2 = UUID("10000000-0000-4000-b000-000000000002")

# label -> primary key (as a dict of column -> value) of every arranged row, per table.
ROWS: dict[str, dict[str, dict[str, Any]]] = {
    "profiles": {f"p_{name}": {"id": uid} for name, uid in USERS.items() if name != "stranger"},
    "campaigns": {"c1": {"id": C1}, "c2": {"id": C2}},
    "campaign_members": {
        f"{campaign}:{user}": {"campaign_id": cid, "user_id": USERS[user]}
        for campaign, cid, user in [
            ("c1", C1, "gm"),
            ("c1", C1, "player"),
            ("c1", C1, "observer"),
            ("c2", C2, "gm2"),
            ("c2", C2, "other"),
        ]
    },
    "campaign_invitations": {
        "inv1": {"id": UUID("60000000-0000-4000-b000-000000000001")},
        "inv2": {"id": UUID("60000000-0000-4000-b000-000000000002")},
    },
    "characters": {
        "ch_player": {"id": UUID("30000000-0000-4000-b000-000000000001")},
        "ch_gm": {"id": UUID("30000000-0000-4000-b000-000000000002")},
        "ch_other": {"id": UUID("30000000-0000-4000-b000-000000000003")},
    },
    "items": {
        "item_pub": {"id": UUID("20000000-0000-4000-b000-000000000001")},
        "item_draft": {"id": UUID("20000000-0000-4000-b000-000000000002")},
    },
    "character_items": {
        "ci_player": {"id": UUID("40000000-0000-4000-b000-000000000001")},
        "ci_other": {"id": UUID("40000000-0000-4000-b000-000000000002")},
    },
    "dice_rolls": {
        label: {"id": UUID(f"50000000-0000-4000-b000-{number:012d}")}
        for number, label in enumerate(
            ["r_pub", "r_gm", "r_priv", "r_gm_priv", "r_c2", "r_c2_priv"], start=1
        )
    },
}

ARRANGE = """
select set_config('app.roll_source', 'dice-service', true);
insert into auth.users (id, email)
select id, 'u' || right(id::text, 2) || '@matrix.test' from unnest(%(users)s::uuid[]) as id;
delete from public.profiles where id = %(stranger)s;
insert into app_private.user_roles (user_id, role) values
    (%(moderator)s, 'moderator'), (%(admin)s, 'admin'), (%(editor)s, 'content_editor');
insert into public.campaigns (id, owner_id, name, target_language, visibility) values
    (%(c1)s, %(gm)s, 'Private one', 'es', 'private'),
    (%(c2)s, %(gm2)s, 'Public one', 'ja', 'public');
insert into public.campaign_members (campaign_id, user_id, role) values
    (%(c1)s, %(player)s, 'player'), (%(c1)s, %(observer)s, 'observer'),
    (%(c2)s, %(other)s, 'player');
insert into public.campaign_invitations (id, campaign_id, created_by, code_hash, expires_at)
values
    (%(inv1)s, %(c1)s, %(gm)s, repeat('a', 64), now() + interval '1 day'),
    (%(inv2)s, %(c2)s, %(gm2)s, repeat('b', 64), now() + interval '1 day');
insert into public.characters (id, campaign_id, owner_id, name) values
    (%(ch_player)s, %(c1)s, %(player)s, 'Rosa'),
    (%(ch_gm)s, %(c1)s, %(gm)s, 'The Innkeeper'),
    (%(ch_other)s, %(c2)s, %(other)s, 'Haruka');
insert into public.items (id, name, kind, is_published) values
    (%(item_pub)s, 'Dictionary', 'book', true), (%(item_draft)s, 'Amulet', 'trinket', false);
insert into public.character_items (id, character_id, item_id) values
    (%(ci_player)s, %(ch_player)s, %(item_pub)s), (%(ci_other)s, %(ch_other)s, %(item_pub)s);
insert into public.dice_rolls (
    id, campaign_id, roller_id, expression, total, visibility, server_seed_hash, client_seed, nonce
) values
    (%(r_pub)s, %(c1)s, %(player)s, '1d20', 11, 'public', repeat('c', 64), 's', 1),
    (%(r_gm)s, %(c1)s, %(player)s, '1d20', 12, 'gm', repeat('c', 64), 's', 2),
    (%(r_priv)s, %(c1)s, %(player)s, '1d20', 13, 'private', repeat('c', 64), 's', 3),
    (%(r_gm_priv)s, %(c1)s, %(gm)s, '1d20', 14, 'private', repeat('c', 64), 's', 4),
    (%(r_c2)s, %(c2)s, %(other)s, '1d20', 15, 'public', repeat('c', 64), 's', 5),
    (%(r_c2_priv)s, %(c2)s, %(other)s, '1d20', 16, 'private', repeat('c', 64), 's', 6);
"""


def build_world(conn: psycopg.Connection[Any]) -> None:
    """Arrange the world's rows as the superuser (bypassing RLS)."""
    params: dict[str, Any] = {"users": list(USERS.values()), **USERS, "c1": C1, "c2": C2}
    for table, rows in ROWS.items():
        if table not in {"profiles", "campaigns", "campaign_members"}:
            params.update({label: key["id"] for label, key in rows.items()})
    with conn.transaction():
        for statement in ARRANGE.split(";\n"):
            if statement.strip():
                conn.execute(statement, params)
