"""The data core's access matrix: what each actor sees and changes, by table and operation.

Each cell lists the labelled rows (see `world.py`) an actor sees (select) or changes
(update, delete, one row at a time), or `new` when its insert of a fresh row succeeds.
`insert (dice service)` is an insert in a transaction the dice service marked with
`app.roll_source`; plain `insert` is what a client can send through the REST API. The SQL test
(`test_access_matrix.py`) and its HTTP replay (`tests/native_platform/rest/
test_access_matrix_http.py`) both check it.

Realtime column: an INSERT or UPDATE of a row reaches an actor subscribed to its table iff the
actor's select cell lists the row (Postgres RLS decides, as for a read); `test_access_matrix.py`
replays every labelled row as an UPDATE to every actor at once. A DELETE cannot be checked (the
row is gone): it reaches every actor whose role may select the table, old record cut to the key.
"""

from __future__ import annotations

__all__ = ["ACTORS", "MATRIX", "REALTIME", "UPDATE_COLUMN"]

ACTORS = ("anon", "player", "other", "gm", "observer", "moderator", "admin", "editor")
C1_MEMBERS = "c1:gm c1:player c1:observer"
C2_MEMBERS = "c2:gm2 c2:other"
ALL_PROFILES = "p_gm p_player p_other p_observer p_moderator p_admin p_editor p_gm2"
ALL_CHARACTERS = "ch_player ch_gm ch_other"

# (table, operation) -> {actor: "labels"}; an actor left out gets nothing.
# fmt: off
MATRIX: dict[tuple[str, str], dict[str, str]] = {
    ("profiles", "select"): {
        "player": ALL_PROFILES, "other": ALL_PROFILES, "gm": ALL_PROFILES,
        "observer": ALL_PROFILES, "moderator": ALL_PROFILES, "admin": ALL_PROFILES,
        "editor": ALL_PROFILES,
    },
    ("profiles", "insert"): {},
    ("profiles", "update"): {
        "player": "p_player", "other": "p_other", "gm": "p_gm", "observer": "p_observer",
        "moderator": "p_moderator", "admin": ALL_PROFILES, "editor": "p_editor",
    },
    ("profiles", "delete"): {},
    ("campaigns", "select"): {
        "anon": "c2", "player": "c1 c2", "other": "c2", "gm": "c1 c2", "observer": "c1 c2",
        "moderator": "c1 c2", "admin": "c1 c2", "editor": "c2",
    },
    ("campaigns", "insert"): {
        "player": "new", "other": "new", "gm": "new", "observer": "new", "moderator": "new",
        "admin": "new", "editor": "new",
    },
    ("campaigns", "update"): {"gm": "c1", "moderator": "c1 c2", "admin": "c1 c2"},
    ("campaigns", "delete"): {"gm": "c1", "moderator": "c1 c2", "admin": "c1 c2"},
    ("campaign_members", "select"): {
        "player": C1_MEMBERS, "other": C2_MEMBERS, "gm": C1_MEMBERS, "observer": C1_MEMBERS,
        "moderator": f"{C1_MEMBERS} {C2_MEMBERS}", "admin": f"{C1_MEMBERS} {C2_MEMBERS}",
    },
    ("campaign_members", "insert"): {"gm": "new"},
    ("campaign_members", "update"): {"gm": C1_MEMBERS},
    ("campaign_members", "delete"): {
        "player": "c1:player", "other": "c2:other", "gm": "c1:player c1:observer",
        "observer": "c1:observer",
    },
    ("campaign_invitations", "select"): {"gm": "inv1"},
    ("campaign_invitations", "insert"): {"gm": "new"},
    ("campaign_invitations", "update"): {"gm": "inv1"},
    ("campaign_invitations", "delete"): {"gm": "inv1"},
    ("characters", "select"): {
        "anon": "ch_other", "player": ALL_CHARACTERS, "other": "ch_other", "gm": ALL_CHARACTERS,
        "observer": ALL_CHARACTERS, "moderator": ALL_CHARACTERS, "admin": ALL_CHARACTERS,
        "editor": "ch_other",
    },
    ("characters", "insert"): {"player": "new", "gm": "new"},
    ("characters", "update"): {"player": "ch_player", "other": "ch_other", "gm": "ch_player ch_gm"},
    ("characters", "delete"): {"player": "ch_player", "other": "ch_other", "gm": "ch_player ch_gm"},
    ("items", "select"): {
        "anon": "item_pub", "player": "item_pub", "other": "item_pub", "gm": "item_pub",
        "observer": "item_pub", "moderator": "item_pub", "admin": "item_pub item_draft",
        "editor": "item_pub item_draft",
    },
    ("items", "insert"): {"admin": "new", "editor": "new"},
    ("items", "update"): {"admin": "item_pub item_draft", "editor": "item_pub item_draft"},
    # item_pub is still carried by characters (foreign key restrict).
    ("items", "delete"): {"admin": "item_draft", "editor": "item_draft"},
    ("character_items", "select"): {
        "anon": "ci_other", "player": "ci_player ci_other", "other": "ci_other",
        "gm": "ci_player ci_other", "observer": "ci_player ci_other",
        "moderator": "ci_player ci_other", "admin": "ci_player ci_other", "editor": "ci_other",
    },
    ("character_items", "insert"): {"gm": "new"},
    ("character_items", "update"): {"player": "ci_player", "other": "ci_other", "gm": "ci_player"},
    ("character_items", "delete"): {"gm": "ci_player"},
    ("dice_rolls", "select"): {
        "anon": "r_c2", "player": "r_pub r_gm r_priv r_c2", "other": "r_c2 r_c2_priv",
        "gm": "r_pub r_gm r_priv r_gm_priv r_c2", "observer": "r_pub r_c2",
        "moderator": "r_pub r_c2", "admin": "r_pub r_c2", "editor": "r_c2",
    },
    ("dice_rolls", "insert"): {},
    ("dice_rolls", "insert (dice service)"): {"player": "new", "gm": "new"},
    ("dice_rolls", "update"): {},
    ("dice_rolls", "delete"): {},
}
# fmt: on

# The column each update sets to its own value.
UPDATE_COLUMN = {
    "profiles": "display_name",
    "campaigns": "name",
    "campaign_members": "role",
    "campaign_invitations": "revoked_at",
    "characters": "name",
    "items": "name",
    "character_items": "equipped",
    "dice_rolls": "total",
}

# table -> {actor: labels} of the row changes realtime delivers: the select column.
REALTIME: dict[str, dict[str, str]] = {
    table: cells for (table, operation), cells in MATRIX.items() if operation == "select"
}
