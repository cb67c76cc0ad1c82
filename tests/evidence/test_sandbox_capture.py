"""Sandbox AliExpress and Pinduoduo product pages render in the capture browser and pass the content checks.

Their HTML carries the listing only in script (``window.runParams``, ``window.rawData``), as the real
pages do; the platforms' rendering bundles draw it. Before they were served, every capture of these
two platforms was a white page or a title on white.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from crawler.evidence.checks import CaptureStatus, screenshot_stats
from crawler.evidence.layout import EvidenceLayout
from crawler.evidence.service import capture_for_flags
from crawler.sandbox.testing import running_sandbox
from crawler.storage.engine import transaction
from crawler.storage.models import EvidenceCapture, Flag, Listing, Platform, Seller
from tests.resources import require_chromium

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _needs_chromium() -> None:
    require_chromium()


def _flagged(context, record: dict) -> int:
    now = context.clock.now()
    with transaction(context.sessions) as session:
        platform = session.query(Platform).filter_by(code=record["platform"]).one_or_none()
        if platform is None:
            platform = Platform(
                code=record["platform"], name=record["platform"], allowed_hosts=[], enabled=True
            )
            session.add(platform)
            session.flush()
        seller = Seller(
            platform_id=platform.id,
            platform_seller_id=str(record["shop_id"]),
            name=record["shop_name"],
            first_seen_at=now,
            last_seen_at=now,
        )
        session.add(seller)
        session.flush()
        listing = Listing(
            platform_id=platform.id,
            platform_item_id=record["item_id"],
            seller_id=seller.id,
            url=record["url"],
            title=record["title"],
            price=Decimal(str(record["price"])),
            currency=record["currency"],
            first_seen_at=now,
            last_seen_at=now,
            last_changed_at=now,
        )
        session.add(listing)
        session.flush()
        flag = Flag(
            listing_id=listing.id,
            kind="match",
            subject="entry:1",
            risk_score=0.9,
            explanation=[],
            created_at=now,
            updated_at=now,
        )
        session.add(flag)
        session.flush()
        return flag.id


def test_aliexpress_and_pdd_product_pages_render_title_price_and_shop(make_context, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("rendering does not depend on the database backend; captured once, on SQLite")
    with running_sandbox(seed=3, size=200) as sandbox:
        context = make_context(sandbox_url=sandbox.url)
        records = [
            next(r for r in sandbox.truth(platform) if r["status"] == "live")
            for platform in ("aliexpress", "pdd")
        ]
        flags = [_flagged(context, record) for record in records]
        outcomes = capture_for_flags(context, flags, fresh_within=None)
    assert [o.status for o in outcomes] == [CaptureStatus.COMPLETE] * 2, [o.problems for o in outcomes]
    store = EvidenceLayout.from_settings(context.settings).store
    with context.sessions() as session:
        for outcome in outcomes:
            capture = session.get(EvidenceCapture, outcome.capture_id)
            shot = next(a for a in capture.artefacts if a.name == "screenshot.png")
            stats = screenshot_stats(store.get(shot.sha256))
            assert not stats.blank and stats.ink_share > 0.1, stats
            assert capture.check_reason is None
