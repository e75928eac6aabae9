"""Ingestion errors: each carries the HTTP status the webhook answers with."""

from __future__ import annotations

__all__ = ["IngestError"]


class IngestError(Exception):
    """The event is well-formed but cannot be applied (unknown locale, deck, campaign...)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
