"""Hostile tokens the official libraries will not mint through their typed API."""

from __future__ import annotations

from typing import Any

import jwt

__all__ = ["unsigned_token"]


def unsigned_token(claims: dict[str, Any]) -> str:
    """An `alg: none` token carrying `claims`, with an empty signature.

    PyJWT takes `None` or `""` as the key of the none algorithm; its annotation admits only `""`.
    """
    return jwt.encode(claims, "", algorithm="none")
