"""Search indexing: change-to-searchable latency and bulk reindex rate against Typesense's import.

Run with the stack's env file: `RFL_ENV_FILE=.local/<you>/.env .venv/bin/python
bench/bench_search.py`. It creates its own scratch database (all migrations, the sample export
plus synthetic lexemes), indexes into collections under a private prefix of the stack's Typesense
and drops both afterwards.

- Latency: with the indexer worker running (LISTEN/NOTIFY wake-up), one gloss is updated and
  committed, then the index is polled until a search for the new word finds it; p50/p99 of
  `CHANGES` such changes.
- Reindex: `reindex()` of every lexeme document (read from SQL in chunks, imported, alias
  swapped) in documents/s, against the baseline of Typesense's own import of exactly the same
  documents (already in memory, one import call) into a fresh collection of the same schema.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from pydantic import SecretStr

from functions.cms.bulk_import import load_sample_content
from functions.common.config import FunctionsConfig
from functions.common.db import connect_service
from functions.common.typesense_client import collection_of, typesense_session
from functions.indexer.collections import reindex
from functions.indexer.consistency import expected_documents
from functions.indexer.outbox import drain_once, pending_count
from functions.indexer.schemas import collection_schema
from functions.indexer.worker import WorkerOptions, run_worker
from native_platform.scratch import migrated_database
from native_platform.settings import load_settings

SYNTHETIC_LEXEMES = 5000
CHANGES = 200

SYNTHETIC_SQL = """
with made as (
    insert into public.lexemes (learning_language, lemma, part_of_speech, cefr, frequency_rank,
        published_at)
    select (array['es', 'de'])[1 + n %% 2], 'palabra' || n, 'noun', 'B1', 10000 + n, now()
    from generate_series(1, %(count)s) as n
    returning id, lemma
), forms as (
    insert into public.lexeme_forms (lexeme_id, surface_form, morphology)
    select id, lemma || suffix, array['pl'] from made, unnest(array['s', 'es']) as suffix
)
insert into public.lexeme_glosses (lexeme_id, locale, gloss)
select id, locale, 'meaning of ' || lemma || ' in ' || locale
from made, unnest(array['en', 'pt']) as locale
"""


@contextmanager
def private_collections(config: FunctionsConfig) -> Iterator[Any]:
    with typesense_session(config, timeout=60) as client:
        try:
            yield client
        finally:
            for alias in client.aliases.retrieve()["aliases"]:
                if alias["name"].startswith(config.collection_prefix):
                    client.aliases[alias["name"]].delete()
            for found in client.collections.retrieve():
                if found["name"].startswith(config.collection_prefix):
                    collection_of(client, found["name"]).delete()


def found(client: Any, prefix: str, word: str) -> bool:
    result = collection_of(client, f"{prefix}lexemes").documents.search(
        {"q": word, "query_by": "gloss", "num_typos": 0, "per_page": 1}
    )
    return bool(result["found"])


def change_latencies(config: FunctionsConfig, client: Any, dsn: str) -> list[float]:
    stop = threading.Event()
    options = WorkerOptions(batch_size=500, idle_wait=1.0, max_backoff=0.5)
    worker = threading.Thread(target=run_worker, args=(config, stop, options), daemon=True)
    worker.start()
    latencies = []
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            ids = [
                row[0]
                for row in conn.execute(
                    "select id from public.lexemes where published_at is not null limit %s",
                    (CHANGES,),
                )
            ]
            while pending_count(conn):
                time.sleep(0.05)
            for number, lexeme_id in enumerate(ids):
                word = f"zq{number}x{uuid.uuid4().hex[:6]}"
                conn.execute(
                    "update public.lexeme_glosses set gloss = %s"
                    " where lexeme_id = %s and locale = 'en'",
                    (word, lexeme_id),
                )
                started = time.perf_counter()
                while not found(client, config.collection_prefix, word):
                    if time.perf_counter() - started > 10:
                        raise RuntimeError(f"change {number} not searchable after 10 s")
                    time.sleep(0.001)
                latencies.append(time.perf_counter() - started)
    finally:
        stop.set()
        worker.join(timeout=10)
    return latencies


def typesense_import_rate(client: Any, prefix: str, documents: list[dict[str, Any]]) -> float:
    name = f"{prefix}baseline"
    client.collections.create(collection_schema("lexeme", name))
    started = time.perf_counter()
    results = collection_of(client, name).documents.import_(documents, {"action": "upsert"})
    elapsed = time.perf_counter() - started
    assert all(result["success"] for result in results)
    return len(documents) / elapsed


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    stack = load_settings()
    with migrated_database(stack, f"rfl_bench_search_{os.getpid()}") as dsn:
        config = FunctionsConfig(
            database_url=SecretStr(dsn),
            typesense_url=stack.typesense_url,
            typesense_api_key=stack.typesense_api_key,
            jwt_secret=stack.jwt_secret,
            cms_webhook_secret=stack.cms_webhook_secret,
            collection_prefix=f"bench{uuid.uuid4().hex[:8]}_",
        )
        load_sample_content(dsn)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(SYNTHETIC_SQL.encode(), {"count": SYNTHETIC_LEXEMES})
        with private_collections(config) as client, connect_service(config) as conn:
            while drain_once(conn, client, config.collection_prefix, 2000).entries:
                pass
            latencies = change_latencies(config, client, dsn)
            documents = list(expected_documents(conn, "lexeme").values())
            started = time.perf_counter()
            count = reindex(conn, client, config.collection_prefix, "lexeme")
            reindex_rate = count / (time.perf_counter() - started)
            baseline = typesense_import_rate(client, config.collection_prefix, documents)
    print(
        f"change-to-searchable latency over {len(latencies)} changes: "
        f"p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms"
    )
    print(
        f"bulk reindex: {count} documents at {reindex_rate:,.0f} docs/s; Typesense import of "
        f"the same documents: {baseline:,.0f} docs/s; ratio {reindex_rate / baseline:.2f}"
    )
    print(
        f"verdict: bulk reindex {reindex_rate / baseline:.2f} of Typesense's own import,"
        f" change-to-searchable p99 {percentile(latencies, 0.99) * 1000:.0f} ms"
        " (issue 8 sets no numeric aim: informational)"
    )


if __name__ == "__main__":
    main()
