"""`supabase/config.toml`: what the stack runs, declared rather than imported.

The platform never imports the product. Edge functions (`[functions.<name>]`, as the Supabase
CLI declares them), product services with a path of their own (`[services.<name>]`, e.g.
storage at `/storage/v1`), background workers (`[workers.<name>]`) and seed steps
(`[seed_steps.<name>]`) name their Python entrypoints here; the gateway mounts the functions, the
supervisor starts the workers and `rfl up` runs the seed steps, all from this file. Product
commands (`[commands.<name>]`) become `rfl <name> args…`, run as `python -m <module> args…`
(ADR 0017). Adding a function is a folder and a config block: no platform file changes.

It is also the single source of the stack's settings that are not secrets (ports, exposed
schemas, row cap, JWT lifetime, realtime limits). Secrets and per-machine overrides (another port
for a test stack) live in `.env`; `native_platform/settings.py` layers `.env` over this file.
Every key is modelled (unknown keys are refused) and `tests/native_platform/test_project_config.py`
fails when a key is read by nothing.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import tomllib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = [
    "CommandBlock",
    "ConfigError",
    "FunctionBlock",
    "MetricsSection",
    "ProjectConfig",
    "SeedStepBlock",
    "ServiceBlock",
    "WorkerBlock",
    "config_dir",
    "config_path",
    "load_entrypoint",
    "check_entrypoints",
    "load_project_config",
    "parse_project_config",
]

ENTRYPOINT_PATTERN = r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$"
NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,62}$"
NAMED_BLOCKS = ("functions", "services", "workers", "seed_steps", "commands")


class ConfigError(Exception):
    """A block of config.toml is invalid; the message names the block and the problem."""


class FunctionBlock(BaseModel):
    """An edge function served at `/functions/v1/<name>`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    # As in the Supabase CLI: when true the gateway refuses a request without a valid JWT
    # before the function sees it; when false the function verifies what it needs itself.
    verify_jwt: bool = True
    # `module:factory`; the factory takes no arguments and returns an ASGI application.
    entrypoint: str = Field(pattern=ENTRYPOINT_PATTERN)


class ServiceBlock(BaseModel):
    """A product service with a mount path of its own (e.g. storage at `/storage/v1`), served by
    the gateway like the platform's services; it verifies callers itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    path: str = Field(pattern=r"^(/[a-z0-9][a-z0-9_-]*)+$")
    entrypoint: str = Field(pattern=ENTRYPOINT_PATTERN)
    # Whether the gateway's apikey check (as Kong's key-auth) guards the path.
    key_auth: bool = True


class WorkerBlock(BaseModel):
    """A long-running process the supervisor starts with the stack: `python -m <module> <args>`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    module: str = Field(pattern=r"^[A-Za-z_][\w.]*$")
    args: tuple[str, ...] = ()
    description: str = ""


class SeedStepBlock(BaseModel):
    """A function run once per database after `seed.sql`, given the API login DSN."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    entrypoint: str = Field(pattern=ENTRYPOINT_PATTERN)


class CommandBlock(BaseModel):
    """A product command: `rfl <name> args…` runs `python -m <module> args…` in the project."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    module: str = Field(pattern=r"^[A-Za-z_][\w.]*$")
    description: str = ""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ApiSection(Section):
    """`[api]`: the gateway's port and what the REST server exposes."""

    port: int = Field(default=54321, ge=1, le=65535)
    schemas: tuple[str, ...] = ("public",)
    extra_search_path: tuple[str, ...] = ("public", "extensions")
    max_rows: int = Field(default=1000, ge=1)
    db_aggregates_enabled: bool = False
    db_tx_end: Literal["commit", "commit-allow-override", "rollback", "rollback-allow-override"] = (
        "commit-allow-override"
    )
    db_plan_enabled: bool = False


class SeedSection(Section):
    """`[db.seed]`: SQL files loaded once per database after the migrations."""

    enabled: bool = True
    sql_paths: tuple[str, ...] = ("../seed.sql",)


class DbSection(Section):
    """`[db]`: the local cluster."""

    port: int = Field(default=54322, ge=1, le=65535)
    major_version: Literal[15] = 15
    seed: SeedSection = SeedSection()


