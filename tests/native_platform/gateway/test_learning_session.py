"""A learning session end to end with the official clients (issue 23): challenge -> answer ->
review -> the next challenge prefers the due lexeme -> familiarity in the roll's breakdown; the
player's stats arrive on their private `learner:<id>` channel, the gm's readiness on
`readiness:<campaign>`, and the review tables answer REST under row-level security."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import psycopg
import pytest
from postgrest.exceptions import APIError
from realtime import RealtimeSubscribeStates

from native_platform.settings import StackSettings
from tests.functions.dice.learning_content import pin_pack
from tests.helpers.client_json import json_rows
from tests.native_platform.gateway.conftest import Player, Table
from tests.native_platform.gateway.test_live_table import connect, subscribed


def invoke(player: Player, path: str, body: dict[str, Any]) -> Any:
    result = player.client.functions.invoke(f"dice/{path}", {"body": body})
    return result if isinstance(result, dict) else json.loads(result)


@pytest.fixture
def words(stack_settings: StackSettings, table: Table) -> dict[str, uuid.UUID]:
    with psycopg.connect(stack_settings.database_url.get_secret_value(), autocommit=True) as db:
        return pin_pack(db, uuid.UUID(table.campaign_id))


def pass_time(stack_settings: StackSettings, player: Player, lexeme: str) -> None:
    """The lexeme's review falls due (as if its interval had passed)."""
    with psycopg.connect(stack_settings.database_url.get_secret_value(), autocommit=True) as db:
        db.execute(
            "update public.review_states set due = now() - interval '1 minute'"
            " where user_id = %s and lexeme_id = %s",
            (player.user_id, lexeme),
        )


def test_a_learning_session_with_the_official_client(
    stack_settings: StackSettings, table: Table, words: dict[str, uuid.UUID]
) -> None:
    """Challenge, answer, review, due-first draw and the familiarity term, over one base URL."""
    ana, ben = table.players
    character = json_rows(
        ana.client.table("characters")
        .insert({"campaign_id": table.campaign_id, "name": "Ana", "vocabulary": 14})
        .execute()
        .data
    )[0]["id"]
    first = invoke(
        ana, "learning/challenges", {"campaign_id": table.campaign_id, "cefr": "A1", "n": 4}
    )
    assert len(first["lexemes"]) == 4 and "lemma" not in first["lexemes"][0]
    perro = str(words["perro"])
    answered = invoke(
        ana, f"learning/challenges/{first['id']}/answers", {"lexeme_id": perro, "answer": "Perros"}
    )
    assert (answered["rating"], answered["xp"]) == ("good", 10)
    for lexeme in first["lexemes"]:
        if lexeme["lexeme_id"] != perro:
            invoke(ana, f"learning/challenges/{first['id']}/answers",
                   {"lexeme_id": lexeme["lexeme_id"], "answer": "no sé"})  # fmt: skip
    pass_time(stack_settings, ana, perro)
    second = invoke(
        ana, "learning/challenges", {"campaign_id": table.campaign_id, "cefr": "A1", "n": 1}
    )
    assert second["lexemes"][0]["lexeme_id"] == perro, "the due lexeme comes first"
    check = {
        "kind": "language",
        "ability": "vocabulary",
        "level": "A1",
        "challenge_id": second["id"],
    }
    rolled = invoke(
        ana, "rolls", {"campaign_id": table.campaign_id, "character_id": character, "check": check}
    )
    terms = rolled["check"]["breakdown"]["terms"]
    assert [t["source"] for t in terms] == ["character_sheet", "character_sheet", "familiarity"]
    assert terms[-1]["id"] == second["id"] and terms[-1]["type"] == "familiarity"
    assert rolled["check"]["modifier"] == sum(t["counted"] for t in terms)
    # REST under RLS: the player reads their own states and log, the other player nothing,
    # the gm aggregates only.
    mine = ana.client.table("review_states").select("lexeme_id, reps").execute()
    assert len(json_rows(mine.data)) == 4
    assert json_rows(ben.client.table("review_logs").select("id").execute().data) == []
    assert (
        json_rows(table.gm.client.table("review_states").select("lexeme_id").execute().data) == []
    )
    readiness = json_rows(
        table.gm.client.rpc("campaign_readiness", {"campaign_id": table.campaign_id}).execute().data
    )
    ana_a1 = [r for r in readiness if r["user_id"] == ana.user_id and r["cefr"] == "A1"]
    assert ana_a1[0]["reviewed"] == 4
    with pytest.raises(APIError):
        ana.client.rpc("campaign_readiness", {"campaign_id": table.campaign_id}).execute()


def test_stats_reach_only_the_player_and_readiness_only_the_gm(
    stack_settings: StackSettings, table: Table, words: dict[str, uuid.UUID]
) -> None:
    """A review's stats arrive on learner:<id> for its player; the other player cannot join it;
    a lexeme the review masters reaches the gm on readiness:<campaign>, which players cannot
    join."""
    ana, ben = table.players
    private: Any = {"config": {"private": True}}
    with psycopg.connect(stack_settings.database_url.get_secret_value(), autocommit=True) as db:
        # gato was learnt 20 days ago (stability 20 d) and is due: a Good review masters it.
        db.execute(
            "insert into public.review_states (user_id, lexeme_id, state, stability, difficulty,"
            " due, last_review, reps) values (%s, %s, 2, 20, 5, now() - interval '1 hour',"
            " now() - interval '20 days', 3)",
            (ana.user_id, words["gato"]),
        )

    async def scenario() -> None:
        clients = [await connect(stack_settings, p) for p in (ana, ben, table.gm)]
        try:
            stats: asyncio.Queue[Any] = asyncio.Queue()
            readiness: asyncio.Queue[Any] = asyncio.Queue()
            mine = clients[0].channel(f"learner:{ana.user_id}", private)
            mine.on_broadcast("insert", stats.put_nowait).on_broadcast("update", stats.put_nowait)
            assert await subscribed(mine) == RealtimeSubscribeStates.SUBSCRIBED
            spy = clients[1].channel(f"learner:{ana.user_id}", private)
            assert await subscribed(spy) == RealtimeSubscribeStates.CHANNEL_ERROR
            gm = clients[2].channel(f"readiness:{table.campaign_id}", private)
            gm.on_broadcast("readiness", readiness.put_nowait)
            assert await subscribed(gm) == RealtimeSubscribeStates.SUBSCRIBED
            nosy = clients[1].channel(f"readiness:{table.campaign_id}", private)
            assert await subscribed(nosy) == RealtimeSubscribeStates.CHANNEL_ERROR
            drawn = await asyncio.to_thread(
                invoke, ana, "learning/challenges", {"campaign_id": table.campaign_id, "n": 1}
            )
            assert drawn["lexemes"][0]["lexeme_id"] == str(words["gato"])
            await asyncio.to_thread(
                invoke, table.gm, f"learning/challenges/{drawn['id']}/grades",
                {"lexeme_id": str(words["gato"]), "rating": "good"},
            )  # fmt: skip
            async with asyncio.timeout(10):
                record = (await stats.get())["payload"]["record"]
                ready = (await readiness.get())["payload"]
        finally:
            for client in clients:
                await client.close()
        assert (record["user_id"], record["xp_today"], record["due_count"]) == (ana.user_id, 10, 0)
        assert (ready["user_id"], ready["cefr"], ready["mastered"]) == (ana.user_id, "A1", 1)

    asyncio.run(scenario())
