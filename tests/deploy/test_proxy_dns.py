"""nginx finds a restarted replica without a reload (docs/deployment.md, "The proxy"): the
backends are network aliases resolved by the compose network's DNS when requests need them.
api1 is stopped and started again (another address), then api2 is stopped: every request
through nginx still succeeds, so nginx sends them to api1's new address."""

from __future__ import annotations

import os
import time

import pytest

from tests.deploy.support import Deployment, containers

pytestmark = pytest.mark.skipif(
    not os.environ.get("RFL_DEPLOY_URL"), reason="needs the compose stack (make test-deploy)"
)
# nginx keeps a DNS answer this long (resolver … valid=5s, deploy/images/nginx/entrypoint.sh).
DNS_VALID = 5.0


def address(container: str) -> str:
    return containers(
        "inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", container
    )


def test_a_restarted_node_is_found_without_reload(deployment: Deployment) -> None:
    api1, api2 = (f"{deployment.project}_{name}_1" for name in ("api1", "api2"))
    nginx = f"{deployment.project}_nginx_1"
    started = containers("inspect", "--format", "{{.State.StartedAt}}", nginx)
    before = address(api1)
    containers("stop", "--time", "5", api1)
    containers("start", api1)
    after = address(api1)
    assert after != before, "api1 kept its address: nothing to re-resolve"
    containers("stop", "--time", "5", api2)
    try:
        time.sleep(DNS_VALID + 1)  # nginx's cached answers (with api2's address) expire
        deadline = time.monotonic() + 60  # api1 ready again (its /ready answers)
        while deployment.http.get(f"{deployment.url}/health").status_code != 200:
            assert time.monotonic() < deadline, "api1 never answered through nginx"
            time.sleep(0.5)
        headers = {"apikey": deployment.anon_key}
        for _ in range(20):
            answer = deployment.http.get(f"{deployment.url}/rest/v1/locales", headers=headers)
            assert answer.status_code == 200, answer.text
    finally:
        containers("start", api2)
    # The same nginx container all along (never reloaded nor restarted by this test).
    assert containers("inspect", "--format", "{{.State.StartedAt}}", nginx) == started
    print(f"api1 moved from {before} to {after}")  # noqa: T201
