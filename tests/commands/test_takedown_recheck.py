"""The scheduled takedown re-check with capture on, as ``surveil scheduler run-job takedown.recheck`` runs
it: Chromium re-captures each reported listing through the sandbox; a live page is still online, a
delisted page or a 404 is removed, and a re-capture that cannot reach the page is unknown, never removed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from crawler.catalogue.schema import load_platforms
from crawler.sandbox.testing import free_port
from crawler.storage import migrate
from crawler.storage.engine import make_engine, make_session_factory, transaction
from crawler.storage.models import (
    AuditEntry,
    EvidenceCapture,
    Flag,
    FlagStatus,
    Listing,
    Platform,
    ReviewDecision,
    TakedownRequest,
)
from crawler.storage.repositories import PlatformRepository
from crawler.takedown import export_requests
from crawler.timeutil import FixedClock
from tests.resources import require_chromium

DECIDED = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
NOT_ON_SALE = "100000000001"  # no such product: the sandbox answers 404


def seed(database_url: str, tmp_path, listings: dict[str, tuple[str, str]]) -> dict[str, int]:
    """Confirmed flags on JD listings (decided ten days before the re-checks) and drafted requests."""
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    sessions = make_session_factory(engine)
    clock = FixedClock(DECIDED)
    flags = {}
    with transaction(sessions) as session:
        PlatformRepository(session).sync(load_platforms())
        jd = session.scalar(select(Platform).where(Platform.code == "jd"))
        for name, (item_id, title) in listings.items():
            listing = Listing(
                platform_id=jd.id,
                platform_item_id=item_id,
                url=f"https://item.m.jd.com/product/{item_id}.html",
                # the title the page shows: a capture without it fails its content checks
                title=title,
                price=None,
                first_seen_at=DECIDED,
                last_seen_at=DECIDED,
                last_changed_at=DECIDED,
            )
            session.add(listing)
            session.flush()
            flag = Flag(
                listing_id=listing.id,
                kind="match",
                subject="entry:1",
                risk_score=0.9,
                status=FlagStatus.CONFIRMED,
                explanation=["model agrees"],
                created_at=DECIDED,
                updated_at=DECIDED,
            )
            session.add(flag)
            session.flush()
            session.add(ReviewDecision(flag_id=flag.id, decision="confirm", decided_at=DECIDED))
            flags[name] = flag.id
    with transaction(sessions) as session:
        assert export_requests(session, clock, "jd", tmp_path / "requests").created == len(listings)
    engine.dispose()
    return flags


@pytest.mark.sandbox(size=100, night=4)
def test_recheck_with_capture_sets_removed_still_online_and_unknown(cli, sandbox, tmp_path):
    require_chromium()
    truth = sandbox.truth("jd")
    live_row = next(r for r in truth if r["status"] == "live")
    delisted_row = next(r for r in truth if r["status"] == "taken_down")
    live, delisted = live_row["item_id"], delisted_row["item_id"]
    flags = seed(
        cli.database_url,
        tmp_path,
        {
            "live": (live, live_row["title"]),
            "delisted": (delisted, delisted_row["title"]),
            "not on sale": (NOT_ON_SALE, "充电宝 20000mAh"),
        },
    )

    # The proxy does not answer: every re-capture fails, and nothing is taken for removed.
    dead_proxy = f"http://127.0.0.1:{free_port()}"
    failed = cli(
        "scheduler",
        "run-job",
        "takedown.recheck",
        "--at",
        "2026-11-20T05:30:00+08:00",
        SURVEIL_SANDBOX_URL=dead_proxy,
        timeout=300,
    )
    assert failed.code == 0, failed.explain()
    report = json.loads(failed.out)
    assert report["outcome"] == "ok"
    assert report["detail"]["checked"] == 3
    assert (report["detail"]["removed"], report["detail"]["still_online"], report["detail"]["unknown"]) == (
        0,
        0,
        3,
    ), report["detail"]
    assert {c["reason"] for c in report["detail"]["listings"]} == {"the re-capture did not reach the page"}

    engine = make_engine(cli.database_url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        requests = {r.flag_id: r for r in session.scalars(select(TakedownRequest))}
        assert {r.status for r in requests.values()} == {"drafted"}
        assert all(r.checked_at is not None for r in requests.values())
        assert all(r.history[-1]["recheck"] == "unknown" for r in requests.values())
        assert session.scalar(select(Listing.id).where(Listing.gone_at.is_not(None))) is None

    # The sandbox answers: a live page, a delisted page ("该商品已下柜") and a 404.
    checked = cli(
        "scheduler",
        "run-job",
        "takedown.recheck",
        "--at",
        "2026-11-21T05:30:00+08:00",
        SURVEIL_SANDBOX_URL=sandbox.url,
        timeout=300,
    )
    assert checked.code == 0, checked.explain()
    detail = json.loads(checked.out)["detail"]
    states = {c["flag_id"]: c["state"] for c in detail["listings"]}
    assert states == {
        flags["live"]: "still online",
        flags["delisted"]: "removed",
        flags["not on sale"]: "removed",
    }, detail
    reasons = {c["flag_id"]: c["reason"] for c in detail["listings"]}
    assert reasons[flags["delisted"]] == "the page shows the listing as delisted"
    assert reasons[flags["not on sale"]] == "the page answered HTTP 404"

    with sessions() as session:
        requests = {r.flag_id: r for r in session.scalars(select(TakedownRequest))}
        assert requests[flags["live"]].status == "still online"
        assert requests[flags["delisted"]].status == "removed"
        assert requests[flags["not on sale"]].status == "removed"
        gone = {listing.platform_item_id: listing.gone_at for listing in session.scalars(select(Listing))}
        assert gone[live] is None
        assert gone[delisted] == gone[NOT_ON_SALE] == datetime(2026, 11, 20, 21, 30, tzinfo=UTC)
        # every re-check is a stored capture of what the page showed, with its flag
        captures = session.scalars(
            select(EvidenceCapture).where(EvidenceCapture.captured_at >= datetime(2026, 11, 20, tzinfo=UTC))
        ).all()
        status = {c.flag_id: c.status for c in captures}
        assert set(status) == set(flags.values())
        # the live page shows the listing; the delisted page and the 404 do not (stored as failed)
        assert status[flags["live"]] in ("complete", "partial"), status
        assert status[flags["delisted"]] == status[flags["not on sale"]] == "failed", status
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "takedown.recheck").order_by(AuditEntry.id)
        ).all()
        assert [a.details["http_status"] for a in audit[3:]] == [200, 200, 404]
    engine.dispose()
