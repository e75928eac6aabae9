"""The filters embedded in scoped keys and the parent keys they derive from."""

from __future__ import annotations

from typing import Any

from functions.common.config import FunctionsConfig
from functions.search.scope import embedded_filter, ensure_parent_key


def test_embedded_filter_restricts_audience_and_locale() -> None:
    """Players get their audiences and locale; editors only the locale; campaigns no locale."""
    assert embedded_filter("lexeme", ["public", "campaign:c1"], "pt-BR") == (
        "audience:=[`public`,`campaign:c1`] && locale:=`pt-BR`"
    )
    assert embedded_filter("deck", None, "en") == "locale:=`en`"
    assert embedded_filter("campaign", ["public"], "en") == "audience:=[`public`]"


def test_ensure_parent_key_is_idempotent(
    typesense: Any, collection_prefix: str, functions_config: FunctionsConfig
) -> None:
    """The parent key is derived, so creating it twice yields one key with one value."""
    admin = functions_config.typesense_api_key.get_secret_value()
    first = ensure_parent_key(typesense, admin, collection_prefix, "lexeme")
    assert ensure_parent_key(typesense, admin, collection_prefix, "lexeme") == first
    mine = [
        key
        for key in typesense.keys.retrieve()["keys"]
        if key["description"].endswith(f"{collection_prefix}lexemes")
    ]
    assert len(mine) == 1
    assert mine[0]["actions"] == ["documents:search"]
