"""Hostile listings that came through a real crawl never execute in the review app.

A hostile sandbox (``hostile=True``) serves payloads in titles, shop names and specifications, each in the
platform's own encoding (JSON-escaped by JD's API and page state, HTML-escaped in 1号店's GBK pages). The
real spiders crawl one category of JD and 1号店 into SQLite, the real matcher flags them against entries
for the same products, and Chromium visits the queue, flag, listing and seller pages: nothing may run,
and the payloads are stored as the sellers wrote them (escaping happens at display)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crawler.config import load_settings
from crawler.context import AppContext
from crawler.matching.run import run_matching
from crawler.sandbox.hostile import PAYLOADS
from crawler.sandbox.testing import running_sandbox
from crawler.storage.models import Flag, Listing, Platform
from crawler.timeutil import FixedClock
from tests.crawling.helpers import run_crawl
from tests.web.seeding import add_reference_entries, add_users, load_catalogue
from tests.web.test_xss_browser import HOOKS, INSPECT, _sign_in

pytestmark = pytest.mark.browser

PLATFORMS = ("jd", "yhd")
CATEGORY = "toys"
SIZE = 600  # 20 listings a category on each platform, about half of them hostile


def _same(text: str | None) -> str:
    return " ".join((text or "").split())


def _served_specs(specs) -> dict[str, str]:
    return {_same(k): _same(v) for k, v in specs}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The crawl, the served listings behind it, the matching run and the review app on the result."""
    from tests.web.live import serving

    data = tmp_path_factory.mktemp("hostile-crawl")
    with running_sandbox(size=SIZE, hostile=True) as sandbox:
        args = [a for p in PLATFORMS for a in ("-p", p)]
        crawl = run_crawl(data, sandbox.url, *args, "-c", CATEGORY, "--depth", "1", "--max-terms", "1")
        assert crawl.returncode == 0, crawl.output[-3000:]
        served = {
            (p, r["item_id"]): sandbox.market.find(p, r["item_id"])
            for p in PLATFORMS
            for r in sandbox.truth(p)
            if r["category"] == CATEGORY and r["status"] == "live"
        }
    clock = FixedClock(datetime(2026, 11, 26, 2, 0, tzinfo=UTC))
    context = AppContext(
        settings=load_settings(data_dir=data, database_url=f"sqlite:///{data / 'surveil.db'}"), clock=clock
    )
    load_catalogue(context.sessions, clock)  # type: ignore[arg-type]
    add_users(context.sessions, clock)  # type: ignore[arg-type]
    hostile = {key: x for key, x in served.items() if "hostile" in x.variations}
    products = {x.product.key: x.product for x in hostile.values() if x.product.model}
    add_reference_entries(
        context.sessions,  # type: ignore[arg-type]
        clock,
        [
            {
                "ref_key": f"spot-{n}",
                "product_name": "儿童磁力积木玩具",
                "brand": product.brand or None,
                "models": [product.model],
                "barcodes": [product.barcode] if product.barcode else [],
                "hazard": "小零件脱落，儿童误吞",
            }
            for n, product in enumerate(products.values())
        ],
    )
    summary = run_matching(context.sessions, clock)
    with context.sessions() as db:
        rows = {
            (row.platform.code, row.platform_item_id): row
            for row in db.scalars(
                select(Listing)
                .join(Platform)
                .options(selectinload(Listing.seller), selectinload(Listing.platform))
            )
        }
        flags = {f.listing_id: f.id for f in db.scalars(select(Flag).where(Flag.kind == "match"))}
    with serving(context) as url:
        yield {
            "url": url,
            "served": served,
            "hostile": hostile,
            "rows": rows,
            "flags": flags,
            "summary": summary,
        }
    context.close()


