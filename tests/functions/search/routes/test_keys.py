"""Scoped search keys: clients query Typesense directly but see only what they may."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import typesense

from functions.common.typesense_client import collection_of
from native_platform.settings import StackSettings
from tests.functions.search.conftest import get


@pytest.fixture
def key_client(stack_settings: StackSettings) -> Iterator[Any]:
    def make(key: str) -> Any:
        client = typesense.Client(
            {
                "api_key": key,
                "nodes": [stack_settings.typesense_url],
                "connection_timeout_seconds": 5,
            }
        )
        made.append(client)
        return client

    made: list[Any] = []
    with pytest.warns(DeprecationWarning):
        yield make
    for client in made:
        client.api_call.close()


def search_with(
    make: Any, body: dict[str, Any], kind: str, q: str, **extra: str
) -> list[dict[str, Any]]:
    scoped = body["keys"][kind]
    client = make(scoped["key"])
    query_by = {"lexeme": "lemma,forms,gloss", "deck": "title,description"}[kind]
    result = collection_of(client, scoped["collection"]).documents.search(
        {"q": q, "query_by": query_by, **extra}
    )
    return [hit["document"] for hit in result["hits"]]


@pytest.mark.parametrize(
    ("caller", "visible"), [("anon", False), ("player", False), ("member", True), ("editor", True)]
)
def test_issue_keys_scope_restricted_content(
    search_url: str, tokens: dict[str, str], key_client: Any, caller: str, visible: bool
) -> None:
    """Campaign-restricted content is searchable only by its members (and editors)."""
    response = get(search_url, "/keys", tokens[caller])
    assert response.status_code == 200
    body = response.json()
    assert body["expires_at"] > time.time()
    assert bool(search_with(key_client, body, "lexeme", "grimorio")) is visible
    assert bool(search_with(key_client, body, "deck", "hidden library")) is visible
    assert {d["lemma"] for d in search_with(key_client, body, "lexeme", "fui")} == {"ir", "ser"}


def test_issue_keys_filters_cannot_be_widened(
    search_url: str, tokens: dict[str, str], key_client: Any
) -> None:
    """A client's own filter is ANDed with the embedded one: it cannot reveal more."""
    body = get(search_url, "/keys", tokens["player"], locale="pt-BR").json()
    widened = search_with(
        key_client,
        body,
        "lexeme",
        "grimorio",
        filter_by="audience:=`campaign:00000000-0000-4000-8000-00000000c0de`",
    )
    assert widened == []
    assert {d["locale"] for d in search_with(key_client, body, "lexeme", "perro")} == {"pt-BR"}


def test_issue_keys_key_is_bound_to_its_collection(
    search_url: str, tokens: dict[str, str], key_client: Any
) -> None:
    """The lexeme key cannot search the deck collection."""
    body = get(search_url, "/keys", tokens["player"]).json()
    client = key_client(body["keys"]["lexeme"]["key"])
    with pytest.raises(typesense.exceptions.RequestUnauthorized):
        collection_of(client, body["keys"]["deck"]["collection"]).documents.search(
            {"q": "basics", "query_by": "title"}
        )


def test_issue_keys_rejects_bad_tokens(
    search_url: str, stack_settings: StackSettings, tokens: dict[str, str]
) -> None:
    """Missing, forged or expired tokens get 401; an unknown locale gets 422."""
    forged = jwt.encode(
        {"role": "service_role", "exp": int(time.time()) + 60}, "x" * 32, algorithm="HS256"
    )
    expired = jwt.encode(
        {"role": "anon", "exp": int(time.time()) - 60},
        stack_settings.jwt_secret.get_secret_value(),
        algorithm="HS256",
    )
    for token in (None, forged, expired, "not-a-jwt"):
        assert get(search_url, "/keys", token).status_code == 401
    assert get(search_url, "/keys", tokens["player"], locale="es").status_code == 422
    assert get(search_url, "/keys", tokens["player"], locale="x" * 40).status_code == 422
