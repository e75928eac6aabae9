"""The OpenAPI document (`GET /`) marks keys, foreign keys and enums as PostgREST writes them,
so clients that read PostgREST's notes (Supabase Studio, the studio's forms) find them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from native_platform.settings import StackSettings
from tests.native_platform.rest.support import fixture_database, mounted

FIXTURE = Path(__file__).with_name("fixture_openapi.sql")


@pytest.fixture(scope="module")
def definitions(pg_server: Any, stack_settings: StackSettings) -> Iterator[dict[str, Any]]:
    with (
        fixture_database(pg_server, "rfl_openapi", FIXTURE) as dsn,
        mounted(dsn, stack_settings) as url,
    ):
        anon = stack_settings.anon_key.get_secret_value()
        document = httpx.get(f"{url}/rest/v1/", headers={"apikey": anon}).json()
        yield document["definitions"]


def test_a_foreign_key_is_noted_after_the_comment(definitions: dict[str, Any]) -> None:
    """The comment, a blank line, `Note:` and PostgREST's foreign key line with its tag."""
    assert definitions["heroes"]["properties"]["guild_id"]["description"] == (
        "The hero's guild.\n\nNote:\n"
        "This is a Foreign Key to `guilds.id`.<fk table='guilds' column='id'/>"
    )


def test_a_primary_key_that_is_a_foreign_key_has_both_lines(definitions: dict[str, Any]) -> None:
    """One `Note:` and a line per key, the primary key first."""
    assert definitions["guild_charters"]["properties"]["guild_id"]["description"] == (
        "Note:\nThis is a Primary Key.<pk/>\n"
        "This is a Foreign Key to `guilds.id`.<fk table='guilds' column='id'/>"
    )
    assert definitions["guilds"]["properties"]["id"]["description"] == (
        "Note:\nThis is a Primary Key.<pk/>"
    )


def test_columns_without_a_single_column_key_have_no_note(definitions: dict[str, Any]) -> None:
    """A foreign key over two columns is not noted (PostgREST notes single columns only)."""
    charter = definitions["guild_charters"]["properties"]
    assert "description" not in charter["quest_guild_id"]
    assert "description" not in definitions["heroes"]["properties"]["nickname"]


def test_a_view_column_notes_the_key_of_its_base_table(definitions: dict[str, Any]) -> None:
    """The view's column references the table its base table's foreign key names."""
    note = definitions["hero_names"]["properties"]["guild_id"]["description"]
    assert note.endswith("<fk table='guilds' column='id'/>")


def test_enums_list_their_labels_in_order(definitions: dict[str, Any]) -> None:
    """An enum column and a domain over an enum carry `enum`; an array of one does not."""
    heroes = definitions["heroes"]["properties"]
    assert heroes["mood"]["enum"] == ["calm", "curious", "brave"]
    assert heroes["stance"]["enum"] == ["calm", "curious", "brave"]
    assert "enum" not in heroes["moods"]
    assert "enum" not in heroes["nickname"]
