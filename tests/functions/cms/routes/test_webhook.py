"""The Strapi webhook over real HTTP: authenticated, validated, idempotent, nothing on rejection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson
import psycopg
import pytest

from functions.cms.main import create_app
from functions.common.config import FunctionsConfig
from tests.helpers.servers import serve


@contextmanager
def webhook_client(config: FunctionsConfig) -> Iterator[httpx.Client]:
    secret = config.cms_webhook_secret.get_secret_value()
    with (
        serve(create_app(config)) as url,
        httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {secret}"}, timeout=10
        ) as client,
    ):
        yield client


@pytest.fixture
def webhook(functions_config: FunctionsConfig) -> Iterator[httpx.Client]:
    """The webhook over this test's own database."""
    with webhook_client(functions_config) as client:
        yield client


@pytest.fixture(scope="module")
def rejecting(
    module_config: FunctionsConfig, module_dsn: str
) -> Iterator[tuple[httpx.Client, psycopg.Connection]]:
    """One webhook and database for the rejection tests, which must leave it empty."""
    with (
        webhook_client(module_config) as client,
        psycopg.connect(module_dsn, autocommit=True) as db,
    ):
        yield client, db


def event(**entry: Any) -> dict[str, Any]:
    body = {
        "id": 3,
        "documentId": "lx-de-laufen",
        "locale": "en",
        "createdAt": "2026-11-21T09:00:00.000Z",
        "updatedAt": "2026-11-21T10:00:00.000Z",
        "publishedAt": "2026-11-21T10:00:00.000Z",
        "lemma": "laufen",
        "learningLanguage": "de",
        "partOfSpeech": "verb",
        "cefr": "A1",
        "forms": [{"form": "läuft", "tags": ["pres", "3sg"]}, {"form": "lief"}],
        "gloss": "to run",
        "localizations": [],
        **entry,
    }
    return {
        "event": "entry.publish",
        "createdAt": "2026-11-21T10:00:01.000Z",
        "model": "lexeme",
        "uid": "api::lexeme.lexeme",
        "entry": body,
    }


def stored(db: psycopg.Connection) -> tuple[Any, ...]:
    row = db.execute(
        "select (select count(*) from public.lexemes), (select count(*) from public.lexeme_forms),"
        " (select count(*) from app_private.cms_entries),"
        " (select count(*) from app_private.search_outbox)"
    ).fetchone()
    assert row is not None
    return tuple(row)


def test_receive_applies_then_ignores_replay(webhook: httpx.Client, db: psycopg.Connection) -> None:
    """The first delivery is applied; the identical second one is a no-op."""
    first = webhook.post("/", json=event())
    assert first.status_code == 200
    assert first.json()["outcome"] == "applied"
    before = stored(db)
    second = webhook.post("/webhook", json=event())
    assert second.json()["outcome"] == "duplicate"
    assert stored(db) == before


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-secret-value", "Basic abc"])
def test_receive_rejects_bad_secret(
    rejecting: tuple[httpx.Client, psycopg.Connection], authorization: str | None
) -> None:
    """A missing or wrong shared secret is a 401 and writes nothing."""
    webhook, db = rejecting
    headers = {"Authorization": authorization} if authorization else {"Authorization": ""}
    response = webhook.post("/", json=event(), headers=headers)
    assert response.status_code == 401
    assert stored(db) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b"[]", 422),
        (orjson.dumps({**event(), "model": "spell"}), 422),
        (orjson.dumps({**event(), "event": "entry.explode"}), 422),
        (orjson.dumps(event(cefr="D9")), 422),
        (orjson.dumps(event(lemma="")), 422),
        (orjson.dumps(event(locale="klingon")), 422),
        (orjson.dumps(event(locale="fr")), 422),
        (orjson.dumps(event(learningLanguage="pt-BR")), 422),
        (orjson.dumps(event(updatedAt="yesterday")), 422),
        (orjson.dumps(event(documentId="../../etc")), 422),
        (orjson.dumps(event(forms=[{"form": "x" * 201}])), 422),
    ],
)
def test_receive_rejects_malformed_payloads(
    rejecting: tuple[httpx.Client, psycopg.Connection], body: bytes, status: int
) -> None:
    """Malformed, unknown-type or invalid events get a clear 4xx and store nothing."""
    webhook, db = rejecting
    response = webhook.post("/", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    assert set(response.json()) == {"code", "message", "details", "hint"}
    assert response.json()["message"]
    assert stored(db) == (0, 0, 0, 0)


def test_receive_rejects_huge_payload(rejecting: tuple[httpx.Client, psycopg.Connection]) -> None:
    """A payload over the size limit is a 413, declared or streamed."""
    webhook, db = rejecting
    huge = orjson.dumps(event(hint="x" * 400_000))
    assert webhook.post("/", content=huge).status_code == 413

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(huge), 65536):
            yield huge[start : start + 65536]

    assert webhook.post("/", content=chunks()).status_code == 413
    assert stored(db) == (0, 0, 0, 0)
