"""Reuse rendered SQL for requests that differ only in filter values or in their JSON payload.

On a miss the statement is built once with unique sentinel values in place of the request's
values; the parameters that came back holding exactly a sentinel are the request's slots. The
rendered query and the slot-to-parameter map are kept (LRU), so a hit only fills the slots.
A statement whose builder transformed a sentinel is not cached.
"""

from __future__ import annotations

import re
import secrets
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import sql

__all__ = ["StatementCache", "slot_pairs", "with_values"]

_SLOTTED = re.compile(
    r"^((?:not\.)?(?:eq|neq|gt|gte|lt|lte|isdistinct|cs|cd|ov|sl|sr|nxl|nxr|adj|match|imatch)\.)"
    r"(.*)$",
    re.DOTALL,
)
_RESERVED = {"select", "columns", "on_conflict"}
Builder = Callable[[list[str]], tuple[sql.Composable, dict[str, object]]]


def _slot(key: str, value: str) -> tuple[str, str | None]:
    """(value template, slotted value or None) of one query pair."""
    last = key.rsplit(".", 1)[-1]
    match = _SLOTTED.match(value)
    if (
        match is None
        or key in _RESERVED
        or "->" in key
        or '"' in key
        or last in ("or", "and", "order", "limit", "offset")
    ):
        return value, None
    return match.group(1), match.group(2)


def slot_pairs(pairs: Sequence[tuple[str, str]]) -> tuple[tuple[tuple[str, str], ...], list[str]]:
    """(pairs with simple filter values blanked, the blanked values in order)."""
    keyed: list[tuple[str, str]] = []
    values: list[str] = []
    for key, value in pairs:
        template, slotted = _slot(key, value)
        keyed.append((key, template))
        if slotted is not None:
            values.append(slotted)
    return tuple(keyed), values


def with_values(pairs: Sequence[tuple[str, str]], values: list[str]) -> list[tuple[str, str]]:
    """The pairs with their slotted filter values replaced by `values`, in order."""
    filled = iter(values)
    out = []
    for key, value in pairs:
        template, slotted = _slot(key, value)
        out.append((key, value if slotted is None else template + next(filled)))
    return out


@dataclass(frozen=True)
class _Entry:
    query: bytes
    base: dict[str, object]
    slots: tuple[tuple[str, ...], ...]


class StatementCache:
    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self.nonce = secrets.token_hex(6)
        self.entries: OrderedDict[Any, _Entry] = OrderedDict()

    def prepare(
        self, key: Any, values: list[str], build: Builder
    ) -> tuple[bytes | sql.Composable, dict[str, object]]:
        entry = self.entries.get(key)
        if entry is None:
            entry = self._learn(values, build)
            if entry is None:
                return build(values)
            self.entries[key] = entry
            if len(self.entries) > self.size:
                self.entries.popitem(last=False)
        else:
            self.entries.move_to_end(key)
        params = dict(entry.base)
        for names, value in zip(entry.slots, values, strict=True):
            for name in names:
                params[name] = value
        return entry.query, params

    def _learn(self, values: list[str], build: Builder) -> _Entry | None:
        sentinels = [f"\x1epgrst{self.nonce}s{i}\x1e" for i in range(len(values))]
        statement, params = build(sentinels)
        slots: dict[str, list[str]] = {s: [] for s in sentinels}
        base: dict[str, object] = {}
        for name, value in params.items():
            if isinstance(value, str) and value in slots:
                slots[value].append(name)
            elif isinstance(value, str) and f"pgrst{self.nonce}s" in value:
                return None
            else:
                base[name] = value
        if any(not names for names in slots.values()):
            return None
        return _Entry(statement.as_bytes(None), base, tuple(tuple(slots[s]) for s in sentinels))
