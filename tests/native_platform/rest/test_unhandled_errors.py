"""A bug in a handler still gets PostgREST's error shape, and the server goes on serving.

The REST app runs without Starlette's error middlewares (`_RestApplication`): its endpoint
answers every error itself, so this is the only net under a handler that raises.
"""

from __future__ import annotations

from typing import Any, NoReturn

import httpx
import pytest

from native_platform.rest import app as rest_app
from native_platform.settings import StackSettings
from tests.native_platform.rest.support import mounted


async def _broken_read(*_: Any) -> NoReturn:
    raise RuntimeError("a bug in the read handler")


def test_a_handler_bug_answers_postgrests_500_and_the_next_request_is_served(
    rest_dsn: str, stack_settings: StackSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        mounted(rest_dsn, stack_settings) as url,
        httpx.Client(base_url=url + "/rest/v1", timeout=10) as http,
    ):
        with monkeypatch.context() as patch:
            patch.setattr(rest_app, "handle_read", _broken_read)
            broken = http.get("/films")
            head = http.head("/films")
        assert broken.status_code == 500
        assert broken.headers["content-type"].startswith("application/json")
        assert broken.json() == {
            "code": "XX000",
            "details": None,
            "hint": None,
            "message": "Internal server error",
        }
        assert head.status_code == 500 and head.content == b""
        assert http.get("/films", params={"limit": "1"}).status_code == 200
