"""Traces end to end: one dice roll through a gateway started with the standard `OTEL_*`
variables, whose spans arrive at an OTLP/HTTP receiver started by the test."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from realtime import (
    AsyncRealtimeClient,
    RealtimePostgresChangesListenEvent,
    RealtimeSubscribeStates,
)

from native_platform.observability.tracing import describe, parse_traceparent, tracing_enabled
from native_platform.settings import StackSettings
from native_platform.stack import api_command
from tests.functions.conftest import config_for, unique_prefix
from tests.helpers.gateway_process import gateway_process, wait_ready
from tests.helpers.servers import free_port
from tests.native_platform.gateway import conftest as gateway_fixtures
from tests.native_platform.gateway.conftest import Table
from tests.native_platform.gateway.test_live_table import access_token, subscribed
from tests.native_platform.observability.otlp_receiver import (
    ReceivedSpan,
    Receiver,
    otlp_receiver,
)

__all__ = ["wait_ready"]  # also used by test_metrics

SERVER, CLIENT, INTERNAL, CONSUMER = 2, 3, 1, 5  # OTLP's SpanKind numbers
# The gateway tests' players at a table, signed up through the shared stack.
http = gateway_fixtures.http
table = gateway_fixtures.table


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with otlp_receiver(free_port()) as started:
        yield started


@pytest.fixture
def traced_gateway(
    stack_settings: StackSettings, stack_settings_file: Path, receiver: Receiver, tmp_path: Path
) -> Iterator[tuple[str, Path]]:
    """The gateway as `rfl up` runs it, on its own port, exporting to the receiver; its URL and
    its log file."""
    port = free_port()
    command = api_command(stack_settings.model_copy(update={"api_port": port}))
    env = {
        **os.environ,
        "RFL_ENV_FILE": str(stack_settings_file),
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
        "OTEL_BSP_SCHEDULE_DELAY": "100",
    }
    env.pop("OTEL_SDK_DISABLED", None)
    log_file = tmp_path / "api.log"
    with gateway_process(command, port, env, log_file) as (url, _):
        yield url, log_file


def new_traceparent() -> tuple[str, str, str]:
    trace_id, parent_id = secrets.token_hex(16), secrets.token_hex(8)
    return f"00-{trace_id}-{parent_id}-01", trace_id, parent_id


def children(spans: list[ReceivedSpan], parent: ReceivedSpan) -> list[ReceivedSpan]:
    return [span for span in spans if span.parent_span_id == parent.span_id]


def only(spans: list[ReceivedSpan], name: str) -> ReceivedSpan:
    found = [span for span in spans if span.name == name]
    assert len(found) == 1, f"{name}: {[s.name for s in spans]}"
    return found[0]


def complete(root_parent: str, last: str = "realtime deliver") -> Callable[..., bool]:
    """The tree is whole: its last span arrived and every span's parent did too."""

    def done(spans: list[ReceivedSpan]) -> bool:
        known = {span.span_id for span in spans} | {root_parent}
        whole = all(span.parent_span_id in known for span in spans)
        return whole and any(span.name == last for span in spans)

    return done


