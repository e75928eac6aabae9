"""What game modules add to a check (issue 21): 10 enabled modules, 50 equipped items.

Run with the stack's env file: `RFL_ENV_FILE=.local/<you>/.env .venv/bin/python
bench/bench_modules.py [--rolls N] [--runs R]`. It creates its own scratch database (all
migrations), installs 10 generated modules (5 item templates each, modifiers for several check
types, one own modifier kind each), enables them for a campaign and gives the character 50
equipped items of them. Then, per run, it times the same vocabulary check two ways, alternating:

- without modules: plan_check + perform, as the dice service does with no module item;
- with modules: the module read the service adds (`functions.dice.module_modifiers`' query as
  the player, under RLS, in the request's transaction) + resolving the modifiers + plan_check
  (with the modules' kinds in the registry) + perform.

Target: the median of the run medians differs by < 1 ms. Prints each run's medians in ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any

import psycopg

from functions.dice.models.rolls import AbilityCheckCreate
from functions.dice.module_modifiers import _EQUIPPED, EquippedItem, resolve_module_modifiers
from functions.dice.rolling import perform, plan_check
from functions.dice.store import Sheet
from functions.modules.manifest import Manifest
from functions.modules.store import install_manifests
from native_platform.scratch import migrated_database
from native_platform.settings import load_settings
from py_rules import CEFR, Ability, Proficiency

MODULES, ITEMS = 10, 50
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
            "provides": {"items": items, "rules": {"modifier_kinds": [{"name": kind}]}},
        }
    )


def arrange(conn: psycopg.Connection[Any]) -> tuple[str, str, str]:
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
    return str(player[0]), str(character[0]), str(campaign[0])


def timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rolls", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    settings = load_settings()
    check = AbilityCheckCreate(kind="ability", ability=Ability.VOCABULARY, level=CEFR.B1)
    sheet = Sheet(dict.fromkeys(Ability, 12), "es", Proficiency.TRAINED, {})
    seed = "ab" * 32
    with migrated_database(settings, f"rfl_bench_modules_{os.getpid()}") as dsn:
        with psycopg.connect(dsn, autocommit=True) as conn:
            player, character, _ = arrange(conn)
        name = dsn.rsplit("/", 1)[1]
        with psycopg.connect(settings.authenticator_url(name), autocommit=True) as api:
            claims = json.dumps({"role": "authenticated", "sub": player})

            def as_player(work: Any) -> Any:
                with api.transaction():
                    api.execute(
                        "select set_config('role', 'authenticated', true),"
                        " set_config('request.jwt.claims', %s, true)",
                        (claims,),
                    )
                    return work()

            def without() -> None:
                as_player(lambda: perform(plan_check(check, sheet, []), seed, "c", 1))

            def with_modules() -> None:
                def work() -> None:
                    rows = api.execute(_EQUIPPED, (character,), prepare=True).fetchall()
                    items = [EquippedItem(*row) for row in rows]
                    modules = resolve_module_modifiers(items, "vocabulary")
                    assert len(modules) == MODULES * 7  # 5 item bonuses + 2 knacks per module
                    perform(plan_check(check, sheet, [], None, modules), seed, "c", 1)

                as_player(work)

            medians: list[tuple[float, float]] = []
            for run in range(args.runs):
                plain, moduled = [], []
                for _ in range(args.rolls):
                    plain.append(timed(without))
                    moduled.append(timed(with_modules))
                pair = (statistics.median(plain), statistics.median(moduled))
                medians.append(pair)
                print(f"run {run + 1}: without {pair[0]:.3f} ms, with modules {pair[1]:.3f} ms")
            added = statistics.median(m - p for p, m in medians)
            print(f"added by {MODULES} modules / {ITEMS} items: {added:.3f} ms (target < 1 ms)")


if __name__ == "__main__":
    main()
