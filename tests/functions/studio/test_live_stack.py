"""The studio against the shared test stack, whose gateway runs realtime and whose indexer worker
drains the search outbox into Typesense: an admin signs a user out of every session (their next
request and refreshes fail, their realtime channel closes within seconds); an editor unpublishes
a pack (search drops its deck) and publishes it again (search finds it).

The studio itself runs in process, pointed at the stack's gateway, so the code under test is the
checkout's even when the stack's gateway started earlier. Users and content are created for the
test and removed after it; nothing else of the shared database changes."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import psycopg
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from starlette.applications import Starlette
from starlette.routing import Mount
from websockets.sync.client import ClientConnection, connect

from functions.studio.config import StudioSettings
from functions.studio.main import create_app as create_studio
from native_platform.settings import StackSettings
from tests.functions.studio.conftest import Stack
from tests.functions.studio.test_browser import press
from tests.helpers.servers import serve

PASSWORD = "studio-live-password-1"
CHANNEL_CLOSE_SECONDS = 10.0
SEARCH_SECONDS = 90.0


@pytest.fixture(scope="module")
def browser_name() -> str:
    """One browser here: the indexer's pace, not the browser, is what these tests wait on."""
    return "chromium"


@pytest.fixture(scope="module")
def live(stack_settings: StackSettings) -> Iterator[Stack]:
    """The studio, mounted at /studio of its own server, calling the shared stack's APIs."""
    studio = create_studio(
        StudioSettings(
            api_url=stack_settings.api_url,
            anon_key=stack_settings.anon_key,
            service_role_key=stack_settings.service_role_key,
            cookie_secret=stack_settings.jwt_secret,
            list_backups=False,
        )
    )

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with studio.router.lifespan_context(studio):
            yield

    app = Starlette(routes=[Mount("/studio", studio)], lifespan=lifespan)
    with serve(app) as url:
        yield Stack(url, stack_settings.database_url.get_secret_value(), "")


class Users:
    """Accounts made through the auth admin API (service role), deleted afterwards."""

    def __init__(self, settings: StackSettings) -> None:
        key = settings.service_role_key.get_secret_value()
        self.base = settings.api_url
        self.anon = settings.anon_key.get_secret_value()
        self.admin = httpx.Client(
            base_url=f"{settings.api_url}/auth/v1/admin",
            headers={"apikey": key, "Authorization": f"Bearer {key}"},
        )
        self.made: list[str] = []

    def make(self, label: str, roles: list[str]) -> str:
        email = f"studio-{label}-{uuid.uuid4().hex[:10]}@example.test"
        body = {"email": email, "password": PASSWORD, "email_confirm": True}
        answer = self.admin.post("/users", json={**body, "app_metadata": {"roles": roles}})
        answer.raise_for_status()
        self.made.append(answer.json()["id"])
        return email

    def tokens(self, email: str) -> dict[str, Any]:
        answer = httpx.post(
            f"{self.base}/auth/v1/token?grant_type=password",
            headers={"apikey": self.anon},
            json={"email": email, "password": PASSWORD},
        )
        answer.raise_for_status()
        tokens: dict[str, Any] = answer.json()
        return tokens

    def refresh(self, refresh_token: str) -> int:
        return httpx.post(
            f"{self.base}/auth/v1/token?grant_type=refresh_token",
            headers={"apikey": self.anon},
            json={"refresh_token": refresh_token},
        ).status_code

    def close(self) -> None:
        for user_id in self.made:
            self.admin.delete(f"/users/{user_id}")
        self.admin.close()


@pytest.fixture
def users(stack_settings: StackSettings) -> Iterator[Users]:
    made = Users(stack_settings)
    try:
        yield made
    finally:
        made.close()


def studio_sign_in(browser: WebDriver, live: Stack, email: str) -> None:
    browser.delete_all_cookies()
    browser.get(f"{live.studio}/login")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    press(browser, "Sign in")
    assert browser.title.startswith("Home"), browser.find_element(By.CSS_SELECTOR, "main").text


def join_lobby(settings: StackSettings, token: str) -> tuple[ClientConnection, str]:
    """A realtime socket (Phoenix v1 JSON, as supabase-js speaks it) joined to a public channel
    with the user's token."""
    anon = settings.anon_key.get_secret_value()
    url = settings.api_url.replace("http", "ws", 1)
    socket = connect(f"{url}/realtime/v1/websocket?apikey={anon}&vsn=1.0.0")
    topic = f"realtime:lobby:{uuid.uuid4().hex}"
    config = {"broadcast": {"self": False}, "presence": {"key": ""}, "private": False}
    join = {"config": config, "access_token": token}
    socket.send(json.dumps({"topic": topic, "event": "phx_join", "payload": join, "ref": "1"}))
    reply = json.loads(socket.recv(timeout=10))
    assert reply["payload"]["status"] == "ok", reply
    return socket, topic


