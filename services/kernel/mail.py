"""Sending email: SMTP from configuration, or by default a local folder of .eml files.

The folder outbox (DATA_DIR/mail/) lets a newcomer, the README and the tests read what would
have been sent, with no mail server.
"""
from __future__ import annotations

import smtplib
import time
import uuid
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlparse

from . import settings


def outbox_folder() -> Path:
    return Path(settings.get("DATA_DIR")).resolve() / "mail"


def send(to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = settings.get("MAIL_FROM")
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4()}@involve>"
    message.set_content(body)
    url = settings.get("SMTP_URL")
    if not url:
        folder = outbox_folder()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(bytes(message))
        path.chmod(0o600)
        return
    parts = urlparse(url)
    smtp_cls = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with smtp_cls(parts.hostname, parts.port or (465 if parts.scheme == "smtps" else 25),
                  timeout=30) as smtp:
        if parts.scheme == "smtp+starttls":
            smtp.starttls()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(message)


def read_outbox(folder: Path | None = None) -> list[EmailMessage]:
    """The messages in the folder outbox, oldest first (for tests and local use)."""
    from email import policy
    from email.parser import BytesParser

    folder = folder or outbox_folder()
    return [BytesParser(policy=policy.default).parsebytes(p.read_bytes())
            for p in sorted(folder.glob("*.eml"))]
