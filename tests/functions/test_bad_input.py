"""Every function answers bad input in its protocol's shape (issue 12): a request that fails
validation, an unknown route and a method a route does not have are 4xx in PostgREST's
`{code, message, details, hint}` (dice, cms, search) or Storage's `{statusCode, error, message,
code}` (storage); never FastAPI's `{"detail": …}`, never a 500.

Each function is served on its own (as the gateway mounts it) over this test's database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from functions.cms.main import create_app as create_cms
from functions.common.config import ContentSettings
from functions.dice.config import DiceSettings
from functions.dice.main import create_app as create_dice
from functions.search.main import create_app as create_search
from functions.storage.config import StorageSettings
from functions.storage.main import create_app as create_storage
from native_platform.settings import StackSettings
from tests.helpers.servers import serve

POSTGREST = {"code", "message", "details", "hint"}
STORAGE = {"statusCode", "error", "message", "code"}

# (function, method, path, body or query, status(es) the protocol answers)
BAD_REQUESTS: list[tuple[str, str, str, dict[str, Any] | None, set[int]]] = [
    ("dice", "GET", "/odds", None, {400}),  # `expression` missing
    ("dice", "POST", "/odds/check", {"dc": "high"}, {400}),
    ("dice", "GET", "/no-such-route", None, {404}),
    ("dice", "DELETE", "/odds", None, {405}),
    ("cms", "POST", "/", None, {401}),  # no webhook secret
    ("cms", "GET", "/no-such-route", None, {404}),
    ("cms", "GET", "/webhook", None, {405}),
    ("search", "GET", "/", {"q": ""}, {422}),
    ("search", "POST", "/", {"q": "perro", "page": 0}, {422}),
    ("search", "GET", "/keys", None, {405}),
    ("search", "GET", "/no/such/route", None, {404}),
    ("storage", "POST", "/bucket", {"public": "maybe"}, {400}),
    ("storage", "GET", "/no-such-route", None, {404}),
    ("storage", "PATCH", "/bucket", None, {404}),  # Storage answers a wrong method as a 404
]


@contextmanager
def served(
    name: str, stack: StackSettings, config: ContentSettings, dbname: str, root: Path
) -> Iterator[str]:
    if name == "dice":
        login = SecretStr(stack.authenticator_url(dbname))
        app = create_dice(DiceSettings(database_url=login, jwt_secret=stack.jwt_secret))
    elif name == "cms":
        app = create_cms(config)
    elif name == "search":
        app = create_search(config)
    else:
        app = create_storage(
            StorageSettings(
                database_url=SecretStr(config.database_url.get_secret_value()),
                jwt_secret=stack.jwt_secret,
                file_root=root,
            )
        )
    with serve(app) as url:
        yield url


@pytest.fixture
def urls(
    stack_settings: StackSettings, functions_config: ContentSettings, db_dsn: str, tmp_path: Path
) -> Iterator[dict[str, str]]:
    where = (stack_settings, functions_config, db_dsn.rsplit("/", 1)[1], tmp_path)
    with (
        served("dice", *where) as dice,
        served("cms", *where) as cms,
        served("search", *where) as search,
        served("storage", *where) as storage,
    ):
        yield {"dice": dice, "cms": cms, "search": search, "storage": storage}


def test_every_function_answers_bad_input_in_its_protocol_shape(
    urls: dict[str, str], stack_settings: StackSettings
) -> None:
    """Validation errors, unknown routes and wrong methods: 4xx, the protocol's body."""
    key = stack_settings.service_role_key.get_secret_value()
    headers = {"Authorization": f"Bearer {key}", "apikey": key}
    failures = []
    with httpx.Client(timeout=30) as http:
        for name, method, path, payload, statuses in BAD_REQUESTS:
            query = payload if method == "GET" else None
            body = payload if method != "GET" else None
            response = http.request(
                method, urls[name] + path, params=query, json=body, headers=headers
            )
            shape = STORAGE if name == "storage" else POSTGREST
            parsed = response.json() if response.content else {}
            if response.status_code not in statuses or set(parsed) != shape:
                failures.append((name, method, path, response.status_code, parsed))
    assert failures == []