class AuthSmtpSection(Section):
    """`[auth.email.smtp]` (Supabase CLI names): the SMTP server of the email flows.

    Disabled, the auth server sends to the local catcher (`[inbucket]`). `pass` is
    `env(NAME)`: the password stays in `.env`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    enabled: bool = False
    host: str = "smtp.example.com"
    port: int = Field(default=587, ge=1, le=65535)
    user: str = ""
    # The password is SMTP_PASS of `.env` (StackSettings.smtp_pass); "" for none.
    pass_: str = Field(default="env(SMTP_PASS)", alias="pass", pattern=r"^(env\(SMTP_PASS\))?$")
    admin_email: str = "no-reply@roll-for-language.local"
    sender_name: str = "Roll for Language"


class AuthEmailSection(Section):
    """`[auth.email]`."""

    enable_signup: bool = True
    enable_confirmations: bool = False
    # Lifetime in seconds of the links and codes the email flows send (GoTrue's otp_expiry).
    otp_expiry: int = Field(default=3600, ge=60, le=86400)
    # A password change needs the nonce mailed by /reauthenticate (GoTrue's name).
    secure_password_change: bool = False
    smtp: AuthSmtpSection = AuthSmtpSection()


# A Go duration as the Supabase CLI writes them ("24h", "8h30m", "90s"); "" or "0" = none.
GO_DURATION = r"^(0|([0-9]+(\.[0-9]+)?(h|m|s|ms))*)$"


class AuthSessionsSection(Section):
    """`[auth.sessions]` (Supabase CLI names): a refresh fails once `timebox` passed since the
    sign-in, or `inactivity_timeout` since the last refresh."""

    timebox: str = Field(default="", pattern=GO_DURATION)
    inactivity_timeout: str = Field(default="", pattern=GO_DURATION)


class AuthMfaTotpSection(Section):
    """`[auth.mfa.totp]`: whether TOTP factors may be enrolled and verified."""

    enroll_enabled: bool = True
    verify_enabled: bool = True


class AuthMfaSection(Section):
    """`[auth.mfa]` (Supabase CLI names): TOTP factors (docs/auth.md); phone factors answer
    GoTrue's disabled error (no SMS provider)."""

    max_enrolled_factors: int = Field(default=10, ge=1, le=100)
    totp: AuthMfaTotpSection = AuthMfaTotpSection()


class AuthExternalBlock(Section):
    """`[auth.external.<provider>]` (Supabase CLI names): google, discord, or any other name for
    a generic OpenID provider at `url` (its issuer). `secret` is `env(NAME)`: it stays in .env.
    `url` also points google/discord at a stand-in (tests)."""

    enabled: bool = False
    client_id: str = ""
    secret: str = Field(default="", pattern=r"^(env\([A-Z][A-Z0-9_]*\))?$")
    url: str = ""
    redirect_uri: str = ""
    skip_nonce_check: bool = False


class AuthSection(Section):
    """`[auth]`: token lifetime and what sign-up allows."""

    enabled: bool = True
    jwt_expiry: int = Field(default=3600, ge=60, le=604800)
    # The access tokens' `iss` (checked on the asymmetric ones); "" is the API's address +
    # /auth/v1, as the Supabase CLI's default.
    jwt_issuer: str = ""
    # Rotation is always on; a rotated token still works for this many seconds (two tabs).
    enable_refresh_token_rotation: Literal[True] = True
    refresh_token_reuse_interval: int = Field(default=10, ge=0, le=3600)
    # GoTrue's password rules (weak_password); GoTrue's floor is 6 characters.
    minimum_password_length: int = Field(default=6, ge=6, le=72)
    password_requirements: Literal[
        "", "letters_digits", "lower_upper_letters_digits", "lower_upper_letters_digits_symbols"
    ] = ""
    enable_signup: bool = True
    # POST /signup without credentials creates a guest (GoTrue's anonymous sign-ins).
    enable_anonymous_sign_ins: bool = False
    # Where email links land by default, and the other allowed `redirect_to` targets (globs).
    site_url: str = "http://127.0.0.1:3000"
    additional_redirect_urls: tuple[str, ...] = ()
    email: AuthEmailSection = AuthEmailSection()
    sessions: AuthSessionsSection = AuthSessionsSection()
    mfa: AuthMfaSection = AuthMfaSection()
    # `[auth.external.<provider>]`: social sign-in (native_platform/auth/providers.py).
    external: dict[str, AuthExternalBlock] = {}


class RealtimeSection(Section):
    """`[realtime]`: per-connection limits of every realtime node."""

    enabled: bool = True
    max_channels_per_client: int = Field(default=100, ge=1)
    max_events_per_second: int = Field(default=100, ge=1)
    max_payload_bytes: int = Field(default=256 * 1024, ge=1024)
    max_presence_calls: int = Field(default=5, ge=1)


class InbucketSection(Section):
    """`[inbucket]` (the Supabase CLI's name): the local SMTP catcher (maildev) `rfl up` starts;
    its web UI and REST inbox API on `port`, SMTP on `smtp_port`."""

    enabled: bool = True
    port: int = Field(default=54324, ge=1, le=65535)
    smtp_port: int = Field(default=54325, ge=1, le=65535)


class MetricsSection(Section):
    """`[metrics]`: Prometheus exposition and the local Prometheus (docs/observability.md)."""

    enabled: bool = True
    # The gateway's metrics port; each worker takes the next one, in declaration order.
    port: int = Field(default=54340, ge=1, le=65535)
    prometheus_port: int = Field(default=9090, ge=1, le=65535)
    postgres_exporter_port: int = Field(default=9187, ge=1, le=65535)
    scrape_interval_seconds: int = Field(default=15, ge=1, le=300)
    retention_days: int = Field(default=15, ge=1)


