"""pgBackRest for the native cluster: the repository's settings, the stanza's config file, and
running `pgbackrest` as the cluster's OS user.

The config lives beside the cluster (`<state dir>/pgbackrest/pgbackrest.conf`, mode 0600: it
holds the repository passphrase and S3 keys) and is rewritten from the settings before every
command, so a changed setting applies at the next `rfl backup`. Its existence is what switches
the cluster's WAL archiving on (native_platform/postgres.py `archive_settings`).
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from native_platform.envfile import BACKUP_CIPHER_PASS, ensure_backup_cipher_pass
from native_platform.oscommands import (
    chown_to_service_user,
    ensure_service_user_can_reach,
    run_as_service_user,
)
from native_platform.postgres import PGBACKREST_STANZA, PostgresCluster

__all__ = ["BackupError", "BackupTarget", "RepoSettings", "load_repo_settings"]


class BackupError(Exception):
    """A backup command failed; the message says what pgBackRest or Postgres answered."""


class RepoSettings(BaseSettings):
    """`BACKUP_*` variables (`.env.example` documents each): where backups go and how."""

    model_config = SettingsConfigDict(env_prefix="BACKUP_", extra="ignore")

    cipher_pass: SecretStr = Field(min_length=20)
    # local: a folder (default `<state dir>/pgbackrest/repo`); s3: pgBackRest's own S3 client.
    repo_type: Literal["local", "s3"] = "local"
    # The folder (local) or the prefix inside the bucket (s3).
    repo_path: str = ""
    s3_endpoint: str = ""
    s3_port: int = Field(default=443, ge=1, le=65535)
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_key: SecretStr = SecretStr("")
    s3_key_secret: SecretStr = SecretStr("")
    s3_uri_style: Literal["host", "path"] = "host"
    s3_verify_tls: bool = True
    s3_ca_file: str = ""
    # Full backups kept (with the differentials and WAL they need), and differentials kept.
    retention_full: int = Field(default=2, ge=1)
    retention_diff: int = Field(default=7, ge=1)
    compress_type: Literal["zst", "lz4", "gz", "none"] = "zst"
    compress_level: int = Field(default=3, ge=0, le=19)
    process_max: int = Field(default=2, ge=1, le=16)


def load_repo_settings(env_file: Path | None) -> RepoSettings:
    """The settings from the environment and `env_file`. The passphrase may come from a file
    (`BACKUP_CIPHER_PASS_FILE`, or `backup_cipher_pass` in `RFL_SECRETS_DIR` as compose lays
    secrets out); else an env file written before backups existed gets one now (envfile.py)."""
    overrides: dict[str, Any] = {}
    secret = cipher_pass_file()
    if secret is not None:
        overrides["cipher_pass"] = secret.read_text().removesuffix("\n")
    elif env_file is not None and not os.environ.get(BACKUP_CIPHER_PASS):
        ensure_backup_cipher_pass(env_file)
    try:
        return RepoSettings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
    except ValidationError as error:
        problems = "; ".join(
            f"BACKUP_{'.'.join(str(part) for part in item['loc']).upper()}: {item['msg']}"
            for item in error.errors()
        )
        raise BackupError(f"backup settings: {problems}") from None


def cipher_pass_file() -> Path | None:
    named = os.environ.get(f"{BACKUP_CIPHER_PASS}_FILE")
    if named:
        return Path(named)
    folder = os.environ.get("RFL_SECRETS_DIR")
    if folder and (Path(folder) / BACKUP_CIPHER_PASS.lower()).is_file():
        return Path(folder) / BACKUP_CIPHER_PASS.lower()
    return None


@dataclass(frozen=True)
class BackupTarget:
    """One cluster and its repository: what every backup command works on."""

    cluster: PostgresCluster
    # The superuser DSN of the database whose audit chain is anchored (the stack's `postgres`).
    dsn: str
    repo: RepoSettings
    # The storage service's file backend folder, captured with each backup (None: not used).
    storage_dir: Path | None = None

    @property
    def folder(self) -> Path:
        return self.cluster.pgbackrest_config.parent

    @property
    def config_file(self) -> Path:
        return self.cluster.pgbackrest_config

    @property
    def storage_snapshots(self) -> Path:
        """Tarballs of the storage folder, one per backup label (local repositories only)."""
        return self.folder / "storage"

    def repo_path(self) -> str:
        if self.repo.repo_path:
            return self.repo.repo_path
        return "/rfl" if self.repo.repo_type == "s3" else str(self.folder / "repo")

    def config_text(self) -> str:
        repo = self.repo
        lines = [
            "# Written by native_platform/backup_repo.py before every backup command; edits are",
            "# overwritten. Holds the repository passphrase: mode 0600.",
            "[global]",
            f"repo1-path={self.repo_path()}",
            "repo1-cipher-type=aes-256-cbc",
            f"repo1-cipher-pass={repo.cipher_pass.get_secret_value()}",
            f"repo1-retention-full={repo.retention_full}",
            f"repo1-retention-diff={repo.retention_diff}",
            f"compress-type={repo.compress_type}",
            f"compress-level={repo.compress_level}",
            f"process-max={repo.process_max}",
            "start-fast=y",
            "archive-check=y",
            f"log-path={self.folder / 'log'}",
            f"lock-path={self.folder / 'lock'}",
            "log-level-console=warn",
            "log-level-file=info",
        ]
        if repo.repo_type == "s3":
            lines += [
                "repo1-type=s3",
                f"repo1-s3-endpoint={repo.s3_endpoint}",
                f"repo1-storage-port={repo.s3_port}",
                f"repo1-s3-bucket={repo.s3_bucket}",
                f"repo1-s3-region={repo.s3_region}",
                f"repo1-s3-key={repo.s3_key.get_secret_value()}",
                f"repo1-s3-key-secret={repo.s3_key_secret.get_secret_value()}",
                f"repo1-s3-uri-style={repo.s3_uri_style}",
                f"repo1-storage-verify-tls={'y' if repo.s3_verify_tls else 'n'}",
            ]
            if repo.s3_ca_file:
                lines.append(f"repo1-storage-ca-file={repo.s3_ca_file}")
        cluster = self.cluster
        lines += [
            "",
            f"[{PGBACKREST_STANZA}]",
            f"pg1-path={cluster.data_dir}",
            f"pg1-port={cluster.port}",
            f"pg1-socket-path={cluster.socket_dir}",
            "pg1-user=postgres",
        ]
        return "\n".join(lines) + "\n"

    def write_config(self) -> None:
        ensure_service_user_can_reach(self.folder)
        for folder in (self.folder, self.folder / "log", self.folder / "lock"):
            folder.mkdir(parents=True, exist_ok=True)
            chown_to_service_user(folder)
        if self.repo.repo_type == "local":
            repo = Path(self.repo_path())
            repo.mkdir(parents=True, exist_ok=True, mode=0o750)
            chown_to_service_user(repo)
        fresh = self.config_file.with_suffix(".conf.new")
        fresh.touch(mode=0o600)
        fresh.chmod(0o600)
        fresh.write_text(self.config_text())
        chown_to_service_user(fresh)
        fresh.replace(self.config_file)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`pgbackrest <args>` on this stanza as the cluster's OS user."""
        command = ["pgbackrest", f"--config={self.config_file}", f"--stanza={PGBACKREST_STANZA}"]
        try:
            return run_as_service_user([*command, *args])
        except subprocess.CalledProcessError as error:
            if not check:
                return subprocess.CompletedProcess(
                    error.cmd, error.returncode, error.stdout, error.stderr
                )
            said = (error.stderr or error.stdout or "").strip()
            problem = f"pgbackrest {args[0]} failed (exit {error.returncode}): {said}"
            raise BackupError(problem) from None

    def info(self) -> dict[str, Any]:
        """The stanza's entry of `pgbackrest info --output=json` (empty when none exists)."""
        stanzas = json.loads(self.run("info", "--output=json").stdout or "[]")
        for stanza in stanzas:
            if stanza.get("name") == PGBACKREST_STANZA:
                return dict(stanza)
        return {}
