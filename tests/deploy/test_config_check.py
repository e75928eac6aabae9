"""`rfl config check`: an environment fit to deploy passes; each kind of unfit setting is
refused with a line naming the variable (docs/deployment.md, "Environments")."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from native_platform.config_check import check_environment
from native_platform.envfile import api_key

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "supabase" / "env"


def random_secret() -> str:
    return secrets.token_urlsafe(36)


def write_secrets(folder: Path) -> dict[str, str]:
    """A compose secrets folder as an operator makes it: random, unique values."""
    folder.mkdir(parents=True, exist_ok=True)
    jwt_secret = random_secret()
    postgres = random_secret()
    values = {
        "postgres_password": postgres,
        "authenticator_password": random_secret(),
        "jwt_secret": jwt_secret,
        "typesense_api_key": random_secret(),
        "cms_webhook_secret": random_secret(),
        "backup_cipher_pass": random_secret(),
        "anon_key": api_key("anon", jwt_secret),
        "service_role_key": api_key("service_role", jwt_secret),
        "database_url": f"postgresql://postgres:{postgres}@db:5432/postgres",
    }
    for name, value in values.items():
        (folder / name).write_text(value + "\n")
    return values


def environment_file(tmp_path: Path, example: str, *extra: str) -> Path:
    """The example env file with its secrets in a fresh folder, plus `extra` lines."""
    secrets_dir = tmp_path / "secrets"
    write_secrets(secrets_dir)
    lines = [
        line
        for line in (EXAMPLES / f"{example}.env.example").read_text().splitlines()
        if not line.startswith("RFL_SECRETS_DIR=")
    ]
    path = tmp_path / f"{example}.env"
    path.write_text("\n".join([*lines, f"RFL_SECRETS_DIR={secrets_dir}", *extra]) + "\n")
    return path


def problems(path: Path, environment: str) -> list[str]:
    return [str(problem) for problem in check_environment(environment, path)]


@pytest.mark.parametrize("environment", ["local", "staging", "production"])
def test_each_example_with_real_secrets_passes(tmp_path: Path, environment: str) -> None:
    """The templates are complete: filled with random secrets, each passes its check."""
    assert problems(environment_file(tmp_path, environment), environment) == []


def test_the_production_template_alone_is_refused() -> None:
    """Without its secrets (the folder it names does not exist here) production is refused."""
    found = problems(EXAMPLES / "production.env.example", "production")
    assert "JWT_SECRET: is missing" in found
    assert "POSTGRES_PASSWORD: is missing" in found


REFUSED = [
    ("POSTGRES_PASSWORD=change-me-at-least-16", "POSTGRES_PASSWORD: is a placeholder"),
    ("TYPESENSE_API_KEY=aB3dE5gH7jK9mN1pQ3", "TYPESENSE_API_KEY: is weak: shorter than 32"),
    ("CMS_WEBHOOK_SECRET=" + "ab" * 20, "CMS_WEBHOOK_SECRET: is weak: fewer than 12"),
    ("JWT_SECRET=super-secret-jwt-token-with-at-least-32-characters-long", "JWT_SECRET: is a"),
    ("ANON_KEY=" + api_key("anon", "x" * 40), "ANON_KEY: is not a valid key signed with"),
    ("CORS_ALLOWED_ORIGINS=*", "CORS_ALLOWED_ORIGINS: has a wildcard"),
    ("CORS_ALLOWED_ORIGINS=https://*.example.org", "CORS_ALLOWED_ORIGINS: has a wildcard"),
    ("CORS_ALLOWED_ORIGINS=", "CORS_ALLOWED_ORIGINS: is empty"),
    ("CORS_ALLOWED_ORIGINS=http://app.example.org", "CORS_ALLOWED_ORIGINS: is not https"),
    ("API_EXTERNAL_URL=http://api.example.org", "API_EXTERNAL_URL: is not TLS"),
    ("SITE_URL=ws://chat.example.org", "SITE_URL: is not TLS"),
    ("DEBUG=true", "DEBUG: is a debug setting"),
    ("LOG_LEVEL=debug", "LOG_LEVEL: logs at debug level"),
    ("POSTGRES_DURABLE=false", "POSTGRES_DURABLE: is off"),
    ("FORWARDED_ALLOW_IPS=*", "FORWARDED_ALLOW_IPS: trusts every peer"),
]


@pytest.mark.parametrize("environment", ["staging", "production"])
@pytest.mark.parametrize(("line", "expected"), REFUSED, ids=[line for line, _ in REFUSED])
def test_unfit_settings_are_refused(
    tmp_path: Path, environment: str, line: str, expected: str
) -> None:
    found = problems(environment_file(tmp_path, environment, line), environment)
    assert any(problem.startswith(expected) for problem in found), found


def test_the_same_settings_pass_locally(tmp_path: Path) -> None:
    """Local development may answer any origin, seed and run without durable writes."""
    path = environment_file(tmp_path, "local", "POSTGRES_DURABLE=false", "DEBUG=true")
    assert problems(path, "local") == []


def test_a_reused_secret_is_refused(tmp_path: Path) -> None:
    path = environment_file(tmp_path, "production")
    folder = tmp_path / "secrets"
    (folder / "authenticator_password").write_text((folder / "postgres_password").read_text())
    found = problems(path, "production")
    assert any("reuses the value of" in problem for problem in found), found


def test_an_api_key_for_the_wrong_role_is_refused(tmp_path: Path) -> None:
    path = environment_file(tmp_path, "production")
    folder = tmp_path / "secrets"
    jwt_secret = (folder / "jwt_secret").read_text().strip()
    (folder / "service_role_key").write_text(api_key("anon", jwt_secret))
    assert "SERVICE_ROLE_KEY: has role 'anon', expected 'service_role'" in problems(
        path, "production"
    )


def test_a_remote_database_needs_tls(tmp_path: Path) -> None:
    password = random_secret()
    plain = f"DATABASE_URL=postgresql://postgres:{password}@db.example.org:5432/postgres"
    path = environment_file(tmp_path, "production", plain)
    # The secrets folder's database_url is not used: a value in the file comes first.
    found = problems(path, "production")
    assert any(p.startswith("DATABASE_URL: reaches db.example.org without TLS") for p in found)
    verified = environment_file(tmp_path, "production", plain + "?sslmode=verify-full")
    assert problems(verified, "production") == []


def test_production_needs_an_off_machine_backup_and_no_seed(tmp_path: Path) -> None:
    path = environment_file(tmp_path, "production", "BACKUP_REPO_TYPE=local", "RFL_SEED=true")
    found = problems(path, "production")
    assert any(p.startswith("BACKUP_REPO_TYPE: must be s3") for p in found), found
    assert any(p.startswith("RFL_SEED: loads demo accounts") for p in found), found
    staging = environment_file(tmp_path, "staging", "BACKUP_REPO_TYPE=local", "RFL_SEED=true")
    assert problems(staging, "staging") == []


def test_a_secret_given_twice_is_refused(tmp_path: Path) -> None:
    secret_file = tmp_path / "jwt"
    secret_file.write_text(random_secret())
    line = f"JWT_SECRET_FILE={secret_file}"
    path = environment_file(tmp_path, "production", f"JWT_SECRET={random_secret()}", line)
    assert "JWT_SECRET: set twice: also by JWT_SECRET_FILE" in problems(path, "production")


def test_cli_exit_codes(tmp_path: Path) -> None:
    """`rfl config check` prints ok and exits 0, or one line per problem and exits 1."""

    def run(path: Path) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "native_platform", "config", "check"]
        return subprocess.run(
            [*command, "--env", "production", "--file", str(path)],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )

    good = run(environment_file(tmp_path, "production"))
    assert (good.returncode, good.stdout.strip()) == (0, "rfl config check (production): ok")
    bad = run(environment_file(tmp_path, "production", "CORS_ALLOWED_ORIGINS=*"))
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines() == [
        "rfl config check (production): CORS_ALLOWED_ORIGINS: has a wildcard: *"
    ]
