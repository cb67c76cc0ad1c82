"""The re-check's rules: what a fresh capture and the last crawl say about a reported listing."""

from __future__ import annotations

import pytest

from crawler.takedown.recheck import RecheckState, judge, page_reads_gone

REMOVED, ONLINE, UNKNOWN = RecheckState.REMOVED, RecheckState.STILL_ONLINE, RecheckState.UNKNOWN


@pytest.mark.parametrize(
    ("captured", "http_status", "page_gone", "listing_gone", "state"),
    [
        (True, 404, None, False, REMOVED),
        (True, 410, None, False, REMOVED),
        (True, 200, True, False, REMOVED),
        (True, 200, False, False, ONLINE),
        (True, 200, False, True, ONLINE),  # the page is back: what it shows now wins over the crawl
        (True, 200, None, True, REMOVED),  # unreadable page: the crawl's finding stands
        (True, 200, None, False, ONLINE),
        (True, None, None, False, UNKNOWN),  # the re-capture did not reach the page
        (True, None, None, True, UNKNOWN),
        (True, 503, None, False, UNKNOWN),
        (True, 403, None, True, UNKNOWN),
        (False, None, None, True, REMOVED),
        (False, None, None, False, ONLINE),
    ],
)
def test_judge(captured, http_status, page_gone, listing_gone, state):
    verdict = judge(
        captured=captured, http_status=http_status, page_gone=page_gone, listing_gone=listing_gone
    )
    assert verdict.state is state, verdict.reason
    assert verdict.reason


def test_a_capture_that_does_not_show_the_listing_proves_neither_way():
    for listing_gone in (False, True):
        failed = judge(
            captured=True, http_status=200, page_gone=None, listing_gone=listing_gone, capture_ok=False
        )
        assert failed.state is UNKNOWN
    # a 404 or a delisted page fails the content checks too, and is removed all the same
    assert (
        judge(captured=True, http_status=404, page_gone=None, listing_gone=False, capture_ok=False).state
        is REMOVED
    )
    assert (
        judge(captured=True, http_status=200, page_gone=True, listing_gone=False, capture_ok=False).state
        is REMOVED
    )


def test_a_failed_recapture_is_never_removed():
    for listing_gone in (False, True):
        for status in (None, 403, 429, 500, 502, 503):
            verdict = judge(captured=True, http_status=status, page_gone=None, listing_gone=listing_gone)
            assert verdict.state is UNKNOWN


def test_page_objects_read_delisted_pages():
    url = "https://item.m.jd.com/product/1.html"
    off_shelf = '<div class="off-shelf" data-sku="1">该商品已下柜，欢迎挑选其他商品！</div>'
    assert page_reads_gone("jd", url, off_shelf, "1") is True
    assert page_reads_gone("jd", url, "<html><body>滑块验证</body></html>", "1") is None
    assert page_reads_gone("ocj", url, off_shelf, "1") is None
    assert page_reads_gone("jd", url, "", "1") is None
