"""Due counts follow time (issue 23): a lexeme that falls due without any write reaches the
player's private `learner:<id>` channel through the scheduled job
(`app_private.refresh_due_counts`, run by pg_cron every minute; run here as pg_cron would), and
the next run, where nothing changed, sends nothing (sql/tests/learning_due_counts.test.sql
checks the counts, batches and a run before anything fell due)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import psycopg
from realtime import RealtimeSubscribeStates

from native_platform.settings import StackSettings
from tests.native_platform.gateway.conftest import Table
from tests.native_platform.gateway.test_learning_session import invoke, words  # noqa: F401
from tests.native_platform.gateway.test_live_table import connect, subscribed


def _superuser(settings: StackSettings) -> psycopg.Connection[Any]:
    return psycopg.connect(settings.database_url.get_secret_value(), autocommit=True)


def _pass_time(settings: StackSettings, user_id: str, by: str) -> None:
    """`by` passes for the player: their due dates and stats' instants move into the past."""
    with _superuser(settings) as db:
        db.execute(
            "update public.review_states set due = due - %s::interval where user_id = %s",
            (by, user_id),
        )
        db.execute(
            "update public.learner_stats set updated_at = updated_at - %s::interval,"
            " next_due_at = next_due_at - %s::interval where user_id = %s",
            (by, by, user_id),
        )


def _refresh(settings: StackSettings) -> None:
    """One run of the job as pg_cron runs it; repeated while other players' rows are in
    the batch (the shared stack has many players)."""
    with _superuser(settings) as db:
        while db.execute("select app_private.refresh_due_counts()").fetchone() == (500,):
            pass


def test_a_lexeme_falling_due_reaches_the_learner_channel(
    stack_settings: StackSettings,
    table: Table,
    words: dict[str, uuid.UUID],  # noqa: F811
) -> None:
    ana = table.players[0]
    private: Any = {"config": {"private": True}}
    invoke(ana, "learning/reviews", {"lexeme_id": str(words["perro"]), "rating": "good"})
    _pass_time(stack_settings, ana.user_id, "30 days")  # (broadcast too: before subscribing)

    async def scenario() -> list[Any]:
        client = await connect(stack_settings, ana)
        try:
            stats: asyncio.Queue[Any] = asyncio.Queue()
            channel = client.channel(f"learner:{ana.user_id}", private)
            channel.on_broadcast("update", stats.put_nowait)
            assert await subscribed(channel) == RealtimeSubscribeStates.SUBSCRIBED
            await asyncio.to_thread(_refresh, stack_settings)
            async with asyncio.timeout(10):
                first = await stats.get()
            await asyncio.to_thread(_refresh, stack_settings)  # nothing changed since
            await asyncio.sleep(1)
            return [first, *[stats.get_nowait() for _ in range(stats.qsize())]]
        finally:
            await client.close()

    received = asyncio.run(scenario())
    assert len(received) == 1, received
    payload = received[0]["payload"]
    assert payload["old_record"]["due_count"] == 0
    assert (payload["record"]["user_id"], payload["record"]["due_count"]) == (ana.user_id, 1)
