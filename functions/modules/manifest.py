"""The module manifest (`module.json`): pydantic models that generate the published JSON Schema
(supabase/modules/schema/module.schema.json), and `load_manifest`, which refuses hostile input
with a `ManifestError` naming the field before anything is installed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from functions.modules.versions import VersionError, parse_range, parse_version
from py_rules import RulesError, RulesRegistry, default_registry
from py_rules.modules import (
    CheckTypeSpec,
    ConditionSpec,
    Macro,
    ModifierKindSpec,
    ModifierSpec,
    RuleExtension,
    extend_registry,
    validate_modifier,
)

__all__ = [
    "ENGINE_VERSION",
    "MAX_DEPTH",
    "MAX_MANIFEST_BYTES",
    "Manifest",
    "ManifestError",
    "check_rules",
    "json_schema",
    "load_manifest",
    "parse_manifest",
    "rule_extension",
]

ENGINE_VERSION = "1.0.0"  # the module API of this backend; bump the major on breaking changes
MAX_MANIFEST_BYTES = 256 * 1024
MAX_DEPTH = 12


class ManifestError(ValueError):
    """An invalid manifest; `field` is the dotted path of the offending value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _semver(text: str) -> str:
    try:
        parse_version(text)
    except VersionError as error:
        raise ValueError(str(error)) from None
    return text


def _range(text: str) -> str:
    try:
        parse_range(text)
    except VersionError as error:
        raise ValueError(str(error)) from None
    return text


def _asset(text: str) -> str:
    parts = text.split("/")
    if text.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"{text!r} must be a relative path without '.' or '..' segments")
    return text


