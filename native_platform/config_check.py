"""`rfl config check --env <name>`: whether an environment's settings are fit to deploy.

An environment is an env file, `supabase/env/<name>.env` by default (the `.example` files
beside it document each one). Secrets may be in the file, in files named by `<NAME>_FILE`, or
in `RFL_SECRETS_DIR/<name>` (the compose layout, docker-compose.yml). Every environment must
make valid settings (native_platform/settings.py); staging and production must also have:
strong secrets (no placeholder, at least 32 characters, varied, none reused), API keys signed
with JWT_SECRET for their role, an explicit https CORS origin list, https URLs and TLS to a
database outside the deployment's network, and no debug setting. Production must also name
an off-machine backup repository and load no seed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
from dotenv import dotenv_values
from pydantic import ValidationError

from native_platform.settings import StackSettings, describe_errors, project_root
from native_platform.signing_keys import parse_keys

__all__ = ["ENVIRONMENTS", "Problem", "check_environment", "check_values", "default_env_file"]

ENVIRONMENTS = ("local", "staging", "production")
STRICT = ("staging", "production")

# Secrets generated or chosen by the operator; ANON_KEY and SERVICE_ROLE_KEY are JWTs checked
# against JWT_SECRET instead.
SECRETS = (
    "POSTGRES_PASSWORD",
    "AUTHENTICATOR_PASSWORD",
    "JWT_SECRET",
    "TYPESENSE_API_KEY",
    "CMS_WEBHOOK_SECRET",
    "BACKUP_CIPHER_PASS",
)
SECRET_SUFFIXES = ("_PASSWORD", "_SECRET", "_PASS", "_API_KEY", "_KEY_SECRET")
API_KEYS = {"ANON_KEY": "anon", "SERVICE_ROLE_KEY": "service_role"}
# Values seen in examples and tutorials, Supabase's own demo JWT secret among them: long
# markers anywhere, short common words at the start (a random secret never trips either).
PLACEHOLDERS = re.compile(
    r"change-?me|example|placeholder|password|default|your-|super-secret-jwt-token"
    r"|^(?:test|demo|admin|secret|postgres|xxx|123)",
    re.IGNORECASE,
)
MIN_SECRET_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 12
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", ""}
TRUE_WORDS = {"1", "true", "yes", "on"}
TLS_SSLMODES = {"require", "verify-ca", "verify-full"}


@dataclass(frozen=True)
class Problem:
    variable: str
    message: str

    def __str__(self) -> str:
        return f"{self.variable}: {self.message}"


def default_env_file(environment: str) -> Path:
    return project_root() / "supabase" / "env" / f"{environment}.env"


def read_values(path: Path) -> tuple[dict[str, str], list[Problem]]:
    """The file's variables with every secret resolved from its `_FILE` or the secrets dir."""
    raw = {name.upper(): value for name, value in dotenv_values(path).items() if value is not None}
    values = {name: value for name, value in raw.items() if not name.endswith("_FILE")}
    problems = []
    secrets_dir = raw.get("RFL_SECRETS_DIR") or os.environ.get("RFL_SECRETS_DIR")
    for name, value in raw.items():
        if name.endswith("_FILE"):
            target = name.removesuffix("_FILE")
            if target in values:
                problems.append(Problem(target, f"set twice: also by {name}"))
                continue
            try:
                values[target] = Path(value).read_text(encoding="utf-8").removesuffix("\n")
            except OSError as error:
                problems.append(Problem(name, f"cannot read {value}: {error.strerror}"))
    if secrets_dir:
        for file in sorted(Path(secrets_dir).glob("*")):
            if file.is_file() and file.name.upper() not in values:
                values[file.name.upper()] = file.read_text(encoding="utf-8").removesuffix("\n")
    return values, problems


def settings_problems(values: Mapping[str, str]) -> list[Problem]:
    fields = {name.upper() for name in StackSettings.model_fields}
    known = {name.lower(): value for name, value in values.items() if name in fields}
    try:
        # model_validate reads the given values only, never this process's environment.
        StackSettings.model_validate(known)
    except ValidationError as error:
        return [
            Problem(line.split()[1], line.split(" ", 2)[2])
            for line in describe_errors(error).split("\n")
        ]
    return []


def is_secret(name: str) -> bool:
    return name in SECRETS or (name.endswith(SECRET_SUFFIXES) and name not in API_KEYS)


def weakness(value: str) -> str | None:
    if PLACEHOLDERS.search(value):
        return "is a placeholder or contains a common word"
    if len(value) < MIN_SECRET_LENGTH:
        return f"is weak: shorter than {MIN_SECRET_LENGTH} characters"
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        return f"is weak: fewer than {MIN_DISTINCT_CHARACTERS} different characters"
    return None


def secret_problems(values: Mapping[str, str], environment: str) -> list[Problem]:
    problems = []
    required = [
        name for name in SECRETS if environment == "production" or name != "BACKUP_CIPHER_PASS"
    ]
    for name in required:
        if not values.get(name):
            problems.append(Problem(name, "is missing"))
    seen: dict[str, str] = {}
    for name in sorted(values):
        value = values[name]
        if not is_secret(name) or not value:
            continue
        reason = weakness(value)
        if reason:
            problems.append(Problem(name, reason))
        if value in seen:
            problems.append(Problem(name, f"reuses the value of {seen[value]}"))
        seen.setdefault(value, name)
    return problems


