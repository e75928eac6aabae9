"""Evaluating a table's SELECT policy for many claim sets in one query.

A policy's sub-selects such as `(select auth.uid())` are uncorrelated, so Postgres computes them
once per query (init plans). To evaluate the policy for N claim sets in a single query, with the
claims switched per row by `set_config`, each sub-select is wrapped so that it references the row
that set the claims: it becomes correlated and is re-run for every claim set. One query keeps the
plans of the policy's SQL helper functions across claim sets, which separate queries cannot.
"""

from __future__ import annotations

__all__ = ["correlate", "visibility_query"]

OPENING = "( SELECT "
WRAP_PREFIX = "( SELECT * FROM ( SELECT "
WRAP_SUFFIX = ") AS rt_sub WHERE rt_set.done IS NOT NULL)"


def _closing(text: str, start: int) -> int:
    """Index of the parenthesis closing the one at `start`, skipping quoted text (a doubled
    quote closes and at once reopens the quote)."""
    depth, quote = 0, ""
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
    raise ValueError("unbalanced policy expression")


def correlate(expression: str) -> str:
    """Wrap every `( SELECT …)` of a pg_get_expr() text so it depends on `rt_set.done`."""
    out, index, quote = [], 0, ""
    while index < len(expression):
        char = expression[index]
        if quote:
            out.append(char)
            if char == quote:
                quote = ""
            index += 1
        elif char in "'\"":
            quote = char
            out.append(char)
            index += 1
        elif expression.startswith(OPENING, index):
            end = _closing(expression, index)
            inner = correlate(expression[index + len(OPENING) : end])
            out.append(f"{WRAP_PREFIX}{inner}{WRAP_SUFFIX}")
            index = end + 1
        else:
            out.append(char)
            index += 1
    return "".join(out)


def visibility_query(entity: str, alias: str, policy: str) -> str:
    """Pairs (claim position, row position) visible under `policy`; params: claims, rows.

    The lateral chain forces the order claims → set_config → rows, so every row is checked
    right after its claim set was installed, and nothing in between is materialised.
    """
    # The text is a psycopg query: literal percent signs of the policy must be doubled.
    entity, condition = entity.replace("%", "%%"), correlate(policy).replace("%", "%%")
    alias = alias.replace('"', '""').replace("%", "%%")
    return f"""
select (rt_c.i - 1)::integer, (rt_k.n - 1)::integer
from pg_catalog.jsonb_array_elements_text(%(claims)s::jsonb) with ordinality as rt_c (claims, i)
cross join lateral (
    select pg_catalog.set_config('request.jwt.claims', rt_c.claims, true) as done offset 0
) as rt_set
cross join lateral (
    select * from pg_catalog.jsonb_array_elements(%(rows)s::jsonb) with ordinality as e (v, n)
    where rt_set.done is not null offset 0
) as rt_k
where exists (
    select from pg_catalog.jsonb_populate_record(null::{entity}, rt_k.v) as "{alias}"
    where rt_set.done is not null and ({condition})
)
"""
