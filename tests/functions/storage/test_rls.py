"""The RLS matrix of every game bucket, through storage3: who may upload, download and list."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from storage3.exceptions import StorageApiError

from tests.functions.storage.conftest import MP3, PNG, World, put
from tests.helpers.actors import acting_as

EVERYONE = ("anon", "gm", "player", "other", "editor", "admin")


def may_upload(world: World, actor: str, bucket: str, path: str, body: bytes, mime: str) -> bool:
    try:
        put(world, actor, bucket, path, body, mime)
    except StorageApiError as error:
        assert error.status in ("403", "400", 403, 400)
        return False
    return True


def may_download(world: World, actor: str, bucket: str, path: str) -> bool:
    try:
        world.client(actor).storage.from_(bucket).download(path)
    except StorageApiError as error:
        assert str(error.status) in ("400", "404", "403")
        return False
    return True


def _folder(world: World, actor: str) -> str:
    return str(world.users[actor]) if actor in world.users else str(uuid.uuid4())


@pytest.mark.parametrize("actor", EVERYONE)
def test_avatars_each_user_writes_only_their_own_folder(world: World, actor: str) -> None:
    """Own folder: every signed-in user; the gm's folder: nobody else; anon: nothing."""
    own = may_upload(world, actor, "avatars", f"{_folder(world, actor)}/me.png", PNG, "image/png")
    assert own == (actor != "anon")
    if actor != "gm":
        path = f"{world.users['gm']}/{actor}.png"
        assert not may_upload(world, actor, "avatars", path, PNG, "image/png")


@pytest.mark.parametrize("actor", EVERYONE)
def test_avatars_are_public_but_only_owners_and_admins_list_them(world: World, actor: str) -> None:
    path = f"{world.users['gm']}/face.png"
    put(world, "service", "avatars", path, PNG, "image/png")
    public_url = world.client(actor).storage.from_("avatars").get_public_url(path)
    assert world.http.get(public_url).content == PNG
    listed = world.client(actor).storage.from_("avatars").list(str(world.users["gm"]))
    names = {item["name"] for item in listed}
    assert ("face.png" in names) == (actor in ("gm", "admin"))


MAP_READERS = {"gm", "player", "admin"}


@pytest.mark.parametrize("actor", EVERYONE)
def test_campaign_maps_members_read_and_the_gm_writes(world: World, actor: str) -> None:
    path = f"{world.campaign}/map-{actor}.png"
    assert may_upload(world, actor, "campaign-maps", path, PNG, "image/png") == (actor == "gm")
    put(world, "service", "campaign-maps", f"{world.campaign}/world.png", PNG, "image/png")
    readable = may_download(world, actor, "campaign-maps", f"{world.campaign}/world.png")
    assert readable == (actor in MAP_READERS)


@pytest.mark.parametrize("actor", EVERYONE)
def test_handouts_players_read_only_revealed_ones(world: World, actor: str) -> None:
    hidden, shown = f"{world.campaign}/secret.png", f"{world.campaign}/clue.png"
    put(world, "gm", "handouts", hidden, PNG, "image/png")
    gm = world.client("gm").storage.from_("handouts")
    gm.upload(
        shown, PNG, {"content-type": "image/png", "upsert": "true", "metadata": {"revealed": True}}
    )
    assert may_download(world, actor, "handouts", hidden) == (actor in ("gm", "admin"))
    assert may_download(world, actor, "handouts", shown) == (actor in ("gm", "player", "admin"))
    path = f"{world.campaign}/by-{actor}.png"
    assert may_upload(world, actor, "handouts", path, PNG, "image/png") == (actor == "gm")


def test_the_gm_reveals_a_handout_through_rest(world: World) -> None:
    """public.reveal_handout(): the gm may, the player may not; then the player reads it."""
    path = f"{world.campaign}/later.png"
    put(world, "gm", "handouts", path, PNG, "image/png")
    assert not may_download(world, "player", "handouts", path)
    with psycopg.connect(world.dsn, autocommit=True) as db:
        with pytest.raises(psycopg.errors.NoDataFound):
            with acting_as(db, "authenticated", world.users["player"]):
                db.execute("select public.reveal_handout(%s)", (path,))
        with acting_as(db, "authenticated", world.users["gm"]):
            db.execute("select public.reveal_handout(%s)", (path,))
    assert may_download(world, "player", "handouts", path)


@pytest.mark.parametrize("actor", EVERYONE)
def test_lexeme_audio_published_is_public_and_editors_write(world: World, actor: str) -> None:
    published, draft = f"{world.lexeme}/say.mp3", f"{world.draft_lexeme}/say.mp3"
    put(world, "service", "lexeme-audio", published, MP3, "audio/mpeg")
    put(world, "service", "lexeme-audio", draft, MP3, "audio/mpeg")
    assert may_download(world, actor, "lexeme-audio", published)
    assert may_download(world, actor, "lexeme-audio", draft) == (actor in ("editor", "admin"))
    path = f"{world.lexeme}/{actor}.mp3"
    expected = actor in ("editor", "admin")
    assert may_upload(world, actor, "lexeme-audio", path, MP3, "audio/mpeg") == expected