SemVer = Annotated[str, StringConstraints(max_length=40), AfterValidator(_semver)]
Range = Annotated[str, StringConstraints(max_length=200), AfterValidator(_range)]
ModuleId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,47}$")]
Locale = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=5000)]
AssetPath = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+){0,7}$", max_length=300),
    AfterValidator(_asset),
]
Localized = Annotated[dict[Locale, Text], Field(min_length=1, max_length=30)]
LocalizedLong = Annotated[dict[Locale, LongText], Field(max_length=30)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Author(Strict):
    name: Text
    url: Annotated[str, StringConstraints(pattern=r"^https://\S{1,200}$")] | None = None


class Relationship(Strict):
    id: ModuleId
    version: Range = "*"


class PackRef(Strict):
    """A published content pack version (docs/data-core.md) the module brings to campaigns."""

    slug: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")]
    version: Annotated[int, Field(ge=1)]


class Content(Strict):
    packs: Annotated[list[PackRef], Field(max_length=50)] = []


class ModifierModel(Strict):
    value: Annotated[int, Field(ge=-10, le=10)]
    type: Key | None = None
    checks: Annotated[list[Key], Field(max_length=20)] = []
    reason: Text | None = None


class ItemTemplate(Strict):
    key: Key
    name: Localized
    slot: Literal["head", "body", "hands", "feet", "neck", "ring", "held", "pack", "trinket"]
    rarity: Literal["common", "uncommon", "rare", "unique"] = "common"
    modifiers: Annotated[list[ModifierModel], Field(max_length=10)] = []


class CheckTypeModel(Strict):
    name: Key
    ability: Key
    kind: Literal["check", "save"] = "check"
    dc_by_cefr: Annotated[dict[str, int], Field(max_length=6)] = {}
    degrees: bool = True


class ModifierKindModel(Strict):
    name: Key
    stacks: bool = False


class ConditionModel(Strict):
    name: Key
    modifiers: Annotated[list[ModifierModel], Field(max_length=10)] = []


class MacroModel(Strict):
    name: Key
    expression: Annotated[str, StringConstraints(max_length=1000)]


class Rules(Strict):
    check_types: Annotated[list[CheckTypeModel], Field(max_length=100)] = []
    modifier_kinds: Annotated[list[ModifierKindModel], Field(max_length=100)] = []
    conditions: Annotated[list[ConditionModel], Field(max_length=100)] = []
    macros: Annotated[list[MacroModel], Field(max_length=100)] = []


class Scene(Strict):
    key: Key
    kind: Literal["scene", "encounter", "handout"]
    title: Localized
    body: LocalizedLong = {}
    assets: Annotated[list[AssetPath], Field(max_length=50)] = []


class Provides(Strict):
    content: Content = Content()
    items: Annotated[list[ItemTemplate], Field(max_length=500)] = []
    rules: Rules = Rules()
    scenes: Annotated[list[Scene], Field(max_length=200)] = []


class Manifest(Strict):
    """A game module's `module.json`."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"$id": "https://rollforlanguage.dev/schema/module.schema.json"},
    )

    manifest_version: Literal[1] = 1
    id: ModuleId
    version: SemVer
    publisher: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
    title: Localized
    description: LocalizedLong = {}
    authors: Annotated[list[Author], Field(min_length=1, max_length=20)]
    licence: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9.+()\- ]{1,80}$")]
    engine: Range
    dependencies: Annotated[list[Relationship], Field(max_length=30)] = []
    conflicts: Annotated[list[Relationship], Field(max_length=30)] = []
    provides: Provides = Provides()


def json_schema() -> dict[str, object]:
    schema = Manifest.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def _modifier(m: ModifierModel) -> ModifierSpec:
    return ModifierSpec(m.value, m.type, tuple(m.checks))


def rule_extension(manifest: Manifest) -> RuleExtension:
    rules = manifest.provides.rules
    return RuleExtension(
        check_types=tuple(
            CheckTypeSpec(c.name, c.ability, c.kind, dict(c.dc_by_cefr), c.degrees)
            for c in rules.check_types
        ),
        modifier_kinds=tuple(ModifierKindSpec(k.name, k.stacks) for k in rules.modifier_kinds),
        conditions=tuple(
            ConditionSpec(c.name, tuple(_modifier(m) for m in c.modifiers))
            for c in rules.conditions
        ),
        macros=tuple(Macro(m.name, m.expression) for m in rules.macros),
    )


def _depth(value: object, limit: int) -> int:
    stack: list[tuple[object, int]] = [(value, 1)]
    deepest = 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return deepest


def _field(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "manifest"


def check_rules(manifest: Manifest, base: RulesRegistry | None = None) -> RulesRegistry:
    """The registry with the module's rules (over `base`, e.g. its dependencies' rules)."""
    try:
        registry = extend_registry(base or default_registry(), rule_extension(manifest))
        for i, item in enumerate(manifest.provides.items):
            for j, m in enumerate(item.modifiers):
                validate_modifier(f"items[{i}].modifiers[{j}]", _modifier(m), registry)
    except RulesError as error:
        field = getattr(error, "field", "rules")
        prefix = "provides." if field.startswith("items") else "provides.rules."
        raise ManifestError(prefix + field, str(error).split(": ", 1)[-1]) from None
    return registry


def parse_manifest(raw: bytes | str, base: RulesRegistry | None = None) -> Manifest:
    """Validate a manifest's JSON text; `ManifestError` names the first bad field.

    Checks in order: size, JSON syntax, nesting depth, the schema, then the rules against
    py_rules' limits (over `base`, or over the default rules when dependencies are unknown).
    """
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError("manifest", f"larger than {MAX_MANIFEST_BYTES} bytes")
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        raise ManifestError("manifest", f"not valid JSON ({error})") from None
    if _depth(data, MAX_DEPTH) > MAX_DEPTH:
        raise ManifestError("manifest", f"nested deeper than {MAX_DEPTH} levels")
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise ManifestError(_field(tuple(first["loc"])), first["msg"]) from None
    if base is not None or not manifest.dependencies:
        check_rules(manifest, base)
    return manifest


def load_manifest(path: Path) -> Manifest:
    """A manifest from a `module.json` file or a directory holding one."""
    file = path / "module.json" if path.is_dir() else path
    with file.open("rb") as handle:
        raw = handle.read(MAX_MANIFEST_BYTES + 1)
    return parse_manifest(raw)
