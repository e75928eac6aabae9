"""Game modules from the CMS (issue 21): a published Strapi `game-module` entry installs its
manifest through the webhook, as the admin API would (one transaction, dependencies checked);
drafts, unpublishing and deletion install or remove nothing; a bad manifest is the webhook's
422 naming the field, and nothing is installed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from functions.common.config import FunctionsConfig
from tests.functions.cms.routes.test_webhook import webhook_client
from tests.functions.modules.test_modules_manifest import ROOT


@pytest.fixture
def webhook(functions_config: FunctionsConfig) -> Iterator[httpx.Client]:
    with webhook_client(functions_config) as client:
        yield client


def _sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / name / "module.json").read_text())
    return data


def _event(manifest: Any, event: str = "entry.publish", published: bool = True) -> dict[str, Any]:
    return {
        "event": event,
        "createdAt": "2026-12-04T10:00:01.000Z",
        "model": "game-module",
        "uid": "api::game-module.game-module",
        "entry": {
            "id": 7,
            "documentId": "gm-spanish-core",
            "locale": "en",
            "updatedAt": "2026-12-04T10:00:00.000Z",
            "publishedAt": "2026-12-04T10:00:00.000Z" if published else None,
            "manifest": manifest,
        },
    }


def _installed(db_dsn: str) -> list[tuple[str, str]]:
    with psycopg.connect(db_dsn) as db:
        rows = db.execute(
            "select module_id, version from public.game_module_versions order by 1, 2"
        ).fetchall()
    return [(str(m), str(v)) for m, v in rows]


def test_a_published_entry_installs_and_upgrades_its_module(
    webhook: httpx.Client, db_dsn: str
) -> None:
    core = _sample("spanish-core-items")
    response = webhook.post("/", json=_event(core))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "outcome": "installed",
        "model": "game-module",
        "document_id": "gm-spanish-core",
        "id": "spanish-core-items",
        "version": "1.0.0",
    }
    replay = webhook.post("/", json=_event(json.dumps(core)))  # a text field works too
    assert replay.json()["outcome"] == "unchanged"
    newer = core | {"version": "1.1.0"}
    assert webhook.post("/", json=_event(newer, "entry.update")).json()["outcome"] == "installed"
    # A module depending on it installs once its dependency is there.
    market = webhook.post("/", json=_event(_sample("market-day-seville")))
    assert market.json()["outcome"] == "installed", market.text
    assert _installed(db_dsn) == [
        ("market-day-seville", "1.0.0"),
        ("spanish-core-items", "1.0.0"),
        ("spanish-core-items", "1.1.0"),
    ]


def test_drafts_unpublishing_and_deletion_change_nothing(
    webhook: httpx.Client, db_dsn: str
) -> None:
    core = _sample("spanish-core-items")
    draft = webhook.post("/", json=_event(core, "entry.update", published=False))
    assert draft.json()["outcome"] == "draft_ignored"
    assert _installed(db_dsn) == []
    webhook.post("/", json=_event(core))
    for name in ("entry.unpublish", "entry.delete"):
        assert webhook.post("/", json=_event(core, name)).json()["outcome"] == "ignored"
    assert _installed(db_dsn) == [("spanish-core-items", "1.0.0")]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"version": "1.0"}, "entry.manifest.version"),
        ({"id": "../etc"}, "entry.manifest.id"),
        (
            {
                "provides": {
                    "scenes": [
                        {"key": "s", "kind": "scene", "title": {"en": "S"}, "assets": ["../x.png"]}
                    ]
                }
            },
            "entry.manifest.provides.scenes[0].assets[0]",
        ),
        (
            {"provides": {"rules": {"macros": [{"name": "boom", "expression": "999d999"}]}}},
            "entry.manifest.provides.rules.macros[0].expression",
        ),
        ({"nested": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": {}}}}}}}}}}}, None),
    ],
)
def test_bad_manifests_are_refused_naming_the_field(
    webhook: httpx.Client, db_dsn: str, change: dict[str, Any], field: str | None
) -> None:
    response = webhook.post("/", json=_event(_sample("spanish-core-items") | change))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "invalid_webhook_payload"
    assert body["details"]["field"].startswith("entry.manifest")
    if field is not None:
        assert body["details"]["field"] == field, body
    assert _installed(db_dsn) == []


def test_a_missing_dependency_or_another_publisher_s_id_installs_nothing(
    webhook: httpx.Client, db_dsn: str
) -> None:
    market = webhook.post("/", json=_event(_sample("market-day-seville")))
    assert market.status_code == 422
    assert market.json()["details"]["field"] == "entry.manifest.dependencies[0].id"
    webhook.post("/", json=_event(_sample("spanish-core-items")))
    stolen = _sample("spanish-core-items") | {"publisher": "someone-else", "version": "2.0.0"}
    refused = webhook.post("/", json=_event(stolen))
    assert refused.status_code == 422, refused.text
    assert refused.json()["details"]["field"] == "entry.manifest.id"
    assert _installed(db_dsn) == [("spanish-core-items", "1.0.0")]


def test_a_wrong_secret_is_refused(functions_config: FunctionsConfig) -> None:
    with webhook_client(functions_config) as client:
        response = client.post(
            "/", json=_event({}), headers={"Authorization": "Bearer not-the-secret"}
        )
    assert response.status_code == 401
