"""Backups of the compose stack (issue 15), with the commands of docs/operations.md ("In the
container deployment") as written there: a full backup, rows written after it, a moment T,
more rows; the backup listed and verified; the services and db stopped, the db volume restored
to T, everything started again and search rebuilt: the rows before T are there, those after
are not, the audit chain verifies; the folder kept aside is deleted by `restore --confirm`.

The last module of tests/deploy (it restarts the whole stack)."""

from __future__ import annotations

import os
import re
import time

import pytest

from tests.deploy.support import Deployment, Player, compose, containers, sign_up
from tests.helpers.client_json import json_rows

pytestmark = pytest.mark.skipif(
    not os.environ.get("RFL_DEPLOY_URL"), reason="needs the compose stack (make test-deploy)"
)

WRITERS = (
    "api1 api2 functions1 functions2 realtime1 realtime2 indexer storage-reconcile"
    " postgres-exporter nginx"
).split()


def campaign(player: Player, name: str) -> str:
    created = player.client.table("campaigns").insert({"name": name, "target_language": "es"})
    return str(json_rows(created.execute().data)[0]["id"])


def database(deployment: Deployment, sql: str) -> str:
    db = f"{deployment.project}_db_1"
    return containers("exec", db, "psql", "-X", "-U", "postgres", "-Atc", sql)


def wait_ready(deployment: Deployment) -> None:
    """The readiness loop of scripts/containers-test.sh: the API, a function, both realtime
    nodes, through nginx."""
    paths = ("/health", "/functions/v1/dice/odds?expression=1d6", "/realtime/v1/ready")
    deadline = time.monotonic() + 120
    while True:
        try:
            codes = [deployment.http.get(deployment.url + path).status_code for path in paths]
        except OSError:
            codes = []
        if codes == [200, 200, 200]:
            return
        assert time.monotonic() < deadline, f"not ready after the restore: {codes}"
        time.sleep(1)


# Two dozen compose commands, each starting containers: minutes on a loaded 2-core machine.
@pytest.mark.timeout(600)
def test_backup_and_restore_to_a_moment(deployment: Deployment) -> None:
    gm = sign_up(deployment, "restorer")
    taken = compose("run", "--rm", "backup", "backup", "--type", "full")
    label = re.search(r"backup (\S+) \(full\) done", taken)
    assert label, taken
    # pgBackRest keeps a backup's stop time in whole seconds and wants it strictly before the
    # target: on a quiet machine T can fall in the second the backup stopped.
    time.sleep(1.5)
    before = campaign(gm, "before T")
    moment = database(
        deployment,
        "select to_char(clock_timestamp() at time zone 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')",
    )
    time.sleep(1.0)
    after = campaign(gm, "after T")

    listed = compose("run", "--rm", "backup", "backup", "list")
    assert label.group(1) in listed, listed
    verified = compose("run", "--rm", "backup", "backup", "verify")
    assert "verify: ok" in verified, verified

    compose("stop", *WRITERS)
    compose("stop", "db")  # the db's stop archives the current WAL segment first
    restored = compose("run", "--rm", "backup", "restore", "--to", moment)
    assert "restored and promoted" in restored, restored
    compose("start", "db")
    compose("run", "--rm", "migrate")
    compose("start", *WRITERS)
    compose("run", "--rm", "indexer", "worker", "indexer", "reindex")
    wait_ready(deployment)

    rows = gm.client.table("campaigns").select("id").in_("id", [before, after]).execute()
    assert [row["id"] for row in json_rows(rows.data)] == [before]
    assert database(deployment, "select is_valid from audit.verify_chain()") == "t"
    confirmed = compose("run", "--rm", "backup", "restore", "--confirm")
    assert "deleted 1 pre-restore data folder" in confirmed, confirmed
    print(f"backup {label.group(1)}, restored to {moment} UTC")  # noqa: T201
