"""Logs: JSON lines with the request's identifiers, and no secret in any log of the stack.

`test_no_secret_in_any_log_of_the_stack` greps every log file of the test stack (each
service's and Postgres's) for the seeded secrets: every secret of the env file, the derived
`rate_limiter` password, BACKUP_CIPHER_PASS, the tests' user passwords, and any JWT or bearer
token. `rfl test` runs it once more after the whole suite (native_platform/testrun.py), so it
judges the logs of a full run.
"""

from __future__ import annotations

import io
import json
import logging
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from dotenv import dotenv_values

from native_platform.database import rate_limiter_password
from native_platform.gateway import create_app
from native_platform.observability.logging import ContextFilter, Formatter, log_files, scrub
from native_platform.settings import StackSettings, env_file_path, project_root
from tests.helpers.servers import serve

TESTS = project_root() / "tests"
PASSWORD = "a log-proof password"
SECRET_NAMES = re.compile(r"PASSWORD|SECRET|KEY|PASS|TOKEN|DATABASE_URL")
TEST_PASSWORDS = re.compile(r"""(?i)\bpassword\w*["']?\s*[:=]\s*["']([^"'\n]{8,})["']""")
TOKENS = re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]+|(?i:bearer)\s+(?!error)[\w.~+/-]{16,}")


def seeded_secrets(settings: StackSettings) -> dict[str, str]:
    values = dotenv_values(env_file_path())
    found = {
        name: value.split("@")[0].rsplit(":", 1)[-1] if name == "DATABASE_URL" else value
        for name, value in values.items()
        if value and SECRET_NAMES.search(name) and len(value) >= 8
    }
    found["rate_limiter password"] = rate_limiter_password(settings)
    for path in TESTS.rglob("*.py"):
        for match in TEST_PASSWORDS.finditer(path.read_text()):
            found[f"password in {path.relative_to(TESTS)}"] = match[1]
    return found


def lines_of(path: Path) -> Iterator[tuple[int, str]]:
    with path.open("r", encoding="utf-8", errors="replace") as file:
        yield from enumerate(file, 1)


def test_no_secret_in_any_log_of_the_stack(stack_settings: StackSettings) -> None:
    secrets = seeded_secrets(stack_settings)
    literal = re.compile("|".join(re.escape(value) for value in secrets.values()))
    names = {value: name for name, value in secrets.items()}
    hits = []
    files = log_files(stack_settings.state_dir)
    assert any(path.name == "api.log" for path in files)
    for path in files:
        for number, line in lines_of(path):
            for match in (literal.search(line), TOKENS.search(line)):
                if match is not None:
                    what = names.get(match[0], "a token")
                    hits.append(f"{path.name}:{number}: {what}")
    assert not hits, "secrets in the logs:\n" + "\n".join(hits[:20])


def test_scrub_removes_tokens_and_secret_values() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
    text = scrub(f"Authorization: Bearer {jwt} password=hunter2222 apikey={jwt}&x=1")
    assert jwt not in text
    assert "hunter2222" not in text
    assert "x=1" in text


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The access logger's lines, formatted as the stack writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(Formatter())
    handler.addFilter(ContextFilter("api"))
    logger = logging.getLogger("rfl.access")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def test_access_line_has_request_trace_and_user_ids(
    stack_settings: StackSettings, captured: io.StringIO
) -> None:
    """A request with a traceparent and a user's token is logged under that trace id and user,
    with the request id it was answered with, and no token, query string or password."""
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    with serve(create_app(stack_settings)) as url:
        signed_up = httpx.post(
            f"{url}/auth/v1/signup",
            json={"email": f"logs-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD},
            headers={"apikey": stack_settings.anon_key.get_secret_value()},
        )
        token = signed_up.json().get("access_token")
        user = signed_up.json().get("user", {}).get("id")
        response = httpx.get(
            f"{url}/rest/v1/campaigns?name=eq.secret-filter-value",
            headers={
                "apikey": stack_settings.anon_key.get_secret_value(),
                "Authorization": f"Bearer {token}",
                "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01",
                "X-Request-Id": "req-42",
            },
        )
    assert response.headers["x-request-id"] == "req-42"
    lines = [json.loads(line) for line in captured.getvalue().splitlines()]
    read = [line for line in lines if line["path"] == "/rest/v1/campaigns"]
    assert len(read) == 1
    assert {key: read[0][key] for key in ("request_id", "trace_id", "user_id", "service")} == {
        "request_id": "req-42",
        "trace_id": trace_id,
        "user_id": user,
        "service": "api",
    }
    assert read[0]["level"] == "INFO"
    assert read[0]["timestamp"].endswith("+00:00")
    everything = captured.getvalue()
    for secret in (token, "secret-filter-value", PASSWORD):
        assert secret not in everything


def test_log_files_name_each_service(stack_settings: StackSettings) -> None:
    assert log_files(stack_settings.state_dir, "api") == [stack_settings.state_dir / "logs/api.log"]
    with pytest.raises(ValueError, match="known: api"):
        log_files(stack_settings.state_dir, "no-such-service")
