"""The stack's SMTP catcher: `rfl up` runs maildev as a supervised process on [inbucket]'s ports,
and a mail sent to its SMTP port shows in its REST inbox."""

from __future__ import annotations

import smtplib
import time
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from native_platform.project_config import load_project_config
from native_platform.settings import StackSettings
from native_platform.stack import mail_services, mail_url, responds
from tests.helpers.servers import free_port

# BackgroundService detaches its processes (as `rfl up` does): Popen objects dropped while the
# process runs are the point, not a leak.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def test_the_stack_supervises_maildev(stack_settings: StackSettings, tmp_path: Path) -> None:
    settings = stack_settings.model_copy(
        update={
            "state_dir": tmp_path,
            "inbucket_port": free_port(),
            "inbucket_smtp_port": free_port(),
        }
    )
    [service] = mail_services(settings, load_project_config())
    assert service.name == "maildev"
    service.start()
    try:
        deadline = time.monotonic() + 30
        while not responds(f"{mail_url(settings)}/healthz"):
            assert service.is_running() and time.monotonic() < deadline, service.log_file
            time.sleep(0.1)
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = "a@example.com", "b@example.com", "hello"
        mail.set_content("body")
        with smtplib.SMTP("127.0.0.1", settings.inbucket_smtp_port, timeout=10) as smtp:
            smtp.send_message(mail)
        inbox = httpx.get(f"{mail_url(settings)}/email", timeout=10).json()
        assert [item["subject"] for item in inbox] == ["hello"]
        assert any((tmp_path / "mail").iterdir()), "mail kept under the state folder"
    finally:
        service.stop()
    assert not service.is_running()