class ProjectConfig(BaseModel):
    """The whole of config.toml, validated; unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    project_id: str = Field(default="roll-for-language", pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    api: ApiSection = ApiSection()
    db: DbSection = DbSection()
    auth: AuthSection = AuthSection()
    realtime: RealtimeSection = RealtimeSection()
    inbucket: InbucketSection = InbucketSection()
    metrics: MetricsSection = MetricsSection()
    functions: dict[str, FunctionBlock] = {}
    services: dict[str, ServiceBlock] = {}
    workers: dict[str, WorkerBlock] = {}
    seed_steps: dict[str, SeedStepBlock] = {}
    commands: dict[str, CommandBlock] = {}

    def enabled_functions(self) -> dict[str, FunctionBlock]:
        return {name: block for name, block in self.functions.items() if block.enabled}

    def enabled_services(self) -> dict[str, ServiceBlock]:
        return {name: block for name, block in self.services.items() if block.enabled}

    def enabled_workers(self) -> dict[str, WorkerBlock]:
        return {name: block for name, block in self.workers.items() if block.enabled}

    def enabled_seed_steps(self) -> dict[str, SeedStepBlock]:
        return {name: block for name, block in self.seed_steps.items() if block.enabled}

    def enabled_commands(self) -> dict[str, CommandBlock]:
        return {name: block for name, block in self.commands.items() if block.enabled}


def config_dir() -> Path:
    """The folder of the config file in force; its relative paths are relative to it."""
    return config_path().parent


def config_path() -> Path:
    """`RFL_CONFIG_FILE` if set, else the project's `supabase/config.toml`."""
    configured = os.environ.get("RFL_CONFIG_FILE")
    if configured:
        return Path(configured).resolve()
    return Path(__file__).resolve().parent.parent / "supabase" / "config.toml"


def _block_name(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location)


def parse_project_config(text: str, source: str = "config.toml") -> ProjectConfig:
    """Validate the text; raise ConfigError naming the first bad block and its problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: not valid TOML: {error}") from None
    try:
        config = ProjectConfig.model_validate(data)
    except ValidationError as error:
        item = error.errors()[0]
        location = tuple(item["loc"])
        # Named blocks are two parts (`functions.dice`), sections one (`api`); then the key.
        width = 2 if location and location[0] in NAMED_BLOCKS else 1
        block, key = _block_name(location[:width]), _block_name(location[width:])
        problem = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
        raise ConfigError(f"[{block}] {key + ': ' if key else ''}{problem}".strip()) from None
    for section, blocks in (
        ("functions", config.functions),
        ("services", config.services),
        ("workers", config.workers),
        ("seed_steps", config.seed_steps),
        ("commands", config.commands),
    ):
        for name in blocks:
            if re.fullmatch(NAME_PATTERN, name) is None:
                raise ConfigError(f"[{section}.{name}] name must match {NAME_PATTERN}")
    return config


@lru_cache
def load_project_config(path: Path | None = None) -> ProjectConfig:
    """The validated config.toml in force (cached per path)."""
    chosen = path or config_path()
    try:
        text = chosen.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{chosen}: cannot be read: {error.strerror}") from None
    return parse_project_config(text, str(chosen))


def load_entrypoint(block: str, entrypoint: str) -> Callable[..., Any]:
    """Import `module:attribute`; raise ConfigError naming `block` when that fails."""
    module_name, _, attribute = entrypoint.partition(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as error:  # noqa: BLE001 - any import failure is a configuration problem
        problem = f"entrypoint {entrypoint!r} cannot be imported: {error}"
        raise ConfigError(f"[{block}] {problem}") from None
    target = getattr(module, attribute, None)
    if not callable(target):
        raise ConfigError(f"[{block}] entrypoint {entrypoint!r}: no callable {attribute!r}")
    return cast(Callable[..., Any], target)


def check_entrypoints(config: ProjectConfig) -> None:
    """Import every enabled entrypoint and worker module now, so `rfl up` fails before starting."""
    for name, function in config.enabled_functions().items():
        load_entrypoint(f"functions.{name}", function.entrypoint)
    for name, service in config.enabled_services().items():
        load_entrypoint(f"services.{name}", service.entrypoint)
    for name, step in config.enabled_seed_steps().items():
        load_entrypoint(f"seed_steps.{name}", step.entrypoint)
    modules = [(f"workers.{n}", w.module) for n, w in config.enabled_workers().items()]
    modules += [(f"commands.{n}", c.module) for n, c in config.enabled_commands().items()]
    for block, module in modules:
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError) as error:
            raise ConfigError(f"[{block}] module {module!r}: {error}") from None
        if spec is None:
            raise ConfigError(f"[{block}] module {module!r} not found")
