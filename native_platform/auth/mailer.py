"""Send the email flows' mail over SMTP: the local catcher (maildev) or the configured server."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from native_platform.auth.errors import AuthError
from native_platform.auth.settings import AuthSettings
from native_platform.auth.templates import Message

__all__ = ["Mailer"]

TIMEOUT_SECONDS = 10.0


class Mailer:
    def __init__(self, settings: AuthSettings) -> None:
        self.settings = settings

    def compose(self, to: str, message: Message) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = formataddr((self.settings.smtp_sender_name, self.settings.smtp_admin_email))
        mail["To"] = to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        mail["Content-Language"] = message.locale
        mail["Message-ID"] = make_msgid(domain=self.settings.smtp_admin_email.rpartition("@")[2])
        mail.set_content(message.body)
        return mail

    def send_now(self, mail: EmailMessage) -> None:
        settings = self.settings
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
            if settings.smtp_secure:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
            smtp.send_message(mail)

    async def send(self, to: str, message: Message) -> None:
        """Deliver or raise 500 unexpected_failure, as GoTrue answers a failing mailer."""
        try:
            await asyncio.to_thread(self.send_now, self.compose(to, message))
        except (OSError, smtplib.SMTPException) as error:
            raise AuthError(500, "unexpected_failure", "Error sending email") from error
