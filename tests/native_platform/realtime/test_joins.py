"""Joining, tokens, limits and hostile input: errors come back in the protocol's own shape and
the socket stays usable."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import websockets

from tests.native_platform.realtime.support import RawSocket, RealtimeEnv, Server

pytestmark = pytest.mark.anyio


async def heartbeat_ok(socket: RawSocket) -> bool:
    ref = await socket.send("phoenix", "heartbeat", {})
    while True:
        frame = await socket.expect("phx_reply", "phoenix")
        if frame["ref"] == ref:
            return bool(frame["payload"]["status"] == "ok")


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("", "API key is missing"),
        ("not-a-jwt", "The token provided is not a valid JWT"),
        ("forged", "Failed to validate JWT signature"),
        ("expired", "Token has expired"),
    ],
)
async def test_bad_connect_token_rejected(
    realtime_env: RealtimeEnv, server: Server, token: str, message: str
) -> None:
    """The upgrade is refused with 401 and a JSON error naming the problem."""
    import jwt

    if token == "forged":
        token = jwt.encode({"role": "anon", "exp": 9999999999}, "x" * 40, algorithm="HS256")
    elif token == "expired":
        token = realtime_env.token(ttl=-10)
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(f"{server.url}/websocket?apikey={token}&vsn=1.0.0")
    assert refused.value.response.status_code == 401
    assert message in refused.value.response.body.decode()


async def test_join_with_expired_access_token_refused(
    realtime_env: RealtimeEnv, server: Server
) -> None:
    """A join carrying an expired access_token gets an InvalidJWTToken error reply."""
    socket = await RawSocket.open(server, realtime_env.token(role="anon"))
    reply = await socket.join("room", access_token=realtime_env.token(str(uuid.uuid4()), ttl=-5))
    assert reply["payload"]["status"] == "error"
    assert reply["payload"]["response"]["reason"].startswith("InvalidJWTToken: Token has expired")
    assert await heartbeat_ok(socket)
    await socket.close()


async def test_token_expiry_closes_channel(realtime_env: RealtimeEnv, server: Server) -> None:
    """When the channel's token expires: a system error, then phx_close."""
    socket = await RawSocket.open(server, realtime_env.token(role="anon"))
    reply = await socket.join("room", access_token=realtime_env.token(str(uuid.uuid4()), ttl=2))
    assert reply["payload"]["status"] == "ok"
    system = await socket.expect("system")
    assert system["payload"]["status"] == "error" and system["payload"]["extension"] == "system"
    assert system["payload"]["message"].startswith("Token has expired")
    assert (await socket.expect("phx_close"))["topic"] == "realtime:room"
    await socket.close()


async def test_forged_access_token_refresh_closes_channel(
    realtime_env: RealtimeEnv, server: Server
) -> None:
    """An access_token message with a forged token shuts the channel down."""
    socket = await RawSocket.open(server, realtime_env.token(role="anon"))
    await socket.join("room")
    await socket.send("realtime:room", "access_token", {"access_token": "a.b.c"})
    system = await socket.expect("system")
    assert system["payload"]["message"] == "The token provided is not a valid JWT"
    await socket.expect("phx_close")
    assert await heartbeat_ok(socket)
    await socket.close()


async def test_malformed_frames_answered_and_socket_survives(
    realtime_env: RealtimeEnv, server: Server
) -> None:
    """Non-JSON, wrongly shaped and binary garbage frames get error replies; the socket lives."""
    socket = await RawSocket.open(server, realtime_env.token(role="anon"))
    for garbage in ("{nope", "[1,2]", '{"topic": 5, "event": "x"}', b"\x03\xff\xff"):
        await socket.connection.send(garbage)
        frame = await socket.expect("phx_reply", "phoenix")
        assert frame["payload"]["status"] == "error"
    await socket.send("realtime:never-joined", "broadcast", {"event": "x", "payload": {}})
    frame = await socket.expect("phx_reply", "realtime:never-joined")
    assert frame["payload"]["response"]["reason"] == "unmatched topic"
    reply = await socket.join("")
    assert reply["payload"]["response"]["reason"].startswith("TopicNameRequired")
    assert await heartbeat_ok(socket)
    await socket.close()


async def test_bad_filter_and_unpublished_table_reported(
    realtime_env: RealtimeEnv, server: Server
) -> None:
    """Bad bindings are echoed with ids, then a `system` error explains the problem."""
    socket = await RawSocket.open(server, realtime_env.token(role="anon"))
    cases = [
        (
            {"event": "*", "schema": "public", "table": "rt_rolls", "filter": "total=like.1"},
            "Error parsing `filter` params",
        ),
        (
            {"event": "*", "schema": "public", "table": "rt_rolls", "filter": "nope=eq.1"},
            "Error parsing `filter` params",
        ),
        ({"event": "INSERT", "schema": "public", "table": "secrets"}, "Unable to subscribe"),
    ]
    for index, (binding, message) in enumerate(cases):
        reply = await socket.join(f"bad{index}", {"postgres_changes": [binding]})
        echoed = reply["payload"]["response"]["postgres_changes"][0]
        assert echoed["id"] > 0 and {k: echoed[k] for k in binding} == binding
        system = await socket.expect("system", f"realtime:bad{index}")
        assert system["payload"]["status"] == "error" and message in system["payload"]["message"]
    await socket.close()


async def test_oversized_broadcast_refused(realtime_env: RealtimeEnv, server: Server) -> None:
    """A push above the payload limit gets a PayloadTooLarge error; later pushes still work."""
    socket = await RawSocket.open(server, realtime_env.token(role="anon"))
    await socket.join("big", {"broadcast": {"ack": True}})
    huge = {"type": "broadcast", "event": "e", "payload": {"blob": "x" * 100_000}}
    await socket.send("realtime:big", "broadcast", huge)
    frame = await socket.expect("phx_reply", "realtime:big")
    assert frame["payload"]["response"]["reason"].startswith("PayloadTooLarge")
    await socket.send(
        "realtime:big", "broadcast", {"type": "broadcast", "event": "e", "payload": {}}
    )
    assert (await socket.expect("phx_reply", "realtime:big"))["payload"]["status"] == "ok"
    await socket.close()


async def test_channel_limit_reached(realtime_env: RealtimeEnv, server: Server) -> None:
    """Joining more channels than allowed is refused with ChannelRateLimitReached."""
    socket = await RawSocket.open(server, realtime_env.token(role="anon"))
    limit = realtime_env.settings.max_channels_per_client
    for index in range(limit):
        assert (await socket.join(f"c{index}"))["payload"]["status"] == "ok"
    reply = await socket.join("one-too-many")
    assert reply["payload"]["response"]["reason"] == "ChannelRateLimitReached: Too many channels"
    await socket.close()


async def test_message_flood_closes_channel_not_others(
    realtime_env: RealtimeEnv, server: Server
) -> None:
    """A client exceeding the message rate loses the channel; other clients are unaffected."""
    flooder = await RawSocket.open(server, realtime_env.token(role="anon"))
    bystander = await RawSocket.open(server, realtime_env.token(role="anon"))
    await flooder.join("flood")
    await bystander.join("flood")
    for _ in range(realtime_env.settings.max_events_per_second * 2):
        await flooder.send(
            "realtime:flood", "broadcast", {"type": "broadcast", "event": "e", "payload": {}}
        )
    system = await flooder.expect("system")
    assert system["payload"]["message"] == "Too many messages per second"
    await flooder.expect("phx_close")
    assert await heartbeat_ok(bystander)
    await asyncio.gather(flooder.close(), bystander.close())
