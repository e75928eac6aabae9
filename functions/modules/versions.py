"""Semantic versions and version ranges (ADR 0013).

No semver library is installed, so versions are checked against the semver 2.0.0 grammar
and compared through `packaging`: a prerelease `-alpha.N`, `-beta.N` or `-rc.N` maps to PEP 440's
`aN`, `bN`, `rcN` (other prerelease tags and build metadata are refused). A range is a
comma-separated list of comparators: `>=1.2.0`, `<2.0.0`, `==1.2.3`, `!=1.3.0`, or npm's
shorthands `^1.2.0` (>=1.2.0,<2.0.0; ^0.3.1 → >=0.3.1,<0.4.0) and `~1.2.0` (>=1.2.0,<1.3.0);
`*` matches everything.
"""

from __future__ import annotations

import re

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

__all__ = ["VersionError", "major", "matches", "parse_range", "parse_version"]

SEMVER = re.compile(
    r"^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})(?:-(alpha|beta|rc)\.(0|[1-9]\d{0,5}))?$"
)
_PEP440 = {"alpha": "a", "beta": "b", "rc": "rc"}
_COMPARATOR = re.compile(r"^(\^|~|>=|<=|>|<|==|!=)?\s*(\S+)$")


class VersionError(ValueError):
    """A version or range that is not accepted; the message says why."""


def parse_version(text: str) -> Version:
    match = SEMVER.match(text)
    if match is None:
        raise VersionError(
            f"{text!r} is not a semantic version MAJOR.MINOR.PATCH[-alpha|beta|rc.N]"
        )
    major_, minor, patch, tag, number = match.groups()
    pre = f"{_PEP440[tag]}{number}" if tag else ""
    return Version(f"{major_}.{minor}.{patch}{pre}")


def major(text: str) -> int:
    return parse_version(text).major


def _comparator(part: str) -> str:
    match = _COMPARATOR.match(part.strip())
    if match is None:
        raise VersionError(f"{part!r} is not a version comparator")
    op, text = match.groups()
    version = parse_version(text)
    if op == "^":
        if version.major > 0:
            upper = f"{version.major + 1}.0.0"
        else:
            upper = f"0.{version.minor + 1}.0"
        return f">={version},<{upper}"
    if op == "~":
        return f">={version},<{version.major}.{version.minor + 1}.0"
    return f"{op or '=='}{version}"


def parse_range(text: str) -> SpecifierSet:
    """A `SpecifierSet` for a range; prereleases only match when the range names one."""
    if len(text) > 200:
        raise VersionError("a version range is at most 200 characters")
    if text.strip() == "*":
        return SpecifierSet("")
    parts = [p for p in text.split(",") if p.strip()]
    if not parts:
        raise VersionError("an empty version range (use '*' for any version)")
    try:
        return SpecifierSet(",".join(_comparator(p) for p in parts))
    except InvalidSpecifier as error:
        raise VersionError(f"{text!r} is not a version range ({error})") from None


def matches(version: str, range_: str) -> bool:
    return parse_range(range_).contains(parse_version(version), prereleases=None)
