"""Server-side search applies the same scope as the scoped keys."""

from __future__ import annotations

import httpx
import pytest

from tests.functions.search.conftest import get


@pytest.mark.parametrize(
    ("q", "language", "lemma"),
    [
        ("hablr", "es", "hablar"),
        ("fue", "es", "ir"),
        ("gign", "de", "gehen"),
        ("Drachn", "de", "Drache"),
    ],
)
def test_search_finds_misspelled_and_inflected(
    search_url: str, tokens: dict[str, str], q: str, language: str, lemma: str
) -> None:
    """Typos and inflected forms find the lexeme in either learning language."""
    response = get(search_url, "/", tokens["anon"], q=q, learning_language=language)
    assert response.status_code == 200
    assert lemma in [hit["lemma"] for hit in response.json()["hits"]]


def test_search_hides_restricted_from_players(search_url: str, tokens: dict[str, str]) -> None:
    """The restricted lexeme is absent for a player and present for a campaign member."""
    player = get(search_url, "/search", tokens["player"], q="grimorio").json()
    member = get(search_url, "/search", tokens["member"], q="grimorio").json()
    assert player["found"] == 0
    assert [hit["lemma"] for hit in member["hits"]] == ["grimorio"]


def test_search_localizes_decks(search_url: str, tokens: dict[str, str]) -> None:
    """Deck titles come in the requested learner locale."""
    body = get(
        search_url, "/", tokens["player"], q="aventureiros", kind="deck", locale="pt-BR"
    ).json()
    assert {hit["title"] for hit in body["hits"]} == {
        "Espanhol para aventureiros",
        "Alemão para aventureiros",
    }


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "x", "kind": "spells"},
        {"q": "x", "per_page": 500},
        {"q": "x", "learning_language": "es && audience:=x"},
        {"q": "x", "locale": "zz"},
    ],
)
def test_search_rejects_bad_parameters(
    search_url: str, tokens: dict[str, str], params: dict[str, object]
) -> None:
    """Bad parameters are a 422, never a 500."""
    assert get(search_url, "/", tokens["player"], **params).status_code == 422


def test_search_requires_token(search_url: str) -> None:
    """Without a bearer token the search is a 401."""
    assert get(search_url, "/", None, q="perro").status_code == 401


def test_search_body_matches_query_parameters(search_url: str, tokens: dict[str, str]) -> None:
    """POSTing the query as JSON (supabase functions.invoke) gives the same hits as GET."""
    body = {"q": "ging", "learning_language": "de"}
    posted = httpx.post(
        f"{search_url}/", json=body, headers={"Authorization": f"Bearer {tokens['anon']}"}
    )
    assert posted.status_code == 200
    assert posted.json() == get(search_url, "/", tokens["anon"], **body).json()
    unknown = httpx.post(
        f"{search_url}/",
        json={"q": "x", "sort": "evil"},
        headers={"Authorization": f"Bearer {tokens['anon']}"},
    )
    assert unknown.status_code == 422
