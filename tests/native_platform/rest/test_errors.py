"""SQLSTATE-to-HTTP mapping as PostgREST documents it."""

from __future__ import annotations

import pytest

from native_platform.rest.errors import status_for_sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "message", "anonymous", "status"),
    [
        ("23505", "", False, 409),
        ("23503", "", False, 409),
        ("42501", "", True, 401),
        ("42501", "", False, 403),
        ("PT402", "", False, 402),
        ("P0001", "", False, 400),
        ("21000", "UPDATE requires a WHERE clause", False, 400),
        ("21000", "x", False, 500),
        ("22023", 'role "x" does not exist', False, 401),
        ("22023", "bad", False, 400),
        ("08006", "", False, 503),
        ("57P01", "", False, 503),
        ("42883", "", False, 404),
        ("42P01", "", False, 404),
        ("25006", "", False, 405),
        ("53300", "", False, 503),
        ("22P02", "", False, 400),
        ("XX000", "", False, 500),
        ("40001", "", False, 500),
    ],
)
def test_status_for_sqlstate(sqlstate: str, message: str, anonymous: bool, status: int) -> None:
    """Each SQLSTATE class maps to PostgREST's HTTP status."""
    assert status_for_sqlstate(sqlstate, message, anonymous) == status
