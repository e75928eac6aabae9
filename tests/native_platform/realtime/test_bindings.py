"""Parsing postgres_changes bindings and evaluating their filters."""

from __future__ import annotations

import pytest

from native_platform.realtime.bindings import BindingError, parse_binding, subscribe


@pytest.mark.parametrize(
    ("text", "record", "matches"),
    [
        ("n=eq.3", {"n": 3}, True),
        ("n=neq.3", {"n": 3}, False),
        ("n=lt.10", {"n": 3}, True),
        ("n=lte.3", {"n": 3}, True),
        ("n=gt.3", {"n": 3}, False),
        ("n=gte.3.5", {"n": 4}, True),
        ("s=in.(a,b)", {"s": "b"}, True),
        ("s=in.(a,b)", {"s": "c"}, False),
        ("s=eq.x", {"s": None}, False),
        ("s=eq.x", {}, False),
        ("b=eq.true", {"b": True}, True),
    ],
)
def test_filter_matches(text: str, record: dict[str, object], matches: bool) -> None:
    """Each operator compares the record value with the filter value read as its type."""
    binding = parse_binding({"event": "*", "schema": "public", "table": "t", "filter": text})
    assert binding.filter is not None and binding.filter.matches(record) is matches


@pytest.mark.parametrize("text", ["n", "n=like.x", "n=eq", "s=in.a,b"])
def test_bad_filter_rejected(text: str) -> None:
    """Unknown operators and malformed filters raise BindingError."""
    with pytest.raises(BindingError):
        parse_binding({"event": "*", "schema": "public", "table": "t", "filter": text})


def test_binding_defaults_and_echo() -> None:
    """Unknown events mean `*`; a table alone means schema public; the echo is verbatim + id."""
    entry = {"event": "insert", "table": "t"}
    binding = parse_binding(entry)
    assert binding.event == "INSERT" and binding.schema == "public"
    assert binding.echo == {**entry, "id": binding.id} and binding.id > 0
    assert parse_binding({"event": "bogus", "schema": "s"}).event == "*"
    with pytest.raises(BindingError):
        parse_binding({"event": "*"})


def test_channels_asking_alike_share_one_subscription() -> None:
    """Equal bindings (parsed per join, so distinct objects) give the same Subscription, which
    dispatch groups channels by; other bindings, or the same in another order, give another."""
    campaign = {"event": "INSERT", "schema": "public", "table": "dice_rolls", "filter": "c=eq.1"}
    other = {**campaign, "filter": "c=eq.2"}
    first = subscribe([parse_binding(campaign)])
    assert subscribe([parse_binding(dict(campaign))]) is first
    assert subscribe([parse_binding(other)]) is not first
    both = subscribe([parse_binding(campaign), parse_binding(other)])
    assert subscribe([parse_binding(other), parse_binding(campaign)]) is not both
    assert [binding.filter for binding in both.bindings] == [
        parse_binding(campaign).filter,
        parse_binding(other).filter,
    ]
