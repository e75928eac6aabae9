"""CORS options: PostgREST's exposed headers, any origin unless a list is given."""

from __future__ import annotations

from native_platform.cors import cors_options


def test_cors_options_allow_any_origin_by_default() -> None:
    """Without a list every origin is allowed, with credentials, and Content-Range is exposed."""
    options = cors_options()
    assert options["allow_origin_regex"] == ".*"
    assert options["allow_credentials"] is True
    assert "Content-Range" in options["expose_headers"]


def test_cors_options_add_extra_exposed_headers_after_postgrest_ones() -> None:
    """A given origin list is kept and extra headers are exposed too."""
    options = cors_options(["http://localhost:3000"], ("Proxy-Status",))
    assert options["allow_origins"] == ["http://localhost:3000"]
    assert options["expose_headers"][-1] == "Proxy-Status"