def closed_within(socket: ClientConnection, topic: str, seconds: float) -> list[str]:
    """The channel's events until the server closes it (phx_close), waiting at most `seconds`."""
    events: list[str] = []
    deadline = time.monotonic() + seconds
    while "phx_close" not in events:
        message = json.loads(socket.recv(timeout=max(deadline - time.monotonic(), 0.01)))
        if message["topic"] == topic:
            events.append(message["event"])
    return events


def test_an_admin_signs_a_user_out_of_every_session(
    browser: WebDriver, live: Stack, users: Users, stack_settings: StackSettings
) -> None:
    target = users.make("player", ["player"])
    admin = users.make("admin", ["admin"])
    first, second = users.tokens(target), users.tokens(target)
    bearer = {"apikey": users.anon, "Authorization": f"Bearer {first['access_token']}"}
    campaigns = f"{stack_settings.api_url}/rest/v1/campaigns"
    assert httpx.get(campaigns, headers=bearer).status_code == 200
    socket, topic = join_lobby(stack_settings, first["access_token"])
    try:
        studio_sign_in(browser, live, admin)
        browser.get(f"{live.studio}/users?q={target}")
        press(browser, f"Sign out {target} everywhere")
        assert browser.title.startswith("Users"), browser.find_element(By.TAG_NAME, "main").text
        events = closed_within(socket, topic, CHANNEL_CLOSE_SECONDS)
    finally:
        socket.close()
    assert events[-1] == "phx_close"
    assert httpx.get(campaigns, headers=bearer).status_code in (401, 403)
    assert users.refresh(first["refresh_token"]) >= 400
    assert users.refresh(second["refresh_token"]) >= 400
    with psycopg.connect(live.dsn) as db:
        audited = db.execute(
            "select a.email, v.record ->> 'sessions_ended' from audit.record_version as v"
            " join auth.users as a on a.id = v.actor_id join auth.users as t"
            " on t.id = (v.record ->> 'user_id')::uuid"
            " where v.table_name = 'user_sign_outs' and t.email = %s",
            (target,),
        ).fetchall()
    assert audited == [(admin, "2")]
    users.tokens(target)  # signed out, not banned: a new sign-in works


def eventually(check: Callable[[], bool], what: str, dsn: str) -> None:
    """Poll `check` until true, at most SEARCH_SECONDS; the failure names the outbox depth."""
    deadline = time.monotonic() + SEARCH_SECONDS
    while not check():
        if time.monotonic() > deadline:
            with psycopg.connect(dsn) as db:
                depth = db.execute("select count(*) from app_private.search_outbox").fetchone()
            pytest.fail(f"{what} not within {SEARCH_SECONDS}s (outbox depth {depth})")
        time.sleep(0.5)


@pytest.fixture
def live_pack(live: Stack) -> Iterator[tuple[str, str]]:
    """(slug, a word only its deck's title holds): a pack with one published deck, removed after
    the test (the deck's delete takes it out of the index through the outbox)."""
    word = "studio" + uuid.uuid4().hex[:10]
    with psycopg.connect(live.dsn, autocommit=True) as db:
        row = db.execute(
            "with pack as (insert into public.content_packs (slug, learning_language)"
            " values (%s, 'es') returning id), deck as (insert into public.decks"
            " (pack_id, learning_language, published_at) select id, 'es', now() from pack"
            " returning id) insert into public.deck_translations (deck_id, locale, title)"
            " select id, 'en', %s from deck returning deck_id::text",
            (f"studio-live-{word}", f"Lantern {word}"),
        ).fetchone()
    assert row is not None
    try:
        yield f"studio-live-{word}", word
    finally:
        with psycopg.connect(live.dsn, autocommit=True) as db:
            db.execute("delete from public.decks where id = %s", (row[0],))
            db.execute("delete from public.content_packs where slug = %s", (f"studio-live-{word}",))


def test_an_editor_unpublishes_a_pack_and_publishes_it_and_search_follows(
    browser: WebDriver,
    live: Stack,
    users: Users,
    live_pack: tuple[str, str],
    stack_settings: StackSettings,
) -> None:
    slug, word = live_pack
    search = f"{stack_settings.api_url}/functions/v1/search"

    def found() -> bool:
        params = {"q": word, "kind": "deck", "locale": "en"}
        answer = httpx.get(search, params=params, headers={"apikey": users.anon})
        answer.raise_for_status()
        return any(word in hit.get("title", "") for hit in answer.json()["hits"])

    eventually(found, "the new pack's deck in search", live.dsn)
    studio_sign_in(browser, live, users.make("editor", ["content_editor"]))
    browser.get(f"{live.studio}/content")
    button = f"//button[normalize-space()='Unpublish {slug}']"
    browser.find_element(By.XPATH, f"{button}/ancestor::form//input[@name='confirm']").click()
    press(browser, f"Unpublish {slug}")
    eventually(lambda: not found(), "the unpublished deck gone from search", live.dsn)

    press(browser, f"Publish {slug}")
    eventually(found, "the published pack's deck in search", live.dsn)