def test_the_crawl_brought_hostile_listings_and_flags(crawled):
    hostile, rows = crawled["hostile"], crawled["rows"]
    assert set(rows) == set(crawled["served"]), "every live listing of the category was stored"
    for platform in PLATFORMS:
        assert 5 <= sum(1 for p, _ in hostile if p == platform) < 20, platform
    in_titles = {n for n, p in enumerate(PAYLOADS) for x in hostile.values() if x.title.endswith(" " + p)}
    assert len(in_titles) >= 10, "titles carry many different payloads"
    flagged_hostile = [rows[key].id for key in hostile if rows[key].id in crawled["flags"]]
    assert len(flagged_hostile) >= len(hostile) // 2, crawled["summary"]


def _check_stored(crawled, platform: str, field: str) -> None:
    checked = 0
    for (p, item_id), served in crawled["hostile"].items():
        if p != platform:
            continue
        row = crawled["rows"][(p, item_id)]
        if field == "title":
            assert _same(row.title) == _same(served.title), item_id
        elif field == "shop":
            assert row.seller is not None and _same(row.seller.name) == _same(served.shop_name), item_id
        else:
            stored = {_same(k): _same(str(v)) for k, v in (row.specs or {}).items()}
            for key, value in _served_specs(served.specs).items():
                assert stored.get(key) == value, (item_id, key)
        checked += 1
    assert checked >= 5


@pytest.mark.parametrize(
    ("platform", "field"),
    [
        ("yhd", "title"),
        ("yhd", "shop"),
        ("yhd", "specs"),
        ("jd", "shop"),
        ("jd", "specs"),
        pytest.param(
            "jd",
            "title",
            marks=pytest.mark.xfail(
                strict=True,
                reason="JD page objects read titles from JSON through markup.plain_text, which drops "
                "tag-like text and decodes entities: a seller's '<script>…' is stored without its tags",
            ),
        ),
    ],
)
def test_payloads_are_stored_as_served(crawled, platform, field):
    _check_stored(crawled, platform, field)


def _pages(crawled) -> list[tuple[str, str | None]]:
    """(address, stored text the page must show literally) for every page a hostile listing reaches."""
    url, rows, flags = crawled["url"], crawled["rows"], crawled["flags"]
    pages: list[tuple[str, str | None]] = [(f"{url}/queue?status=any", None), (f"{url}/dashboard", None)]
    sellers = set()
    for key in sorted(crawled["hostile"]):
        row = rows[key]
        pages.append((f"{url}/listings/{row.id}", row.title))
        if row.id in flags:
            pages.append((f"{url}/flags/{flags[row.id]}", row.title))
        if row.seller_id is not None and row.seller_id not in sellers:
            sellers.add(row.seller_id)
            pages.append((f"{url}/sellers/{row.seller_id}", row.seller.name))
    return pages


@pytest.mark.parametrize("enforce_csp", [False, True], ids=["escaping-alone", "with-csp"])
def test_no_crawled_payload_executes(chromium_browser, crawled, enforce_csp):
    url = crawled["url"]
    browser_context = chromium_browser.new_context(bypass_csp=not enforce_csp)
    browser_context.add_init_script(HOOKS)
    dialogs: list[str] = []
    violations: list[str] = []
    page = browser_context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        _sign_in(page, url)
        pages = _pages(crawled)
        assert len(pages) > 20
        for address, shown in pages:
            page.goto(address)
            page.wait_for_load_state("load")
            page.mouse.move(200, 300)
            page.mouse.move(600, 500)
            found = page.evaluate(INSPECT)
            assert found["fired"] == [], (address, found["fired"])
            assert found["scripts"] == ["/static/app.js"], address
            assert found["handlers"] == [], (address, found["handlers"])
            assert found["jsLinks"] == [], (address, found["jsLinks"])
            assert found["embeds"] == 0, address
            if shown:
                assert _same(shown) in _same(found["text"]), address  # shown literally, as text
        assert dialogs == []
        assert violations == [], violations
    finally:
        browser_context.close()
