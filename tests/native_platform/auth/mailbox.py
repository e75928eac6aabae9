"""A real maildev (the SMTP catcher `rfl up` runs) on free ports, read through its REST API."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from native_platform.mailcatcher import installed, maildev_command
from tests.helpers.servers import free_port

__all__ = ["Mailbox", "running_maildev"]

LINK = re.compile(r"https?://\S+/verify\?\S+")
CODE = re.compile(r"\b(\d{6})\b")


@dataclass(frozen=True)
class Mailbox:
    smtp_port: int
    web_url: str

    def messages(self, to: str) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.web_url}/email", timeout=10)
        response.raise_for_status()
        return [
            mail
            for mail in response.json()
            if any(item["address"].lower() == to.lower() for item in mail["to"])
        ]

    def wait_for(self, to: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The first `count` messages to `to`, oldest first, waiting for them to arrive."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages(to)
            if len(found) >= count or time.monotonic() > deadline:
                assert len(found) >= count, f"{len(found)} of {count} mails to {to}"
                return sorted(found, key=lambda mail: str(mail["time"]))
            time.sleep(0.1)

    def last(self, to: str, count: int = 1) -> dict[str, Any]:
        return self.wait_for(to, count)[count - 1]

    def link(self, to: str, count: int = 1) -> str:
        match = LINK.search(self.last(to, count)["text"])
        assert match, "no verification link in the mail"
        return match.group(0)

    def code(self, to: str, count: int = 1) -> str:
        match = CODE.search(self.last(to, count)["text"])
        assert match, "no code in the mail"
        return match.group(1)


@contextmanager
def running_maildev() -> Iterator[Mailbox]:
    if not installed():
        pytest.fail("maildev is not installed: run scripts/bootstrap.sh")
    smtp_port, web_port = free_port(), free_port()
    process = subprocess.Popen(
        maildev_command(smtp_port, web_port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    mailbox = Mailbox(smtp_port, f"http://127.0.0.1:{web_port}")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{mailbox.web_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, "maildev exited"
            assert time.monotonic() < deadline, "maildev did not start"
            time.sleep(0.1)
        yield mailbox
    finally:
        process.terminate()
        process.wait(timeout=10)
