"""Module manifests: the published schema matches the models, samples validate, and hostile
manifests are refused with an error naming the field (no database needed)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from functions.modules.manifest import (
    ManifestError,
    check_rules,
    json_schema,
    load_manifest,
    parse_manifest,
)
from functions.modules.versions import VersionError, matches, parse_range

ROOT = Path(__file__).resolve().parents[3] / "supabase" / "modules"
SCHEMA = ROOT / "schema" / "module.schema.json"
CORE = ROOT / "spanish-core-items"
MARKET = ROOT / "market-day-seville"


def _core() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CORE / "module.json").read_text())
    return copy.deepcopy(data)


def _refused(data: object) -> ManifestError:
    with pytest.raises(ManifestError) as caught:
        parse_manifest(json.dumps(data))
    return caught.value


def test_published_schema_is_generated_from_the_models() -> None:
    assert json.loads(SCHEMA.read_text()) == json_schema()


@pytest.mark.parametrize("folder", [CORE, MARKET])
def test_sample_modules_validate_against_schema_and_models(folder: Path) -> None:
    data = json.loads((folder / "module.json").read_text())
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))
    assert load_manifest(folder).id == folder.name


def test_dependent_module_rules_check_over_its_dependency() -> None:
    core = load_manifest(CORE)
    market = load_manifest(MARKET)
    registry = check_rules(market, check_rules(core))
    assert registry.check_type("haggle").ability.value == "speaking"
    with pytest.raises(ManifestError) as caught:
        check_rules(market)  # without its dependency, 'confidence' is unknown
    assert caught.value.field == "provides.items[0].modifiers[0].type"


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("version",), "1.0", "version"),
        (("version",), "v1.0.0", "version"),
        (("engine",), "latest", "engine"),
        (("id",), "../etc", "id"),
        (("dependencies",), [{"id": "x-y", "version": ">=banana"}], "dependencies[0].version"),
        (
            ("provides", "scenes"),
            [{"key": "s", "kind": "scene", "title": {"en": "S"}, "assets": ["../../etc/passwd"]}],
            "provides.scenes[0].assets[0]",
        ),
        (
            ("provides", "scenes"),
            [{"key": "s", "kind": "scene", "title": {"en": "S"}, "assets": ["/etc/passwd"]}],
            "provides.scenes[0].assets[0]",
        ),
        (
            ("provides", "scenes"),
            [{"key": "s", "kind": "scene", "title": {"en": "S"}, "assets": ["a/../../b"]}],
            "provides.scenes[0].assets[0]",
        ),
        (
            ("provides", "rules", "macros"),
            [{"name": "nuke", "expression": "1000d1000*1000d1000"}],
            "provides.rules.macros[0].expression",
        ),
        (
            ("provides", "rules", "macros"),
            [{"name": "bad", "expression": "2d"}],
            "provides.rules.macros[0].expression",
        ),
        (
            ("provides", "rules", "check_types"),
            [{"name": "haggle", "ability": "charm"}],
            "provides.rules.check_types[0].ability",
        ),
        (
            ("provides", "rules", "check_types"),
            [{"name": "vocabulary", "ability": "speaking"}],
            "provides.rules.check_types[0].name",
        ),
        (
            ("provides", "rules", "check_types"),
            [{"name": "h", "ability": "speaking", "dc_by_cefr": {"B1": 99}}],
            "provides.rules.check_types[0].dc_by_cefr.B1",
        ),
        (
            ("provides", "items", 0, "modifiers", 0, "value"),
            50,
            "provides.items[0].modifiers[0].value",
        ),
        (
            ("provides", "items", 0, "modifiers", 0, "type"),
            "ghost",
            "provides.items[0].modifiers[0].type",
        ),
        (("surprise",), 1, "surprise"),
    ],
)
def test_hostile_manifest_names_the_field(path: tuple[Any, ...], value: Any, field: str) -> None:
    data = _core()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert _refused(data).field == field


def test_deeply_nested_and_huge_manifests_are_refused() -> None:
    data = _core()
    nested: Any = "x"
    for _ in range(200):
        nested = [nested]
    data["description"] = {"en": "x"}
    data["provides"]["extra"] = nested
    assert "nested deeper" in str(_refused(data))
    raw = '{"id": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(ManifestError) as caught:
        parse_manifest(raw)
    assert caught.value.field == "manifest"
    data = _core()
    data["description"] = {"en": "x" * 300_000}
    assert _refused(data).field == "manifest"


def test_version_ranges() -> None:
    assert matches("1.4.2", "^1.2.0")
    assert not matches("2.0.0", "^1.2.0")
    assert matches("0.3.9", "^0.3.1") and not matches("0.4.0", "^0.3.1")
    assert matches("1.2.9", "~1.2.0") and not matches("1.3.0", "~1.2.0")
    assert matches("1.0.0", ">=1.0.0,<2.0.0") and matches("5.0.0", "*")
    assert not matches("1.0.0-rc.1", ">=1.0.0") and matches("1.0.0-rc.2", ">=1.0.0-rc.1")
    with pytest.raises(VersionError):
        parse_range(">=1.0")
