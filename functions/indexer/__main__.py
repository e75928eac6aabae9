"""`python -m functions.indexer [run|drain|reindex|verify] [KIND...]`: the indexer's commands."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import Any

import psycopg

from functions.common.config import get_config
from functions.common.db import connect_service
from functions.common.typesense_client import KINDS, typesense_session
from functions.indexer.collections import reindex
from functions.indexer.consistency import drift
from functions.indexer.outbox import drain_once
from functions.indexer.worker import RETRYABLE, WorkerOptions, run_worker
from native_platform.observability.logging import configure_logging
from native_platform.observability.tracing import configure_tracing, flush_traces

log = logging.getLogger("functions.indexer")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m functions.indexer")
    parser.add_argument(
        "command", nargs="?", default="run", choices=["run", "drain", "reindex", "verify"]
    )
    parser.add_argument("kinds", nargs="*", help=f"any of {', '.join(KINDS)} (default: all)")
    parser.add_argument("--batch-size", type=int, default=500)
    return parser.parse_args(argv)


def one_shot(command: str, kinds: list[str], batch_size: int) -> int:
    config = get_config()
    with typesense_session(config) as client, connect_service(config) as conn:
        if command == "drain":
            while drain_once(conn, client, config.collection_prefix, batch_size).entries:
                pass
            return 0
        if command == "verify":
            return verify(conn, client, config.collection_prefix, kinds)
        for kind in kinds:
            count = reindex(conn, client, config.collection_prefix, kind)
            log.info("reindexed %s: %d documents", kind, count)
    return 0


def verify(conn: psycopg.Connection, client: Any, prefix: str, kinds: list[str]) -> int:
    """Print the drift of each kind; exit status 1 when any index differs from the database."""
    clean = True
    for kind in kinds:
        found = drift(conn, client, prefix, kind)
        clean = clean and found.clean
        sys.stdout.write(
            f"{kind}: {len(found.missing)} missing, {len(found.unexpected)} unexpected, "
            f"{len(found.different)} different\n"
        )
    return 0 if clean else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    unknown = sorted(set(args.kinds) - set(KINDS))
    if unknown:
        sys.stderr.write(f"unknown kinds: {', '.join(unknown)}\n")
        return 2
    configure_logging("indexer")
    configure_tracing("indexer")
    if args.command == "run":
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        run_worker(get_config(), stop, WorkerOptions(batch_size=args.batch_size))
        flush_traces()
        return 0
    try:
        return one_shot(args.command, args.kinds or list(KINDS), args.batch_size)
    except (*RETRYABLE, psycopg.OperationalError) as error:
        log.error("%s failed, nothing was lost (retry later): %s", args.command, error)
        return 1


if __name__ == "__main__":
    sys.exit(main())
