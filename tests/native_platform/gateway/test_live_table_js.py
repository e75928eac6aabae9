"""The live-table scenario once more with @supabase/supabase-js (Node) as every player's client:
each player is a `node table.mjs` process that signs in and subscribes through the gateway."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from native_platform.settings import StackSettings
from tests.helpers.client_json import json_rows
from tests.native_platform.gateway.conftest import PASSWORD, Player, Table
from tests.native_platform.gateway.test_live_table import QUIET_SECONDS, roll

JS_DIR = Path(__file__).parents[1] / "realtime" / "js"
Message = dict[str, Any]


class NodePlayer:
    """One `table.mjs` process; its JSON lines are collected by a reader thread."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.messages: list[Message] = []
        self._arrived: queue.Queue[Message] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._arrived.put(json.loads(line))

    def _drain(self) -> None:
        while not self._arrived.empty():
            self.messages.append(self._arrived.get_nowait())

    def wait_for(self, wanted: Callable[[Message], bool], timeout: float = 10.0) -> Message:
        """The first message (seen or still to come) satisfying `wanted`."""
        deadline = time.monotonic() + timeout
        while True:
            self._drain()
            found = [message for message in self.messages if wanted(message)]
            if found:
                return found[0]
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None:
                raise AssertionError(f"no such message; got {self.messages}")
            try:
                self.messages.append(self._arrived.get(timeout=remaining))
            except queue.Empty:
                continue

    def status(self, kind: str) -> str:
        return str(self.wait_for(lambda m: m["kind"] == kind and bool(m.get("status")))["status"])

    def roll(self, roll_id: str) -> Message:
        return dict(self.wait_for(lambda m: m["kind"] == "roll" and m["record"]["id"] == roll_id))

    def has_roll(self, roll_id: str) -> bool:
        self._drain()
        return any(m["kind"] == "roll" and m["record"]["id"] == roll_id for m in self.messages)

    def presence(self, keys: set[str]) -> None:
        self.wait_for(lambda m: m["kind"] == "presence" and set(m["keys"]) == keys)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Close stdin (the script then leaves its channels and exits) and release the pipes."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
        self._reader.join(timeout=10)
        self.process.stdout.close()


@contextmanager
def node_players(
    settings: StackSettings, players: list[Player], campaign_id: str, mode: str
) -> Iterator[list[NodePlayer]]:
    """One supabase-js process per player, stopped on exit."""
    with ExitStack() as stack:
        started = []
        for player in players:
            arguments = [settings.api_url, settings.anon_key.get_secret_value()]
            process = subprocess.Popen(
                ["node", "table.mjs", *arguments, player.email, PASSWORD, campaign_id, mode],
                cwd=JS_DIR,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            started.append(NodePlayer(process))
            stack.callback(started[-1].stop)
        yield started


def other_campaign(gm: Player) -> str:
    """A second campaign of the same GM, who may read its rolls under RLS."""
    data = gm.client.table("campaigns").insert({"name": "Otra", "target_language": "es"}).execute()
    return str(json_rows(data.data)[0]["id"])


def test_supabase_js_players_at_the_table(
    stack_settings: StackSettings, table: Table, outsider: Player
) -> None:
    """With supabase-js: rolls reach whom RLS and the filter allow, strangers are refused the
    private channel, presence shows the table and drops a client killed with SIGKILL."""
    ana = table.players[0]
    everyone = [table.gm, *table.players]
    elsewhere = other_campaign(table.gm)
    with (
        node_players(stack_settings, everyone, table.campaign_id, "both") as clients,
        node_players(stack_settings, [outsider], table.campaign_id, "table") as strangers,
    ):
        assert [client.status("rolls") for client in clients] == ["SUBSCRIBED"] * 3
        assert [client.status("table") for client in clients] == ["SUBSCRIBED"] * 3
        assert strangers[0].status("table") == "CHANNEL_ERROR"
        gm_feed, ana_feed, ben_feed = clients
        keys = {player.user_id for player in everyone}
        gm_feed.presence(keys)

        public = roll(ana, table.campaign_id, "public")
        for feed in clients:
            assert feed.roll(public)["record"]["visibility"] == "public"
        foreign = roll(table.gm, elsewhere, "public")
        whisper = roll(ana, table.campaign_id, "private")
        assert gm_feed.roll(whisper)["record"]["roller_id"] == ana.user_id
        assert ana_feed.roll(whisper)["record"]["expression"] == "1d20+3"
        time.sleep(QUIET_SECONDS)
        assert not ben_feed.has_roll(whisper)
        assert not any(feed.has_roll(foreign) for feed in clients)

        ben_feed.kill()
        gm_feed.presence(keys - {everyone[2].user_id})
