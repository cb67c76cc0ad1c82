"""The crawl core's parts on their own: arguments, allow-lists, retries, economy, identity, signatures."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from pathlib import Path

import pytest

from crawler.crawling.arguments import ArgumentError, CrawlArguments
from crawler.crawling.coverage import CoverageBook
from crawler.crawling.economy import needs_detail, row_has_price, search_sig, spread
from crawler.crawling.identity import CookieFileError, SecretRedactor, read_cookie_file
from crawler.crawling.mtop import request_url, sign, token_from_set_cookie
from crawler.crawling.profiles.loader import ProfileError, load_profile, parse_profile, profile_names
from crawler.middlewares.hosts import host_allowed, url_allowed
from crawler.middlewares.retry import backoff_seconds, retry_after_seconds
from crawler.pages.base import SearchRow
from crawler.storage.repositories.crawling import KnownListing

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def test_arguments_are_validated_with_readable_messages() -> None:
    args = CrawlArguments.parse({"category": "mask, toys", "depth": "2", "limit": "50"})
    assert args.category == ["mask", "toys"] and args.depth == 2 and args.limit == 50
    with pytest.raises(ArgumentError, match="depth"):
        CrawlArguments.parse({"depth": "0"})
    with pytest.raises(ArgumentError, match="colour"):
        CrawlArguments.parse({"colour": "red"})
    with pytest.raises(ArgumentError, match="details"):
        CrawlArguments.parse({"details": "sometimes"})


def test_spider_start_requests_offline() -> None:
    from spiders.jd import JdSpider

    with pytest.raises(ArgumentError):
        JdSpider(depth="-3")


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://api.m.jd.com/api?x=1", True),
        ("https://img14.360buyimg.com/n1/a.jpg", True),
        ("https://evil.example.com/", False),
        ("https://m.jd.com.evil.example/", False),
        ("ftp://api.m.jd.com/x", False),
        ("file:///etc/passwd", False),
        ("javascript:alert(1)", False),
    ],
)
def test_allow_list_and_schemes(url: str, ok: bool) -> None:
    patterns = ["api.m.jd.com", "m.jd.com", "*.360buyimg.com"]
    assert url_allowed(url, patterns)[0] is ok


def test_wildcards_match_subdomains_and_the_domain_itself() -> None:
    assert host_allowed("img.alicdn.com", ["*.alicdn.com"])
    assert host_allowed("alicdn.com", ["*.alicdn.com"])
    assert not host_allowed("alicdn.com.cn", ["*.alicdn.com"])


def test_redirect_off_the_allow_list_is_refused() -> None:
    from scrapy.http import HtmlResponse, Request

    from crawler.middlewares.allowlist import AllowListMiddleware, OffAllowListError

    class Spider:
        allowed_hosts = ["item.m.jd.com"]

    class Crawler:
        spider = Spider()

        class stats:  # noqa: N801
            @staticmethod
            def inc_value(*_a, **_k) -> None:
                return None

    mw = AllowListMiddleware(Crawler())  # type: ignore[arg-type]
    request = Request("https://item.m.jd.com/product/1.html")
    mw.process_request(request)
    response = HtmlResponse(
        request.url, status=302, headers={"Location": "https://evil.example/x"}, request=request
    )
    with pytest.raises(OffAllowListError):
        mw.process_response(request, response)
    with pytest.raises(OffAllowListError):
        mw.process_request(Request("https://evil.example/x"))


def test_retry_after_seconds_and_dates() -> None:
    assert retry_after_seconds(b"7") == 7.0
    later = NOW + timedelta(seconds=30)
    assert retry_after_seconds(format_datetime(later, usegmt=True), now=NOW) == pytest.approx(30, abs=1)
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
    waits = [backoff_seconds(n, 0.5, 30.0) for n in range(8)]
    assert all(w <= 30.0 for w in waits) and waits[4] > waits[0]


def _row(**kw) -> SearchRow:
    return SearchRow(rank=1, item_id="1", marked_title=kw.pop("title", "口罩 KN95"), url="u", **kw)


def test_economy_opens_product_pages_only_when_needed() -> None:
    row = _row(price=Decimal("9.90"))
    sig = search_sig(row)
    fresh = KnownListing(search_sig=sig, detail_fetched_at=NOW - timedelta(days=1), last_run_id=1, gone=False)
    refresh = timedelta(days=30)
    assert needs_detail(None, sig, NOW, refresh) == "new"
    assert needs_detail(fresh, sig, NOW, refresh) is None
    # a new price alone: the listing is updated from its search row, no product page
    assert needs_detail(fresh, search_sig(_row(price=Decimal("8.90"))), NOW, refresh) == "price"
    assert (
        needs_detail(fresh, search_sig(_row(price=Decimal("9.90"), sales_count=50)), NOW, refresh) == "price"
    )
    stale = KnownListing(
        search_sig=sig, detail_fetched_at=NOW - timedelta(days=61), last_run_id=1, gone=False
    )
    assert needs_detail(stale, sig, NOW, refresh) == "refresh"
    recent = KnownListing(
        search_sig=sig, detail_fetched_at=NOW - timedelta(days=29), last_run_id=1, gone=False
    )
    assert needs_detail(recent, sig, NOW, refresh) is None
    spreads = {spread(str(n)) for n in range(200)}
    assert min(spreads) < 0.1 and max(spreads) > 0.9
    gone = KnownListing(search_sig=sig, detail_fetched_at=NOW, last_run_id=1, gone=True)
    assert needs_detail(gone, sig, NOW, refresh) == "back"
    assert needs_detail(None, sig, NOW, refresh, mode="never") is None
    resumed = KnownListing(search_sig="x", detail_fetched_at=NOW, last_run_id=5, gone=False)
    assert needs_detail(resumed, sig, NOW, refresh, run_id=5, run_started=NOW - timedelta(hours=1)) is None
    assert search_sig(_row(price_masked=True)) != search_sig(_row(price=Decimal("1.00")))
    assert len(sig) <= 64


def test_economy_opens_the_product_page_when_what_it_shows_changed() -> None:
    row = _row(price=Decimal("9.90"), seller_id="s1", image_url="https://img/1.jpg")
    sig = search_sig(row)
    fresh = KnownListing(search_sig=sig, detail_fetched_at=NOW - timedelta(days=1), last_run_id=1, gone=False)
    refresh = timedelta(days=30)

    def reason(**changes) -> str | None:
        fields = {"price": Decimal("9.90"), "seller_id": "s1", "image_url": "https://img/1.jpg"}
        return needs_detail(fresh, search_sig(_row(**{**fields, **changes})), NOW, refresh)

    assert reason() is None
    assert reason(title="口罩 KN95 新款") == "changed"
    assert reason(title="口罩 KN95 新款", price=Decimal("8.90")) == "changed"
    assert reason(seller_id="s2") == "changed"
    assert reason(image_url="https://img/2.jpg") == "changed"
    assert reason(available=False) == "changed"
    # a row that hides its price cannot stand in for the product page's
    masked = _row(price_masked=True, seller_id="s1", image_url="https://img/1.jpg")
    assert (
        needs_detail(fresh, search_sig(masked), NOW, refresh, row_priced=row_has_price(masked)) == "changed"
    )
    # a refresh that is due wins over a price-only update
    stale = KnownListing(
        search_sig=sig, detail_fetched_at=NOW - timedelta(days=61), last_run_id=1, gone=False
    )
    cheaper = _row(price=Decimal("8.90"), seller_id="s1", image_url="https://img/1.jpg")
    assert needs_detail(stale, search_sig(cheaper), NOW, refresh) == "refresh"
    # a signature stored in the older one-hash format counts as changed, once
    old_format = KnownListing(
        search_sig="a" * 64, detail_fetched_at=NOW - timedelta(days=1), last_run_id=1, gone=False
    )
    assert needs_detail(old_format, sig, NOW, refresh) == "changed"


def test_coverage_book_take_and_give_back() -> None:
    book = CoverageBook("jd")
    assert book.saw("mask", "1") and not book.saw("mask", "1")
    book.add("mask", requests=3, pages_fetched=1)
    assert book.block("mask", "captcha: x") and not book.block("mask", "again")
    unsaved = book.take()
    assert unsaved.deltas == {
        "mask": {
            "requests": 3,
            "pages_fetched": 1,
            "listings_seen": 1,
            "new": 0,
            "changed": 0,
            "gone": 0,
            "errors": 0,
            "layout_changed": 0,
        }
    }
    assert unsaved.blocks == {"mask": "captcha: x"}
    assert not book.take()
    book.give_back(unsaved)
    assert book.take().blocks == {"mask": "captcha: x"}
    assert book.requests_total() == 3 and book.is_blocked("mask")
    with pytest.raises(ValueError):
        book.add("mask", bogus=1)


def test_cookie_files_json_browser_export_and_netscape(tmp_path: Path) -> None:
    plain = tmp_path / "a.json"
    plain.write_text(json.dumps({"thor": "secret-value-1", "pin": "bureau"}))
    assert read_cookie_file(plain) == {"thor": "secret-value-1", "pin": "bureau"}
    export = tmp_path / "b.json"
    export.write_text(json.dumps([{"name": "cookie2", "value": "v2", "domain": ".taobao.com"}]))
    assert read_cookie_file(export) == {"cookie2": "v2"}
    netscape = tmp_path / "c.txt"
    netscape.write_text(
        "# Netscape HTTP Cookie File\n.yangkeduo.com\tTRUE\t/\tFALSE\t0\tPDDAccessToken\ttok123\n"
    )
    assert read_cookie_file(netscape) == {"PDDAccessToken": "tok123"}
    with pytest.raises(CookieFileError):
        read_cookie_file(tmp_path / "missing.json")
    bad = tmp_path / "d.json"
    bad.write_text("{not json")
    with pytest.raises(CookieFileError):
        read_cookie_file(bad)


def test_secret_values_never_reach_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    redactor = SecretRedactor()
    redactor.add("s3cret-cookie-value", "ab")
    redactor.install()
    try:
        with caplog.at_level(logging.INFO):
            logging.getLogger("test.redact").info("sending Cookie: thor=%s", "s3cret-cookie-value")
    finally:
        redactor.uninstall()
    assert "s3cret-cookie-value" not in caplog.text
    assert "thor=***" in caplog.text


def test_mtop_signature_and_token_cookie() -> None:
    data = '{"q":"口罩"}'
    expected = hashlib.md5(f"abc&1700000000000&12574478&{data}".encode(), usedforsecurity=False).hexdigest()
    assert sign("abc", "1700000000000", "12574478", data) == expected
    headers = [b"_m_h5_tk=0123456789abcdef0123456789abcdef_1795614223310; Domain=.taobao.com; Path=/", b"x=1"]
    assert token_from_set_cookie(headers) == "0123456789abcdef0123456789abcdef"
    assert token_from_set_cookie([b"other=1"]) is None
    url = request_url(
        "h5api.m.taobao.com", "mtop.taobao.detail.getdetail", "6.0", {"itemNumId": "1"}, "tok", 1
    )
    assert url.startswith("https://h5api.m.taobao.com/h5/mtop.taobao.detail.getdetail/6.0/?")
    payload = '{"itemNumId":"1"}'
    assert "sign=" + sign("tok", "1", "12574478", payload) in url


def test_profiles_load_and_refuse_bad_ones() -> None:
    assert "ocj" in profile_names()
    ocj = load_profile("ocj")
    assert ocj.search.rows == "data.items" and "m.ocj.com.cn" in ocj.allowed_hosts
    with pytest.raises(ProfileError, match="search"):
        parse_profile("code: x1\nname: X\nallowed_hosts: [a.b]\n", "bad.yaml")
    with pytest.raises(ProfileError, match="no platform profile"):
        load_profile("nosuch")


def test_taobao_pages_get_their_browser_context_in_download_order() -> None:
    import asyncio

    from scrapy import Request

    from spiders.taobao import PAGES_PER_CONTEXT, TaobaoSpider

    class Context:
        closed = False

        async def close(self) -> None:
            self.closed = True

    class Page:
        def __init__(self, context: Context) -> None:
            self.context = context

        async def close(self) -> None:
            pass

    spider = TaobaoSpider()
    made = [
        Request(f"https://h5.m.taobao.com/awp/core/detail.htm?id={n}", meta={"playwright": True})
        for n in range(250)
    ]
    search = Request("https://h5api.m.taobao.com/h5/x/2.0/")
    spider._to_context(search)
    assert "playwright_context" not in search.meta
    # the scheduler hands the newest requests out first; contexts follow the order they reach the downloader
    arrived = list(reversed(made))
    contexts: dict[int, Context] = {}
    for position, request in enumerate(arrived):
        spider._to_context(request)
        spider._to_context(request)  # counted once
        generation = position // PAGES_PER_CONTEXT
        assert request.meta["context_generation"] == generation
        assert request.meta["playwright_context"] == f"taobao-mobile-{generation}"
        contexts.setdefault(generation, Context())
    assert spider.issued == {0: 100, 1: 100, 2: 50}
    for request in arrived:
        meta = dict(request.meta)
        meta["playwright_page"] = Page(contexts[meta["context_generation"]])
        asyncio.run(spider._page_done(meta))
    assert contexts[0].closed and contexts[1].closed and not contexts[2].closed
