"""The local SMTP catcher: maildev (npm, locked in this folder's package-lock.json).

`rfl up` runs it as a platform process (`[inbucket]` in config.toml, the Supabase CLI's name for
its own catcher): SMTP on `smtp_port`, the web UI and the REST inbox API (`GET /email`,
`DELETE /email/all`, `GET /healthz`) on `port`. The auth server sends the email flows' mail
there unless `[auth.email.smtp]` names a real server. scripts/bootstrap.sh installs it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

__all__ = ["MAILDEV", "installed", "maildev_command"]

FOLDER = Path(__file__).resolve().parent
MAILDEV = FOLDER / "node_modules" / "maildev" / "bin" / "maildev"


def installed() -> bool:
    return MAILDEV.is_file() and shutil.which("node") is not None


def maildev_command(smtp_port: int, web_port: int, mail_dir: Path | None = None) -> list[str]:
    """maildev bound to this machine only; mail kept in `mail_dir` (else in memory)."""
    node = shutil.which("node") or "node"
    command = [
        node,
        str(MAILDEV),
        "--ip",
        "127.0.0.1",
        "--smtp",
        str(smtp_port),
        "--web",
        str(web_port),
        "--silent",
    ]
    if mail_dir is not None:
        mail_dir.mkdir(parents=True, exist_ok=True)
        command += ["--mail-directory", str(mail_dir)]
    return command