def test_dice_roll_span_tree_reaches_the_receiver_under_the_clients_trace(
    stack_settings: StackSettings,
    table: Table,
    traced_gateway: tuple[str, Path],
    receiver: Receiver,
) -> None:
    """gateway (child of the client's traceparent) → dice → INSERT public.dice_rolls →
    realtime delivery to the campaign channel (broadcast) and of the row read from the WAL
    (postgres_changes); no token or parameter value in any span, and
    the gateway's log lines of the request carry the same trace id."""
    url, log_file = traced_gateway
    ana, ben = table.players
    traceparent, trace_id, client_span = new_traceparent()
    body = {"campaign_id": table.campaign_id, "expression": "1d20+7", "visibility": "public"}
    token = access_token(ana)
    heard: list[Any] = []
    changed: list[Any] = []

    async def scenario() -> httpx.Response:
        client = AsyncRealtimeClient(
            f"{url}/realtime/v1", token=stack_settings.anon_key.get_secret_value()
        )
        await client.connect()
        await client.set_auth(access_token(ben))
        options: Any = {"config": {"private": True}}
        channel = client.channel(f"campaign:{table.campaign_id}", options)
        channel.on_broadcast("insert", heard.append)
        rows = client.channel(f"rolls-{table.campaign_id}")
        rows.on_postgres_changes(
            RealtimePostgresChangesListenEvent.Insert,
            changed.append,
            table="dice_rolls",
            schema="public",
            filter=f"campaign_id=eq.{table.campaign_id}",
        )
        try:
            assert await subscribed(channel) == RealtimeSubscribeStates.SUBSCRIBED
            assert await subscribed(rows) == RealtimeSubscribeStates.SUBSCRIBED
            async with httpx.AsyncClient() as http:
                response = await http.post(
                    f"{url}/functions/v1/dice/rolls",
                    json=body,
                    headers={
                        "apikey": stack_settings.anon_key.get_secret_value(),
                        "Authorization": f"Bearer {token}",
                        "traceparent": traceparent,
                    },
                )
            async with asyncio.timeout(10):
                while not heard or not changed:
                    await asyncio.sleep(0.05)
            return response
        finally:
            await client.close()

    response = asyncio.run(scenario())
    assert response.status_code in (200, 201), response.text
    roll_id = response.json()["id"]
    both = (complete(client_span), complete(client_span, last="realtime deliver changes"))
    spans = receiver.wait_for(trace_id, lambda spans: all(done(spans) for done in both))

    gateway = only(spans, "POST /functions/v1/dice/rolls")
    assert (gateway.kind, gateway.parent_span_id) == (SERVER, client_span)
    assert gateway.service == "rfl-api"
    dice = only(children(spans, gateway), "functions/dice")
    assert dice.kind == INTERNAL
    statements = [span for span in spans if span.kind == CLIENT]
    assert all(span.attributes.get("db.collection.name") for span in statements)  # no plumbing
    insert = only(statements, "INSERT public.dice_rolls")
    assert insert.attributes["db.operation.name"] == "INSERT"
    assert insert.attributes["db.collection.name"] == "public.dice_rolls"
    assert insert.attributes["db.response.returned_rows"] == 1
    ancestors = {span.span_id: span for span in spans}
    parent = ancestors[insert.parent_span_id]
    while parent.span_id != dice.span_id:
        parent = ancestors[parent.parent_span_id]
    delivery = only(spans, "realtime deliver")
    assert delivery.parent_span_id == insert.span_id
    assert delivery.kind == CONSUMER
    assert delivery.attributes["messaging.destination.name"] == f"campaign:{table.campaign_id}"
    assert delivery.attributes["rfl.realtime.sockets"] == 1
    # The same row read from the WAL (postgres_changes) joins the trace under the insert too.
    from_wal = only(spans, "realtime deliver changes")
    assert from_wal.parent_span_id == insert.span_id
    assert from_wal.kind == CONSUMER

    recorded = json.dumps([span.attributes for span in spans])
    for secret in (token, stack_settings.anon_key.get_secret_value(), "1d20+7", ana.user_id):
        assert secret not in recorded

    lines = [json.loads(line) for line in log_file.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("path") == "/functions/v1/dice/rolls"]
    assert len(access) == 1
    assert access[0]["trace_id"] == trace_id
    assert access[0]["user_id"] == ana.user_id
    assert access[0]["status"] == response.status_code
    assert access[0]["request_id"] == response.headers["x-request-id"]
    assert roll_id


