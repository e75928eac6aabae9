"""The app mounted like the gateway does (`/realtime/v1`), driven by @supabase/supabase-js."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from native_platform.realtime import create_app
from tests.helpers.servers import serve
from tests.native_platform.realtime.support import RealtimeEnv

JS_DIR = Path(__file__).parent / "js"


@pytest.fixture(scope="module")
def gateway_url(realtime_env: RealtimeEnv) -> Iterator[str]:
    """A Starlette app mounting the realtime app at /realtime/v1 and entering its lifespan."""
    realtime = create_app(realtime_env.settings)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with realtime.router.lifespan_context(realtime):
            yield

    app = Starlette(routes=[Mount("/realtime/v1", app=realtime)], lifespan=lifespan)
    with serve(app) as url:
        yield url


def test_supabase_js_broadcast_presence_and_changes(
    realtime_env: RealtimeEnv, gateway_url: str
) -> None:
    """supabase-js subscribes, gets its acked broadcast, its presence and a table change."""
    token = realtime_env.token(str(uuid.uuid4()))
    anon = realtime_env.token(role="anon")
    lines = []
    with subprocess.Popen(
        ["node", "check.mjs", gateway_url, anon, token, "rt_notes"],
        cwd=JS_DIR,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.strip())
            if line.startswith("READY"):
                note = uuid.uuid4().int % 10**9
                realtime_env.sql("insert into public.rt_notes values (%s, 'from js test')", (note,))
        assert process.wait(timeout=30) == 0, lines
    result = json.loads(lines[-1].removeprefix("RESULT "))
    assert result["ack"] == "ok" and result["broadcast"] == {"x": 1}
    assert result["presence"]["lang"] == "es"
    assert result["change"]["eventType"] == "INSERT"
    assert result["change"]["new"]["body"] == "from js test"
