"""The Typesense client of the content functions and the collection names they share."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typesense

from functions.common.config import FunctionsConfig

__all__ = ["KINDS", "alias_name", "collection_of", "make_client", "typesense_session"]

KINDS = ("lexeme", "deck", "lesson", "campaign")


def make_client(config: FunctionsConfig, timeout: float = 10.0) -> Any:
    """A client that fails fast: the indexer does its own retries with backoff."""
    with warnings.catch_warnings():
        # The client builds its deprecated analytics-v1 helper eagerly; we never use it.
        warnings.filterwarnings("ignore", "SyncAnalyticsV1", DeprecationWarning)
        return typesense.Client(
            {
                "api_key": config.typesense_api_key.get_secret_value(),
                "nodes": [config.typesense_url],
                "connection_timeout_seconds": timeout,
                "num_retries": 0,
                "retry_interval_seconds": 0.1,
            }
        )


def alias_name(prefix: str, kind: str) -> str:
    """The stable name clients search (an alias of the current collection), e.g. `lexemes`."""
    return f"{prefix}{kind}s"


@contextmanager
def typesense_session(config: FunctionsConfig, timeout: float = 10.0) -> Iterator[Any]:
    """A client whose connections are closed when the block ends."""
    client = make_client(config, timeout)
    try:
        yield client
    finally:
        client.api_call.close()


def collection_of(client: Any, name: str) -> Any:
    """`client.collections[name]`, minus the deprecation warnings of helpers we never use."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="typesense")
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="typing_extensions")
        return client.collections[name]
