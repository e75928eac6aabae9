"""The compose stack `make test-deploy` brought up (scripts/containers-test.sh sets
RFL_DEPLOY_URL and the rest); every test here is skipped anywhere else."""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator

import httpx
import pytest

from tests.deploy.support import Deployment


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    verify = ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    with httpx.Client(timeout=30, verify=verify) as http:
        yield Deployment(
            os.environ["RFL_DEPLOY_URL"],
            os.environ["RFL_DEPLOY_ANON_KEY"],
            os.environ["RFL_DEPLOY_PROJECT"],
            http,
        )
