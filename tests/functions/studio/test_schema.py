"""Forms from the OpenAPI document as PostgREST writes it: keys, foreign keys, enums, required."""

from __future__ import annotations

from functions.studio.schema import tables_of

DOCUMENT = {
    "paths": {"/": {}, "/characters": {}, "/rpc/award_xp": {}},
    "definitions": {
        "characters": {
            "required": ["id", "campaign_id", "name", "class"],
            "properties": {
                "id": {
                    "type": "string",
                    "format": "uuid",
                    "default": "gen_random_uuid()",
                    "description": "Character id.\n\nNote:\nThis is a Primary Key.<pk/>",
                },
                "campaign_id": {
                    "type": "string",
                    "format": "uuid",
                    "description": "The campaign.\n\nNote:\nThis is a Foreign Key to "
                    "`campaigns.id`.<fk table='campaigns' column='id'/>",
                },
                "name": {"type": "string", "format": "text"},
                "guild_id": {
                    "type": "integer",
                    "format": "integer",
                    "description": "Note:\nThis is a Primary Key.<pk/>\nThis is a Foreign Key to "
                    "`guilds.id`.<fk table='guilds' column='id'/>",
                },
                "class": {"type": "string", "format": "public.class", "enum": ["bard", "sage"]},
                "level": {"type": "integer", "format": "integer"},
                "traits": {"type": "object", "format": "jsonb"},
            },
        }
    },
}


def test_columns_carry_keys_enums_and_requirements() -> None:
    tables = tables_of(DOCUMENT)
    assert list(tables) == ["characters"]
    table = tables["characters"]
    assert [c.name for c in table.key] == ["id", "guild_id"]
    columns = {c.name: c for c in table.columns}
    assert columns["campaign_id"].references == ("campaigns", "id")
    assert columns["campaign_id"].description == "The campaign."
    assert columns["guild_id"].references == ("guilds", "id")
    assert columns["guild_id"].description == ""
    assert columns["class"].enum == ("bard", "sage")
    assert [c.name for c in table.columns if c.required] == ["campaign_id", "name", "class"]
    assert columns["level"].input_type == "number"
    assert columns["level"].parse("3") == 3
    assert columns["traits"].parse('{"brave": true}') == {"brave": True}
    assert columns["name"].parse("") is None
