"""A real auth server (uvicorn on a free port) over a fresh, fully migrated database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.routing import Mount

from native_platform.auth import AuthSettings, create_app
from native_platform.settings import StackSettings
from tests.conftest import PgServer
from tests.helpers.servers import free_port, serve
from tests.native_platform.auth.mailbox import Mailbox, running_maildev


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    """One maildev for the session: every auth server's mail goes there."""
    with running_maildev() as box:
        yield box


def settings_for(
    dsn: str, pg_server: PgServer, stack_settings: StackSettings, mailbox: Mailbox | None = None
) -> AuthSettings:
    """Settings for the database of `dsn`, logging in as `authenticator` like the stack, with
    mail sent to `mailbox` (tests that send none, such as other surfaces' revocation tests,
    need no catcher).

    The role's password (cluster-wide) was set by `configure_secrets` for the test template.
    """
    password = stack_settings.authenticator_password.get_secret_value()
    dbname = dsn.rsplit("/", 1)[1]
    mail: dict[str, Any] = {}
    if mailbox is not None:
        mail = {
            "smtp_host": "127.0.0.1",
            "smtp_port": mailbox.smtp_port,
            "smtp_user": "",
            "smtp_secure": False,
        }
    return AuthSettings(
        database_url=SecretStr(pg_server.dsn(dbname, user="authenticator", password=password)),
        jwt_secret=stack_settings.jwt_secret,
        **mail,
    )


@pytest.fixture
def auth_settings(
    db_dsn: str, pg_server: PgServer, stack_settings: StackSettings, mailbox: Mailbox
) -> AuthSettings:
    """Settings for this test's fresh database."""
    return settings_for(db_dsn, pg_server, stack_settings, mailbox)


@pytest.fixture(scope="module")
def shared_auth_url(
    pg_server: PgServer, migrated_template: str, stack_settings: StackSettings, mailbox: Mailbox
) -> Iterator[str]:
    """One server and database for a module of tests that leave no state others depend on."""
    name = f"rfl_auth_{uuid.uuid4().hex[:12]}"
    with pg_server.janitor(name, template_dbname=migrated_template):
        settings = settings_for(pg_server.dsn(name), pg_server, stack_settings, mailbox)
        with serve(create_app(settings)) as url:
            wait_healthy(url)
            yield url


def wait_healthy(url: str) -> None:
    response = httpx.get(f"{url}/health", timeout=10)
    assert response.status_code == 200, response.text


@contextmanager
def serve_auth(settings: AuthSettings) -> Iterator[str]:
    """The auth API on its own (GoTrue's paths at the root); its mails link to it."""
    port = free_port()
    linked = settings.model_copy(update={"api_external_url": f"http://127.0.0.1:{port}"})
    with serve(create_app(linked), port) as url:
        wait_healthy(url)
        yield url


@pytest.fixture
def auth_url(auth_settings: AuthSettings) -> Iterator[str]:
    """Base URL of the auth API served on its own (GoTrue's paths at the root)."""
    with serve_auth(auth_settings) as url:
        yield url


@pytest.fixture
def platform_url(auth_settings: AuthSettings) -> Iterator[str]:
    """Base URL with the auth API under /auth/v1, where supabase.create_client expects it."""
    auth_app = create_app(auth_settings)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with auth_app.router.lifespan_context(auth_app):
            yield

    wrapper = Starlette(routes=[Mount("/auth/v1", auth_app)], lifespan=lifespan)
    with serve(wrapper) as url:
        wait_healthy(f"{url}/auth/v1")
        yield url


@pytest.fixture
def anon(auth_url: str, stack_settings: StackSettings) -> Iterator[httpx.Client]:
    """An HTTP client sending the anon key, as supabase clients do before signing in."""
    key = stack_settings.anon_key.get_secret_value()
    headers = {"apikey": key, "Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=auth_url, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture
def service(auth_url: str, stack_settings: StackSettings) -> Iterator[httpx.Client]:
    """An HTTP client sending the service-role key."""
    key = stack_settings.service_role_key.get_secret_value()
    headers = {"apikey": key, "Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=auth_url, headers=headers, timeout=30) as client:
        yield client
