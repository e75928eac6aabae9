"""A module's handout, stored by the install command (issue 21), downloaded with supabase-py's
storage client through the gateway: by a player once their game master enables the module for
their campaign, never by someone outside it."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from storage3.exceptions import StorageApiError

from functions.modules.__main__ import install_paths
from native_platform.settings import StackSettings
from tests.functions.modules.test_modules_manifest import ROOT
from tests.helpers.actors import acting_as
from tests.native_platform.gateway.conftest import Player, Table

KEY = "market-day-seville/1.0.0/handouts/price-list.md"


def _download(player: Player) -> bytes:
    data: bytes = player.client.storage.from_("module-assets").download(KEY)
    return data


def test_players_of_an_enabling_campaign_download_its_handout(
    stack_settings: StackSettings, table: Table, outsider: Player
) -> None:
    superuser = stack_settings.database_url.get_secret_value()
    install_paths(stack_settings.authenticator_url(superuser.rsplit("/", 1)[1]), [ROOT])
    ana = table.players[0]
    with pytest.raises(StorageApiError):
        _download(ana)  # not enabled for the campaign yet
    db: psycopg.Connection[Any]
    with (
        psycopg.connect(superuser, autocommit=True) as db,
        acting_as(db, "authenticated", table.gm.user_id),
    ):
        for module in ("spanish-core-items", "market-day-seville"):
            db.execute(
                "select app_private.enable_game_module(%s, %s, '1.0.0')",
                (table.campaign_id, module),
            )
    expected = (ROOT / "market-day-seville" / "handouts" / "price-list.md").read_bytes()
    assert _download(ana) == expected
    assert _download(table.gm) == expected
    with pytest.raises(StorageApiError):
        _download(outsider)
