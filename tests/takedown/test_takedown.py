"""Takedown requests: export for confirmed flags reads back, statuses change by hand and by re-check."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from crawler.catalogue.schema import load_categories, load_platforms
from crawler.cli import app
from crawler.config import Settings
from crawler.context import AppContext
from crawler.items import ListingItem
from crawler.references import read_records
from crawler.references.importer import store
from crawler.signals import run_signals
from crawler.storage import migrate
from crawler.storage.engine import transaction
from crawler.storage.models import (
    AuditEntry,
    EvidenceCapture,
    Flag,
    FlagStatus,
    Listing,
    ListType,
    ReviewDecision,
    TakedownRequest,
)
from crawler.storage.repositories import CategoryRepository, ListingRepository, PlatformRepository
from crawler.takedown import StatusError, export_requests, read_request_list, set_status
from scheduler.followups import takedown_recheck

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "references"


@pytest.fixture
def context(db_url, tmp_path, clock):
    ctx = AppContext(settings=Settings(data_dir=tmp_path / "data", database_url=db_url), clock=clock)
    migrate.upgrade(ctx.engine)
    yield ctx
    ctx.close()


def _seed(context: AppContext) -> dict[str, int]:
    sessions, clock = context.sessions, context.clock
    with transaction(sessions) as session:
        PlatformRepository(session).sync(load_platforms())
        CategoryRepository(session, clock).sync(load_categories().categories)
    result = read_records(FIXTURES / "company_blacklist.csv", list_type=ListType.BLACKLIST)
    store(sessions, clock, result, list_type=ListType.BLACKLIST)
    items = [
        ListingItem(
            platform="jd",
            item_id="9001",
            title='=HYPERLINK("x") 快充 充电宝',
            category="power_bank",
            url="https://item.m.jd.com/product/9001.html",
            specs={"生产厂家": "深圳快充科技"},
            seller_id="s1",
            seller_name="快充数码店",
            price=Decimal("49"),
        ),
        ListingItem(
            platform="jd",
            item_id="9002",
            title="彩虹 儿童水彩笔",
            category="stationery",
            url="https://item.m.jd.com/product/9002.html",
            specs={"厂家": "义乌市彩虹文具有限公司"},
            seller_id="s2",
            seller_name="文具铺",
            price=Decimal("9.9"),
        ),
        ListingItem(
            platform="pdd",
            item_id="7001",
            title="彩虹 蜡笔",
            category="stationery",
            specs={"生产厂家": "彩虹文具厂"},
            seller_id="p1",
            seller_name="拼拼文具",
        ),
    ]
    with transaction(sessions) as session:
        ListingRepository(session).upsert_batch(items, clock.now())
    run_signals(sessions, clock)
    ids = {}
    with transaction(sessions) as session:
        for flag, item_id in session.execute(
            select(Flag, Listing.platform_item_id).join(Listing).where(Flag.kind == "blacklist")
        ):
            ids[item_id] = flag.id
            flag.status = FlagStatus.CONFIRMED
            session.add(ReviewDecision(flag_id=flag.id, decision="confirm", decided_at=clock.now()))
            if item_id == "9001":
                session.add(
                    EvidenceCapture(
                        listing_id=flag.listing_id,
                        flag_id=flag.id,
                        captured_at=clock.now(),
                        requested_url="https://item.m.jd.com/product/9001.html",
                        manifest_sha256="ab" * 32,
                    )
                )
    return ids


def test_export_reads_back_and_statuses_follow(context, tmp_path):
    ids = _seed(context)
    assert set(ids) == {"9001", "9002", "7001"}
    out = tmp_path / "out"
    with transaction(context.sessions) as session:
        result = export_requests(session, context.clock, "jd", out)
    assert result.created == 2 and result.without_evidence == [ids["9002"]]
    with context.sessions() as session:
        capture_id = session.scalar(select(EvidenceCapture.id))
    for kind in ("xlsx", "csv"):
        rows = read_request_list(result.files[kind])
        assert [r["item_id"] for r in sorted(rows, key=lambda r: r["item_id"])] == ["9001", "9002"]
        first = next(r for r in rows if r["item_id"] == "9001")
        assert first["capture_ids"] == str(capture_id) and first["manifest_hashes"] == "ab" * 32
        assert first["problem"] == "黑名单企业产品" and "blacklist" in first["reasons"]
        assert first["title"].startswith("'=HYPERLINK")
        assert first["status"] == "drafted" and first["reference"] == f"TD-jd-{ids['9001']:06d}"
    html = result.files["html"].read_text(encoding="utf-8")
    assert "关于要求下架违规商品的函" in html and "ab" * 32 in html and f"TD-jd-{ids['9001']:06d}" in html
    assert "7001" not in html and "<td>=HYPERLINK(&#34;x&#34;)" in html

    # a second export keeps the requests and their statuses
    with transaction(context.sessions) as session:
        set_status(session, context.clock, f"TD-jd-{ids['9001']:06d}", "sent", "analyst1", "by e-mail")
        with pytest.raises(StatusError):
            set_status(session, context.clock, f"TD-jd-{ids['9001']:06d}", "vanished", "analyst1")
    with transaction(context.sessions) as session:
        again = export_requests(session, context.clock, "jd", out)
    assert again.created == 0
    assert {r["item_id"]: r["status"] for r in again.requests} == {"9001": "sent", "9002": "drafted"}

    # the re-check after N days sets removed or still online by itself
    with transaction(context.sessions) as session:
        listing = session.scalar(select(Listing).where(Listing.platform_item_id == "9001"))
        listing.gone_at = context.clock.now()
    context.clock.advance(timedelta(days=8))
    takedown_recheck(context, after_days=7, capture=False)
    with context.sessions() as session:
        states = {r.listing.platform_item_id: r for r in session.scalars(select(TakedownRequest)).all()}
        assert states["9001"].status == "removed" and states["9002"].status == "still online"
        assert [h["to"] for h in states["9001"].history] == ["drafted", "sent", "removed"]
        assert states["9001"].sent_at is not None and states["9002"].checked_at is not None
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "takedown.status")).all()
        assert [(a.actor, a.details["to"]) for a in audit] == [("analyst1", "sent")]


def test_cli_export_and_status(context, tmp_path, monkeypatch):
    ids = _seed(context)
    monkeypatch.setenv("SURVEIL_DATABASE_URL", context.settings.resolved_database_url)
    monkeypatch.setenv("SURVEIL_DATA_DIR", str(context.settings.data_dir))
    runner = CliRunner()
    done = runner.invoke(app, ["takedown", "export", "--platform", "pdd", "--out", str(tmp_path / "x")])
    assert done.exit_code == 0, done.output
    assert "1 request(s), 1 new" in done.output
    csv_path = next((tmp_path / "x").glob("*.csv"))
    assert [r["item_id"] for r in read_request_list(csv_path)] == ["7001"]
    done = runner.invoke(app, ["takedown", "status", f"TD-pdd-{ids['7001']:06d}", "acknowledged"])
    assert done.exit_code == 0 and "acknowledged" in done.output
    done = runner.invoke(app, ["takedown", "status", "TD-nope", "sent"])
    assert done.exit_code == 1 and "no takedown request" in done.output
    done = runner.invoke(app, ["takedown", "export", "--platform", "nowhere"])
    assert done.exit_code == 1


def test_letter_prints_to_pdf(context, tmp_path):
    from tests.resources import require_chromium

    require_chromium()
    _seed(context)
    with transaction(context.sessions) as session:
        result = export_requests(session, context.clock, "jd", tmp_path / "pdf", pdf=True)
    data = result.files["pdf"].read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 2000
