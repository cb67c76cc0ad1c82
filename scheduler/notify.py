"""Send the digest by e-mail (SMTP) and webhook (JSON POST), per role."""

from __future__ import annotations

import json
import smtplib
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import urlsplit

from crawler.config import Settings
from scheduler.digest import ROLE_SECTIONS, Digest


@dataclass
class Delivery:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def send_email(settings: Settings, recipients: list[str], digest: Digest) -> None:
    if not settings.smtp_host:
        raise ValueError("smtp_host is not set")
    message = EmailMessage()
    message["Subject"] = digest.subject()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(recipients)
    message.set_content(digest.to_text())
    message.add_alternative(digest.to_html(), subtype="html")
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)


def post_webhook(url: str, role: str, digest: Digest, timeout: float = 15.0) -> int:
    if urlsplit(url).scheme not in {"http", "https"}:
        raise ValueError(f"webhook URL must be http(s): {url}")
    body = json.dumps({"role": role, "subject": digest.subject(), **digest.to_json()}, ensure_ascii=False)
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=body.encode(), method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
        return response.status


def deliver(settings: Settings, digest: Digest) -> Delivery:
    """Send each role its cut of the digest; one failing channel does not stop the others."""
    result = Delivery()
    for role in ROLE_SECTIONS:
        cut = digest.for_role(role)
        recipients = settings.notify_email.get(role, [])
        if recipients:
            try:
                send_email(settings, recipients, cut)
                result.sent.append(f"email:{role}:{','.join(recipients)}")
            except (OSError, smtplib.SMTPException, ValueError) as exc:
                result.failed.append(f"email:{role}: {exc}")
        for url in settings.notify_webhooks.get(role, []):
            try:
                status = post_webhook(url, role, cut)
                (result.sent if status < 300 else result.failed).append(f"webhook:{role}:{url} -> {status}")
            except (OSError, ValueError) as exc:
                result.failed.append(f"webhook:{role}:{url}: {exc}")
    return result
