"""A running search function over indexed sample content, and tokens for each kind of caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from functions.common.config import FunctionsConfig
from functions.search.main import create_app
from native_platform.settings import StackSettings
from tests.functions.conftest import create_restricted_campaign, create_user, token_for
from tests.helpers.servers import serve


@pytest.fixture(scope="module")
def search_url(indexed_config: FunctionsConfig) -> Iterator[str]:
    """The search function's base URL, over the module's indexed sample content."""
    with serve(create_app(indexed_config)) as url:
        yield url


@pytest.fixture(scope="module")
def tokens(module_dsn: str, stack_settings: StackSettings) -> dict[str, str]:
    """Bearer tokens of anon, a player, a member of the restricted campaign and an editor."""
    with psycopg.connect(module_dsn, autocommit=True) as db:
        member = create_user(db, ("player",))
        create_restricted_campaign(db, member)
        player = create_user(db, ("player",))
        editor = create_user(db, ("content_editor",))
    return {
        "anon": token_for(stack_settings, "anon"),
        "player": token_for(stack_settings, "authenticated", player),
        "member": token_for(stack_settings, "authenticated", member),
        "editor": token_for(stack_settings, "authenticated", editor),
    }


def get(url: str, path: str, token: str | None, **params: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if "keys" in path:
        return httpx.post(f"{url}{path}", params=params, headers=headers, timeout=10)
    return httpx.get(f"{url}{path}", params=params, headers=headers, timeout=10)
