"""End to end through the one base URL, with nothing but the official `supabase` client."""

from __future__ import annotations

import httpx
import jwt
import psycopg
import pytest
from postgrest.exceptions import APIError
from supabase_auth.errors import AuthApiError

from native_platform.settings import StackSettings
from tests.helpers.client_json import json_rows
from tests.native_platform.gateway.conftest import PASSWORD, Table, new_client, sign_up


def test_players_join_and_create_characters(table: Table) -> None:
    """Invited players become members and each creates a character the GM can see."""
    for index, player in enumerate(table.players):
        player.client.table("characters").insert(
            {"campaign_id": table.campaign_id, "name": f"Hero {index}", "vocabulary": 14}
        ).execute()
    seen = (
        table.gm.client.table("characters")
        .select("name, vocabulary_mod, owner_id")
        .eq("campaign_id", table.campaign_id)
        .order("name")
        .execute()
    )
    assert [row["name"] for row in json_rows(seen.data)] == ["Hero 0", "Hero 1"]
    assert {row["owner_id"] for row in json_rows(seen.data)} == {p.user_id for p in table.players}
    roles = (
        table.gm.client.table("campaign_members")
        .select("user_id, role")
        .eq("campaign_id", table.campaign_id)
        .execute()
    )
    assert sorted(row["role"] for row in json_rows(roles.data)) == ["gm", "player", "player"]


def test_replayed_refresh_token_kills_the_session(
    table: Table, stack_settings: StackSettings, http: httpx.Client
) -> None:
    """Refreshing rotates the token; replaying the old one once the reuse interval is over
    (`[auth] refresh_token_reuse_interval`, 10 s: two tabs refreshing at once both keep the
    session, test_auth_settings.py) revokes the whole session."""
    player = table.players[0]
    session = player.client.auth.get_session()
    assert session is not None
    old_refresh = session.refresh_token
    refreshed = player.client.auth.refresh_session()
    assert refreshed.session is not None
    assert refreshed.session.refresh_token != old_refresh
    session_id = jwt.decode(session.access_token, options={"verify_signature": False})["session_id"]
    with psycopg.connect(stack_settings.database_url.get_secret_value(), autocommit=True) as conn:
        # The interval passes for this session's rotated token only.
        conn.execute(
            "update auth.refresh_tokens set used_at = now() - interval '1 minute'"
            " where session_id = %s and used_at is not null",
            (session_id,),
        )
    attacker = new_client(stack_settings, http)
    with pytest.raises(AuthApiError):
        attacker.auth.refresh_session(old_refresh)
    with pytest.raises(AuthApiError):
        attacker.auth.refresh_session(refreshed.session.refresh_token)
    with pytest.raises(APIError):
        player.client.table("campaigns").select("id").execute()


def test_signed_out_token_is_refused(
    table: Table, stack_settings: StackSettings, http: httpx.Client
) -> None:
    """After sign-out, the old access token no longer reads anything private."""
    player = table.players[1]
    session = player.client.auth.get_session()
    assert session is not None
    player.client.auth.sign_out()
    stale = new_client(stack_settings, http)
    stale.postgrest.auth(session.access_token)
    with pytest.raises(APIError) as refused:
        stale.table("campaigns").select("id").eq("id", table.campaign_id).execute()
    assert refused.value.code is not None


def test_banned_user_cannot_sign_in(stack_settings: StackSettings, http: httpx.Client) -> None:
    """An admin bans a user with the service-role key; the user's sign-in is refused."""
    victim = sign_up(stack_settings, http, "banned")
    admin = new_client(stack_settings, http, service=True)
    admin.auth.admin.update_user_by_id(victim.user_id, {"ban_duration": "24h"})
    with pytest.raises(AuthApiError) as refused:
        new_client(stack_settings, http).auth.sign_in_with_password(
            {"email": victim.email, "password": PASSWORD}
        )
    assert refused.value.code == "user_banned"


def test_admin_api_needs_the_service_role_key(
    stack_settings: StackSettings, http: httpx.Client
) -> None:
    """Listing users works with the service-role key and fails with the anon key."""
    player = sign_up(stack_settings, http, "listed")
    admin = new_client(stack_settings, http, service=True)
    emails = {user.email for user in admin.auth.admin.list_users(per_page=1000)}
    assert player.email in emails
    with pytest.raises(AuthApiError) as refused:
        new_client(stack_settings, http).auth.admin.list_users()
    assert refused.value.status == 403
