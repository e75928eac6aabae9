"""`redirect_to` as GoTrue checks it: the site's host, or a glob of additional_redirect_urls.

Anything else falls back to site_url, so no link or verification redirects off the allow-list.
Globs separate on `.` and `/` (`*` stays within a part, `**` crosses parts), as GoTrue's do.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

__all__ = ["allowed_redirect"]


@lru_cache(maxsize=64)
def glob_pattern(glob: str) -> re.Pattern[str]:
    parts = re.split(r"(\*\*|\*|\?)", glob)
    wildcards = {"**": ".*", "*": "[^./]*", "?": "[^./]"}
    return re.compile("".join(wildcards.get(part, re.escape(part)) for part in parts))


def host_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a malformed port ("3000.evil.example")
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname


def is_allowed(url: str, site_url: str, globs: tuple[str, ...]) -> bool:
    if not url or any(ord(char) < 0x21 for char in url) or "\\" in url:
        return False
    site_host = host_of(site_url)
    if site_host is not None and host_of(url) == site_host:
        return True
    return any(glob_pattern(glob).fullmatch(url) for glob in globs)


def allowed_redirect(url: str | None, site_url: str, globs: tuple[str, ...]) -> str:
    """`url` when allowed, else site_url."""
    return url if url is not None and is_allowed(url, site_url, globs) else site_url