def test_an_unsampled_request_records_no_span(
    stack_settings: StackSettings, traced_gateway: tuple[str, Path], receiver: Receiver
) -> None:
    """A client that did not sample its trace (flags 00) gets no span at all from us (the
    default parent-based sampler): no service span, no statement span. A sampled request sent
    afterwards shows the exporter had flushed what it had."""
    url, _ = traced_gateway
    service = stack_settings.service_role_key.get_secret_value()
    headers = {
        "apikey": stack_settings.anon_key.get_secret_value(),
        "Authorization": f"Bearer {service}",
    }
    unsampled, unsampled_trace, _ = new_traceparent()
    sampled, sampled_trace, client_span = new_traceparent()
    for traceparent in (unsampled.removesuffix("-01") + "-00", sampled):
        response = httpx.get(
            f"{url}/rest/v1/locales?select=code",
            headers={**headers, "traceparent": traceparent},
        )
        assert response.status_code == 200, response.text
    spans = receiver.wait_for(sampled_trace, complete(client_span, last="SELECT public.locales"))
    assert {span.name for span in spans} >= {
        "GET /rest/v1/locales",
        "rest",
        "SELECT public.locales",
    }
    assert receiver.of_trace(unsampled_trace) == []


def test_outbox_rows_carry_the_writers_traceparent(db: psycopg.Connection) -> None:
    """A traced statement's comment is read back by the outbox's default; untraced, null."""
    traceparent, _, _ = new_traceparent()
    insert = (
        "insert into app_private.search_outbox (kind, entity_id) values ('deck', gen_random_uuid())"
    )
    traced = db.execute(f"{insert} returning traceparent /*traceparent='{traceparent}'*/")
    plain = db.execute(f"{insert} returning traceparent")
    assert traced.fetchone() == (traceparent,)
    assert plain.fetchone() == (None,)


def test_tracing_is_off_unless_the_otel_variables_ask() -> None:
    assert not tracing_enabled({})
    assert tracing_enabled({"OTEL_TRACES_EXPORTER": "otlp"})
    assert tracing_enabled({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert not tracing_enabled({"OTEL_TRACES_EXPORTER": "none"})
    assert not tracing_enabled({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_SDK_DISABLED": "true"})


@pytest.mark.parametrize(
    ("statement", "described"),
    [
        (
            "insert into public.dice_rolls (a) values (%s) returning id",
            ("INSERT", "public.dice_rolls"),
        ),
        (
            "select * from app_private.search_outbox order by id",
            ("SELECT", "app_private.search_outbox"),
        ),
        ('update "public"."campaigns" set name = %s', ("UPDATE", "public.campaigns")),
        ("select pg_catalog.set_config('role', %s, true)", ("SELECT", None)),
        ("vacuum", ("SQL", None)),
    ],
)
def test_statements_are_described_by_kind_and_table(
    statement: str, described: tuple[str, str | None]
) -> None:
    assert describe(statement) == described


def test_malformed_traceparents_are_ignored() -> None:
    assert parse_traceparent("00-" + "0" * 32 + "-" + "1" * 16 + "-01") is None
    assert parse_traceparent("garbage") is None
    assert parse_traceparent(None) is None


def test_indexer_drain_joins_the_trace_of_the_write(
    stack_settings: StackSettings, db_dsn: str, receiver: Receiver
) -> None:
    """An outbox row written by a traced statement: the indexer's drain span (another process)
    is a child of that statement's span, with its own SQL as children."""
    traceparent, trace_id, writer_span = new_traceparent()
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(
            "insert into app_private.search_outbox (kind, entity_id)"
            f" values ('deck', gen_random_uuid()) /*traceparent='{traceparent}'*/"
        )
    with unique_prefix(stack_settings) as prefix:
        config = config_for(stack_settings, db_dsn, prefix)
        env = {
            **os.environ,
            "RFL_FUNCTIONS_DATABASE_URL": config.database_url.get_secret_value(),
            "RFL_FUNCTIONS_COLLECTION_PREFIX": prefix,
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
        }
        drained = subprocess.run(
            [sys.executable, "-m", "functions.indexer", "drain"],
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )
    assert drained.returncode == 0, drained.stdout.decode() + drained.stderr.decode()
    spans = receiver.wait_for(trace_id, complete(writer_span, "indexer drain"))
    drain = only(spans, "indexer drain")
    assert (drain.service, drain.parent_span_id) == ("rfl-indexer", writer_span)
    assert drain.attributes["rfl.indexer.entries"] == 1
    statements = {span.name for span in children(spans, drain)}
    assert "DELETE app_private.search_outbox" in statements
