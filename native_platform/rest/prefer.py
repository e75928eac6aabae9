"""The `Prefer` header: return, count, resolution, missing, handling, tx, max-affected."""

from __future__ import annotations

from dataclasses import dataclass, field

from native_platform.digits import is_ascii_digits
from native_platform.rest.errors import ApiError

__all__ = ["Preferences", "parse_prefer"]

_CHOICES = {
    "return": {"minimal", "headers-only", "representation"},
    "count": {"exact", "planned", "estimated"},
    "resolution": {"merge-duplicates", "ignore-duplicates"},
    "missing": {"default", "null"},
    "handling": {"lenient", "strict"},
    "tx": {"commit", "rollback"},
}


@dataclass
class Preferences:
    values: dict[str, str] = field(default_factory=dict)
    max_affected: int | None = None
    timezone: str | None = None
    invalid: list[str] = field(default_factory=list)

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    @property
    def strict(self) -> bool:
        return self.values.get("handling") == "strict"

    def applied(self, keys: tuple[str, ...]) -> str:
        items = [f"{k}={self.values[k]}" for k in keys if k in self.values]
        if self.max_affected is not None and self.strict:
            items.append(f"max-affected={self.max_affected}")
        if self.timezone is not None:
            items.append(f"timezone={self.timezone}")
        return ", ".join(items)


def parse_prefer(headers: list[str], tx_overridable: bool = True) -> Preferences:
    """The preferences; `tx=` is valid but dropped (not applied) unless `tx_overridable`."""
    prefs = Preferences()
    for header in headers:
        for raw in header.split(","):
            item = raw.strip()
            if item:
                _one(prefs, item)
    if not tx_overridable:
        prefs.values.pop("tx", None)
    if prefs.strict and prefs.invalid:
        raise ApiError(
            400,
            "PGRST122",
            "Invalid preferences given with handling=strict",
            "Invalid preferences: " + ", ".join(prefs.invalid),
            None,
        )
    return prefs


def _one(prefs: Preferences, item: str) -> None:
    key, _, value = item.partition("=")
    key, value = key.strip().lower(), value.strip()
    if key in _CHOICES and value in _CHOICES[key]:
        prefs.values.setdefault(key, value)
    elif key == "max-affected" and is_ascii_digits(value) and len(value) < 18:
        prefs.max_affected = int(value)
    elif key == "timezone" and value:
        prefs.timezone = value
    else:
        prefs.invalid.append(item)
