"""The morning digest, delivered through a real local SMTP server and a real HTTP receiver."""

from __future__ import annotations

import json
import socket
import threading
from datetime import date, timedelta
from decimal import Decimal
from email import message_from_bytes
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from crawler.catalogue.schema import load_categories, load_platforms
from crawler.config import load_settings
from crawler.items import ListingItem
from crawler.storage.engine import transaction
from crawler.storage.models import Flag, Purchase, PurchaseStatus, RunStatus
from crawler.storage.repositories import (
    CategoryRepository,
    ListingRepository,
    PlatformRepository,
    RunRepository,
)
from scheduler.digest import build_digest
from scheduler.notify import deliver


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server():
    box = _Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, box
    controller.stop()


@pytest.fixture
def webhook_receiver():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers["Content-Length"])
            received.append({"path": self.path, "body": json.loads(self.rfile.read(length))})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()


@pytest.fixture
def busy_night(sessions, clock):
    with transaction(sessions) as session:
        PlatformRepository(session).sync(load_platforms())
        categories = CategoryRepository(session, clock)
        categories.sync(load_categories().categories)
        listings = ListingRepository(session)
        listings.upsert_batch(
            [
                ListingItem(
                    platform="jd",
                    item_id=str(i),
                    title=f"<b>充电宝</b> 20000毫安 型号PB-{i}",
                    category="power_bank",
                    price=Decimal("59"),
                )
                for i in range(3)
            ],
            clock.now(),
        )
        rows = [listings.get("jd", str(i)) for i in range(3)]
        for row, risk in zip(rows, (0.95, 0.7, 0.2), strict=True):
            session.add(
                Flag(
                    listing_id=row.id,
                    kind="match",
                    subject=f"entry:{row.id}",
                    risk_score=risk,
                    created_at=clock.now(),
                    updated_at=clock.now(),
                )
            )
        runs = RunRepository(session, clock)
        run = runs.start("nightly")
        stat = runs.stat(run, PlatformRepository(session).by_code("taobao"), categories.by_code("power_bank"))
        runs.mark_blocked(stat, "RGV587_ERROR slider")
        runs.finish(run, RunStatus.PARTIAL)
        session.add(
            Purchase(
                listing_id=rows[0].id,
                status=PurchaseStatus.ORDERED,
                due_on=date(2026, 11, 10),
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    clock.advance(timedelta(hours=6))
    return sessions


def test_digest_collects_what_needs_people(busy_night, clock):
    with busy_night() as session:
        digest = build_digest(session, clock.now(), min_risk=0.6)
    assert [row["risk"] for row in digest.sections["high_risk_flags"]] == [0.95, 0.7]
    assert digest.sections["blocked"][0]["platform"] == "taobao"
    assert "RGV587" in digest.sections["blocked"][0]["reason"]
    assert digest.sections["failed_runs"][0]["status"] == "partial"
    assert digest.sections["overdue_purchases"][0]["due_on"] == "2026-11-10"
    assert digest.for_role("lab").sections.keys() == {"overdue_purchases"}
    assert "&lt;b&gt;充电宝" in digest.to_html(), "scraped titles are escaped in the HTML mail"


def test_digest_is_sent_per_role_by_mail_and_webhook(busy_night, clock, smtp_server, webhook_receiver):
    port, box = smtp_server
    hook, received = webhook_receiver
    settings = load_settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="surveil@bureau.test",
        notify_email={"analyst": ["analyst@bureau.test"], "lab": ["lab@bureau.test"]},
        notify_webhooks={"admin": [f"{hook}/hooks/admin"], "officer": ["ftp://not-allowed/x"]},
    )
    with busy_night() as session:
        digest = build_digest(session, clock.now(), min_risk=0.6)
    delivery = deliver(settings, digest)
    assert sorted(to for to, _ in box.messages) == [["analyst@bureau.test"], ["lab@bureau.test"]]
    analyst_mail = message_from_bytes(
        next(b for to, b in box.messages if to == ["analyst@bureau.test"]), policy=default
    )
    assert "2 high risk flags" in analyst_mail["Subject"]
    lab_mail = message_from_bytes(
        next(b for to, b in box.messages if to == ["lab@bureau.test"]), policy=default
    )
    assert "overdue purchases" in lab_mail["Subject"] and "high risk" not in lab_mail["Subject"]
    assert received[0]["path"] == "/hooks/admin"
    assert received[0]["body"]["role"] == "admin"
    assert len(received[0]["body"]["sections"]["high_risk_flags"]) == 2
    assert any("ftp://not-allowed" in f and "http(s)" in f for f in delivery.failed)
    assert len(delivery.sent) == 3
