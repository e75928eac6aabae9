"""What game modules add to a check (issue 21): 10 enabled modules, 50 equipped items.

Run with the stack's env file: `RFL_ENV_FILE=.local/<you>/.env .venv/bin/python
bench/bench_modules.py [--rolls N] [--runs R]`. It creates its own scratch database (all
migrations), installs 10 generated modules (5 item templates each, modifiers for several check
types, one own modifier kind each), enables them for a campaign and gives the character 50
equipped items of them, and one active condition per module; a second campaign of the player
enables none. Then, per run, it times the same vocabulary check two ways, alternating, each as
the dice service does it in the request's transaction as the player:
`functions.dice.module_modifiers.module_modifiers` (one call of
app_private.check_module_sources; templates and resolved terms cached per installed version
after the first roll) + plan_check with what it found + perform:

- without modules: for the character of the campaign that enables none (the call finds nothing);
- with modules: for the character of the campaign with 10 modules (70 item terms + 10 conditions);
- with modules, read as before: the equipped items read through the RLS of the four module tables
  (the service's query before app_private.check_module_sources), then the same plan: a
  reference measured under the same load, printed as a ratio.

Target: the median of the run medians differs by < 1 ms. Prints each run's medians in ms and
the machine load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import time
from typing import Any
from uuid import UUID

import psycopg

from functions.dice.models.rolls import AbilityCheckCreate
from functions.dice.module_modifiers import module_modifiers
from functions.dice.rolling import perform, plan_check
from functions.dice.store import Sheet
from functions.modules.manifest import Manifest
from functions.modules.store import install_manifests
from native_platform.scratch import migrated_database
from native_platform.settings import load_settings
from py_rules import CEFR, Ability, Proficiency

MODULES, ITEMS = 10, 50
# The service's read before app_private.check_module_sources (items only, under RLS).
RLS_READ = (
    "select i.module_id, cm.version, i.item_key, v.installed_at"
    " from public.character_module_items as i"
    " join public.characters as ch on ch.id = i.character_id"
    " join public.campaign_game_modules as cm"
    " on cm.campaign_id = ch.campaign_id and cm.module_id = i.module_id and cm.enabled"
    " join public.game_module_versions as v"
    " on v.module_id = cm.module_id and v.version = cm.version"
    " where i.character_id = %s and i.equipped and i.active"
)
CHECKS = ["vocabulary", "grammar", "speaking", "listening", "reading"]


def manifest(n: int) -> Manifest:
    kind = f"knack_{n}"
    items = [
        {
            "key": f"item_{i}",
            "name": {"en": f"Item {n}.{i}"},
            "slot": "trinket",
            "modifiers": [
                {"value": 1, "type": kind, "checks": [CHECKS[i], CHECKS[(i + 1) % 5]]},
                {"value": 1, "type": "item", "checks": ["vocabulary"]},
            ],
        }
        for i in range(5)
    ]
    return Manifest.model_validate(
        {
            "id": f"bench-module-{n}",
            "version": "1.0.0",
            "publisher": "bench",
            "title": {"en": f"Bench {n}"},
            "authors": [{"name": "bench"}],
            "licence": "CC0-1.0",
            "engine": "^1.0.0",
            "provides": {
                "items": items,
                "rules": {
                    "modifier_kinds": [{"name": kind}],
                    "conditions": [{"name": "focused", "modifiers": [{"value": 1, "type": kind}]}],
                },
            },
        }
    )


def arrange(conn: psycopg.Connection[Any]) -> tuple[str, str, str, str]:
    player = conn.execute(
        "insert into auth.users (email) values ('bench-player@example.test') returning id"
    ).fetchone()
    gm = conn.execute(
        "insert into auth.users (email) values ('bench-gm@example.test') returning id"
    ).fetchone()
    assert player and gm
    campaign = conn.execute(
        "insert into public.campaigns (owner_id, name, target_language)"
        " values (%s, 'Bench', 'es') returning id",
        (gm[0],),
    ).fetchone()
    assert campaign
    conn.execute(
        "insert into public.campaign_members (campaign_id, user_id, role)"
        " values (%s, %s, 'player')",
        (campaign[0], player[0]),
    )
    character = conn.execute(
        "insert into public.characters (campaign_id, owner_id, name) values (%s, %s, 'B')"
        " returning id",
        (campaign[0], player[0]),
    ).fetchone()
    assert character
    plain = conn.execute(
        "with c as (insert into public.campaigns (owner_id, name, target_language)"
        " values (%s, 'Plain', 'es') returning id),"
        " m as (insert into public.campaign_members (campaign_id, user_id, role)"
        " select id, %s, 'player' from c)"
        " insert into public.characters (campaign_id, owner_id, name) select id, %s, 'P' from c"
        " returning id",
        (gm[0], player[0], player[0]),
    ).fetchone()
    assert plain
    conn.execute("set role service_role")
    install_manifests(conn, [manifest(n) for n in range(MODULES)])
    conn.execute("reset role")
    for n in range(MODULES):
        conn.execute(
            "insert into public.campaign_game_modules (campaign_id, module_id, version)"
            " values (%s, %s, '1.0.0')",
            (campaign[0], f"bench-module-{n}"),
        )
        for i in range(ITEMS // MODULES):
            conn.execute(
                "insert into public.character_module_items"
                " (character_id, module_id, item_key, equipped) values (%s, %s, %s, true)",
                (character[0], f"bench-module-{n}", f"item_{i}"),
            )
        conn.execute(
            "insert into public.character_conditions (character_id, module_id, condition)"
            " values (%s, %s, 'focused')",
            (character[0], f"bench-module-{n}"),
        )
    return str(player[0]), str(character[0]), str(plain[0]), str(campaign[0])


async def timed(fn: Any) -> float:
    start = time.perf_counter()
    await fn()
    return (time.perf_counter() - start) * 1000


async def measure(
    url: str, player: str, character: str, plain_character: str, rolls: int, runs: int
) -> None:
    check = AbilityCheckCreate(kind="ability", ability=Ability.VOCABULARY, level=CEFR.B1)
    sheet = Sheet(dict.fromkeys(Ability, 12), "es", Proficiency.TRAINED, {})
    seed = "ab" * 32
    claims = json.dumps({"role": "authenticated", "sub": player})
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as api:
        reference: list[Any] = []

        async def as_player(modules: bool, rls_read: bool = False) -> None:
            async with api.transaction():
                await api.execute(
                    "select set_config('role', 'authenticated', true),"
                    " set_config('request.jwt.claims', %s, true)",
                    (claims,),
                )
                roller = UUID(character if modules else plain_character)
                if rls_read:  # then the same terms, as the resolution was cached
                    async with api.cursor() as cur:
                        await cur.execute(RLS_READ, (roller,), prepare=True)
                        assert len(await cur.fetchall()) == ITEMS
                    found = reference
                else:
                    found = await module_modifiers(api, roller, "vocabulary")
                # per module: 5 item bonuses + 2 knacks + its condition
                assert len(found) == (MODULES * 8 if modules else 0)
                perform(plan_check(check, sheet, [], None, found), seed, "c", 1)

        async with api.transaction():
            await api.execute(
                "select set_config('role', 'authenticated', true),"
                " set_config('request.jwt.claims', %s, true)",
                (claims,),
            )
            reference += await module_modifiers(api, UUID(character), "vocabulary")
        medians: list[tuple[float, float, float]] = []
        for run in range(runs):
            plain, moduled, before = [], [], []
            for _ in range(rolls):
                plain.append(await timed(lambda: as_player(False)))
                moduled.append(await timed(lambda: as_player(True)))
                before.append(await timed(lambda: as_player(True, rls_read=True)))
            three = (
                statistics.median(plain),
                statistics.median(moduled),
                statistics.median(before),
            )
            medians.append(three)
            print(
                f"run {run + 1}: without {three[0]:.3f} ms, with modules {three[1]:.3f} ms,"
                f" read as before {three[2]:.3f} ms"
            )
        added = statistics.median(m - p for p, m, _ in medians)
        added_before = statistics.median(b - p for p, _, b in medians)
        print(f"added by {MODULES} modules / {ITEMS} items: {added:.3f} ms (target < 1 ms)")
        print(f"verdict: {added:.3f} ms added (aim < 1 ms): {'met' if added < 1 else 'NOT met'}")
        print(
            f"added when read as before: {added_before:.3f} ms"
            f" (now {added / added_before:.2f} of it)"
        )
        print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rolls", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    settings = load_settings()
    with migrated_database(settings, f"rfl_bench_modules_{os.getpid()}") as dsn:
        with psycopg.connect(dsn, autocommit=True) as conn:
            player, character, plain, _ = arrange(conn)
        url = settings.authenticator_url(dsn.rsplit("/", 1)[1])
        asyncio.run(measure(url, player, character, plain, args.rolls, args.runs))


if __name__ == "__main__":
    main()
