"""E-mail through a configured SMTP host (plain SMTP, as on a government intranet relay)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from hotline.notifications.errors import DeliveryError


class MailSender:
    """Sends one UTF-8 text message per delivery."""

    def __init__(self, host: str, port: int, sender: str, timeout_seconds: float = 10.0) -> None:
        self._host, self._port, self._sender = host, port, sender
        self._timeout = timeout_seconds

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = make_msgid(domain="dianxiaoer")
        message.set_content(body, charset="utf-8")
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"smtp {self._host}:{self._port} to {to}: {exc}") from exc