def api_key_problems(values: Mapping[str, str]) -> list[Problem]:
    secret = values.get("JWT_SECRET", "")
    problems = []
    for name, role in API_KEYS.items():
        token = values.get(name)
        if not token:
            problems.append(Problem(name, "is missing"))
            continue
        try:
            claims = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_aud": False})
        except jwt.PyJWTError as error:
            problems.append(Problem(name, f"is not a valid key signed with JWT_SECRET ({error})"))
            continue
        if claims.get("role") != role:
            problems.append(Problem(name, f"has role {claims.get('role')!r}, expected {role!r}"))
    return problems


def signing_key_problems(values: Mapping[str, str]) -> list[Problem]:
    """JWT_KEYS, when set, must parse (the API would not start); the error names no key."""
    try:
        parse_keys(values.get("JWT_KEYS", ""))
    except ValueError as error:
        return [Problem("JWT_KEYS", f"is invalid: {error}")]
    return []


def cors_problems(values: Mapping[str, str]) -> list[Problem]:
    origins = [o.strip() for o in values.get("CORS_ALLOWED_ORIGINS", "").split(",") if o.strip()]
    if not origins:
        return [Problem("CORS_ALLOWED_ORIGINS", "is empty: the API would answer any origin")]
    problems = []
    for origin in origins:
        if "*" in origin:
            problems.append(Problem("CORS_ALLOWED_ORIGINS", f"has a wildcard: {origin}"))
        elif not origin.startswith("https://"):
            problems.append(Problem("CORS_ALLOWED_ORIGINS", f"is not https: {origin}"))
    return problems


def internal_hosts(values: Mapping[str, str]) -> set[str]:
    """Hosts inside the deployment's own network: the database service and the loopback."""
    return LOOPBACK_HOSTS | {"db", values.get("POSTGRES_HOST", "")}


def url_problems(values: Mapping[str, str]) -> list[Problem]:
    problems = []
    for name, value in sorted(values.items()):
        parts = urlsplit(value)
        if parts.scheme == "http" or parts.scheme == "ws":
            problems.append(Problem(name, f"is not TLS ({parts.scheme}://): use https/wss"))
        elif parts.scheme in ("postgres", "postgresql"):
            sslmode = parse_qs(parts.query).get("sslmode", [""])[0]
            if parts.hostname not in internal_hosts(values) and sslmode not in TLS_SSLMODES:
                problems.append(
                    Problem(name, f"reaches {parts.hostname} without TLS: add sslmode=verify-full")
                )
    return problems


def debug_problems(values: Mapping[str, str], environment: str) -> list[Problem]:
    problems = []
    for name in ("DEBUG", "RFL_DEBUG", "UVICORN_RELOAD"):
        if values.get(name, "").lower() in TRUE_WORDS:
            problems.append(Problem(name, "is a debug setting: turn it off"))
    for name in ("LOG_LEVEL", "UVICORN_LOG_LEVEL"):
        if values.get(name, "").lower() in ("debug", "trace"):
            problems.append(Problem(name, "logs at debug level"))
    if values.get("POSTGRES_DURABLE", "true").lower() not in TRUE_WORDS:
        problems.append(Problem("POSTGRES_DURABLE", "is off: a crash would lose commits"))
    if values.get("FORWARDED_ALLOW_IPS", "").strip() == "*":
        problems.append(Problem("FORWARDED_ALLOW_IPS", "trusts every peer's X-Forwarded-For"))
    if environment == "production" and values.get("RFL_SEED", "").lower() in TRUE_WORDS:
        problems.append(Problem("RFL_SEED", "loads demo accounts: never in production"))
    return problems


def backup_problems(values: Mapping[str, str]) -> list[Problem]:
    if values.get("BACKUP_REPO_TYPE", "local") != "s3":
        return [Problem("BACKUP_REPO_TYPE", "must be s3: backups kept off the machine")]
    problems = [
        Problem(name, "is missing: the backup repository")
        for name in ("BACKUP_S3_BUCKET", "BACKUP_S3_ENDPOINT")
        if not values.get(name)
    ]
    if values.get("BACKUP_S3_VERIFY_TLS", "true").lower() not in TRUE_WORDS:
        problems.append(Problem("BACKUP_S3_VERIFY_TLS", "is off"))
    return problems


def check_values(values: Mapping[str, str], environment: str) -> list[Problem]:
    """Every problem of `values` for `environment` (one of ENVIRONMENTS)."""
    if environment not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {environment!r}: one of {', '.join(ENVIRONMENTS)}")
    problems = settings_problems(values) + signing_key_problems(values)
    if environment in STRICT:
        problems += secret_problems(values, environment)
        problems += api_key_problems(values)
        problems += cors_problems(values)
        problems += url_problems(values)
        problems += debug_problems(values, environment)
    if environment == "production":
        problems += backup_problems(values)
    unique = dict.fromkeys(problems)
    return list(unique)


def check_environment(environment: str, path: Path | None = None) -> list[Problem]:
    """The problems of the environment's env file (default: supabase/env/<environment>.env)."""
    env_file = path or default_env_file(environment)
    if not env_file.is_file():
        return [Problem(str(env_file), "no such env file")]
    values, problems = read_values(env_file)
    return problems + check_values(values, environment)
