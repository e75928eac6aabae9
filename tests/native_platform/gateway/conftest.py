"""Players at a table, signed up and joined through the one base URL with the official client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from supabase import Client, ClientOptions, create_client

from native_platform.settings import StackSettings
from tests.helpers.client_json import json_rows

PASSWORD = "correct-horse-battery"


@dataclass
class Player:
    client: Client
    email: str
    user_id: str


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """One HTTP connection pool for every client of a test, closed after it."""
    with httpx.Client(timeout=30) as client:
        yield client


def new_client(settings: StackSettings, http: httpx.Client, service: bool = False) -> Client:
    key = settings.service_role_key if service else settings.anon_key
    options = ClientOptions(auto_refresh_token=False, httpx_client=http)
    return create_client(settings.api_url, key.get_secret_value(), options)


def sign_up(settings: StackSettings, http: httpx.Client, name: str) -> Player:
    client = new_client(settings, http)
    email = f"{name}-{uuid.uuid4().hex[:8]}@example.com"
    response = client.auth.sign_up({"email": email, "password": PASSWORD})
    assert response.user is not None
    assert response.session is not None
    return Player(client, email, response.user.id)


@dataclass
class Table:
    gm: Player
    players: list[Player]
    campaign_id: str


@pytest.fixture
def table(stack_settings: StackSettings, http: httpx.Client) -> Iterator[Table]:
    """A GM with a campaign and two players who joined it through an invitation."""
    gm = sign_up(stack_settings, http, "gm")
    campaign = (
        gm.client.table("campaigns")
        .insert({"name": "La Casa de Papel", "target_language": "es"})
        .execute()
    )
    campaign_id = json_rows(campaign.data)[0]["id"]
    code = (
        gm.client.rpc("create_campaign_invitation", {"campaign_id": campaign_id, "max_uses": 2})
        .execute()
        .data
    )
    players = [sign_up(stack_settings, http, name) for name in ("ana", "ben")]
    for player in players:
        joined = player.client.rpc("join_campaign", {"code": code}).execute()
        assert joined.data == campaign_id
    yield Table(gm, players, campaign_id)
    for client in (gm.client, *(player.client for player in players)):
        client.auth.sign_out()


@pytest.fixture
def outsider(stack_settings: StackSettings, http: httpx.Client) -> Iterator[Player]:
    """A signed-up player who belongs to no campaign of the table."""
    player = sign_up(stack_settings, http, "outsider")
    yield player
    player.client.auth.sign_out()
