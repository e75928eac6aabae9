"""Delivering a batch of table changes to this node's subscribed channels, RLS-checked."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from typing import Any

import orjson

from native_platform.observability.metrics import record_delivery
from native_platform.realtime.bindings import Binding, Filter, Subscription
from native_platform.realtime.catalog import TableInfo
from native_platform.realtime.channel import Channel
from native_platform.realtime.records import Change
from native_platform.realtime.visibility import Visibility

__all__ = ["ClaimGroups", "deliver_changes"]

YIELD_EVERY = 100


def _matching_ids(
    bindings: tuple[Binding, ...], change: Change, filtered: dict[Filter, bool]
) -> list[int]:
    """Ids of the bindings that want `change`; `filtered` remembers each filter's answer for
    this change (several subscriptions may share a filter)."""
    table = change.table
    ids: list[int] = []
    for binding in bindings:
        if not binding.wants(change.kind, table.schema, table.name):
            continue
        if binding.filter is not None:
            passes = filtered.get(binding.filter)
            if passes is None:
                row = change.old_record if change.kind == "DELETE" else change.record
                passes = filtered[binding.filter] = binding.filter.matches(row)
            if not passes:
                continue
        ids.append(binding.id)
    return ids


def _checked_key(change: Change) -> dict[str, Any] | None:
    """The primary key of the row RLS is checked on (the row as the table now holds it), or
    None when there is none to check: a DELETE (the row is gone; as upstream, it goes to every
    subscriber whose role may select the table, its old record cut to the key) or a table
    without primary key (no record is sent, see `Change.data`)."""
    return None if change.kind == "DELETE" else change.key


class _Encodings:
    """Bodies and frames of one batch, shared by every group of subscribers it reaches:
    serialized once per change and column set, framed once per topic, bindings and columns."""

    def __init__(self) -> None:
        self.bodies: dict[tuple[int, frozenset[str] | None], orjson.Fragment] = {}
        self.frames: dict[
            tuple[int, str, tuple[int, ...], frozenset[str] | None], dict[str, bytes]
        ] = {}


def _wanted(channels: Iterable[Channel], changes: list[Change]) -> dict[Channel, list[list[int]]]:
    """The channels that want some change of the batch, with their matching binding ids per
    change: worked out once per subscription (channels asking alike share one), each filter once
    per change."""
    matches: dict[Channel, list[list[int]]] = {}
    filtered: list[dict[Filter, bool]] = [{} for _ in changes]
    answers: dict[Subscription, list[list[int]] | None] = {}
    for channel in channels:
        subscription = channel.subscription
        if subscription is None:
            continue
        if subscription in answers:
            ids = answers[subscription]
        else:
            per_change = [
                _matching_ids(subscription.bindings, change, filtered[index])
                for index, change in enumerate(changes)
            ]
            ids = answers[subscription] = per_change if any(per_change) else None
        if ids is not None:
            matches[channel] = ids
    return matches


class ClaimGroups:
    """A table's matched subscribers grouped by (role, claims), as its RLS checks take them.

    Grouping costs ~1 µs a subscriber, paid before the first check can be sent, so a group is
    kept for the table's next batch and reused while the same channels match with the same
    tokens (a new token gives a channel a new `rls_identity`) and the same roles may select
    the table; checking that is a look-up a channel."""

    def __init__(self, channels: Iterable[Channel]) -> None:
        self.identities = {channel: channel.rls_identity for channel in channels}
        self.roles = frozenset(role for role, _ in self.identities.values())
        self.permitted: frozenset[str] | None = None
        # Immutable, so that Visibility may know it again by identity and keep its chunks.
        self.claim_sets: tuple[tuple[str, str], ...] = ()
        self.index_of: dict[Channel, int] = {}
        self.members: list[list[Channel]] = []

    def holds(self, channels: Collection[Channel]) -> bool:
        """Exactly `channels`, each with the token it had when grouped."""
        identities = self.identities
        return len(channels) == len(identities) and all(
            identities.get(channel) is channel.rls_identity for channel in channels
        )

    def arrange(self, permitted: frozenset[str]) -> None:
        """Group the channels whose role may select the table; those sharing role and claims
        (one user's tabs) in one claim set."""
        if permitted == self.permitted:
            return
        claim_index: dict[tuple[str, str], int] = {}
        self.index_of, self.members = {}, []
        for channel, identity in self.identities.items():
            if identity[0] in permitted:
                index = claim_index.setdefault(identity, len(claim_index))
                if index == len(self.members):
                    self.members.append([])
                self.index_of[channel] = index
                self.members[index].append(channel)
        self.permitted, self.claim_sets = permitted, tuple(claim_index)


async def _deliver_table(
    visibility: Visibility,
    table: TableInfo,
    changes: list[Change],
    matches: dict[Channel, list[list[int]]],
    kept: dict[int, ClaimGroups],
) -> None:
    # Only subscribers whose bindings and filters want some change of the batch are checked;
    # the role's rights are looked up once per role, and subscribers sharing role and claims
    # (one user's tabs) once. `kept`: the last grouping per table.
    groups = kept.get(table.oid)
    if groups is None or not groups.holds(matches):
        groups = kept[table.oid] = ClaimGroups(matches)
    permitted = frozenset(
        [role for role in groups.roles if await visibility.may_select(role, table)]
    )
    groups.arrange(permitted)
    index_of, members = groups.index_of, groups.members
    versions: dict[int, int] = {}
    keys: list[dict[str, Any]] = []
    if table.rls:
        positions: dict[bytes, int] = {}  # a row changed twice in the batch is checked once
        for index, change in enumerate(changes):
            key = _checked_key(change)
            if key is not None:
                versions[index] = positions.setdefault(orjson.dumps(key), len(keys))
                if versions[index] == len(keys):
                    keys.append(key)
    columns = {role: await visibility.columns(role, table) for role in permitted}
    encodings = _Encodings()
    if not keys:
        allowed = list(index_of)
        await _push_group(
            changes, allowed, matches, lambda _channel, _index: True, versions, columns
        )
        return
    # Each chunk of claim sets is served as soon as its check returns.
    async for seen in visibility.visible_groups(table, keys, groups.claim_sets):
        group = [ch for index in seen for ch in members[index]]

        def may_see(channel: Channel, index: int, seen: dict[int, set[int]] = seen) -> bool:
            return index not in versions or versions[index] in seen[index_of[channel]]

        await _push_group(changes, group, matches, may_see, versions, columns, encodings)


async def _push_group(
    changes: list[Change],
    group: list[Channel],
    matches: dict[Channel, list[list[int]]],
    may_see: Callable[[Channel, int], bool],
    checked: Collection[int],
    columns: dict[str, frozenset[str] | None],
    encodings: _Encodings | None = None,
) -> None:
    # Several changes for one socket leave in one write.
    corked = {ch.connection for ch in group} if len(changes) > 1 else set()
    for connection in corked:
        connection.cork()
    try:
        await _push_changes(
            changes, group, matches, may_see, checked, columns, encodings or _Encodings()
        )
    finally:
        for connection in corked:
            connection.uncork()


async def _push_changes(
    changes: list[Change],
    allowed: list[Channel],
    matches: dict[Channel, list[list[int]]],
    may_see: Callable[[Channel, int], bool],
    checked: Collection[int],
    columns: dict[str, frozenset[str] | None],
    encodings: _Encodings,
) -> None:
    """`matches`: each channel's matching binding ids per change; `checked`: positions of
    changes whose row RLS was evaluated on (so their old record may be shown in full);
    `columns`: what each role may select (None: all)."""
    pushed = 0
    for index, change in enumerate(changes):
        before = pushed
        for channel in allowed:
            ids = matches[channel][index]
            if not ids:
                continue
            if not may_see(channel, index):
                continue
            visible = columns[channel.role]
            data = encodings.bodies.get((index, visible))
            if data is None:
                body = change.data(not change.table.rls or index in checked, visible)
                data = encodings.bodies[(index, visible)] = orjson.Fragment(orjson.dumps(body))
            # Channels of one topic with the same matching bindings and columns share a frame.
            cache = encodings.frames.setdefault((index, channel.topic, tuple(ids), visible), {})
            if not channel.connection.send_cached(cache):
                channel.push("postgres_changes", {"ids": ids, "data": data}, cache)
            pushed += 1
            if pushed % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # let queued socket writers run on a large fan-out
        record_delivery("postgres_changes", pushed - before, change.committed_at)


async def deliver_changes(
    visibility: Visibility,
    changes: list[Change],
    channels: Collection[Channel],
    kept: dict[int, ClaimGroups],
) -> None:
    """Push each change to every channel whose bindings match and whose claims may see it.
    `kept` holds the last subscriber grouping per table (table oid → ClaimGroups), for the
    next batch to reuse; the caller keeps it between batches."""
    by_table: dict[int, list[Change]] = defaultdict(list)
    for change in changes:
        by_table[change.table.oid].append(change)
    for table_changes in by_table.values():
        matches = _wanted(channels, table_changes)
        if matches:
            table = table_changes[0].table
            await _deliver_table(visibility, table, table_changes, matches, kept)
