"""What a takedown re-check found, from a fresh capture of the listing's page and the last crawl.

The rules, in order:

1. The page answered 404 or 410, or the platform's own page object reads it as delisted (JD's
   "该商品已下柜", Taobao's off-shelf block …): **removed**.
2. No capture was taken (the re-check ran without capture): the last crawl decides, gone or unavailable
   is removed, anything else still online.
3. The capture did not reach the page (no HTTP answer: the browser, the proxy or the site failed), the
   page answered something else than 2xx (a block, a server error), or the capture failed its content
   checks (a blank page, a login wall or captcha, no title of the listing): **unknown**. A failed
   re-capture proves nothing about the listing, so it never counts as removed.
4. The page answered 2xx and the capture shows the listing: **still online**, unless its page object
   could not read it and the last crawl found the listing gone, in which case the crawl's finding stands.

Nothing here touches the network or reads a clock: :func:`judge` is pure; :func:`page_reads_gone` parses
HTML that a capture already stored.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from enum import StrEnum


class RecheckState(StrEnum):
    REMOVED = "removed"
    STILL_ONLINE = "still online"
    #: The re-check could not tell (the page did not answer, or answered with a block or an error).
    UNKNOWN = "unknown"


GONE_STATUSES = frozenset({404, 410})

#: Platforms whose page module has ``parse_item(response, item_id)`` returning an ``ItemPage``.
ITEM_PAGE_MODULES = {
    code: f"crawler.pages.{code}" for code in ("jd", "taobao", "pdd", "yhd", "aliexpress", "amazon")
}


@dataclass(frozen=True, kw_only=True)
class Verdict:
    state: RecheckState
    reason: str


def judge(
    *,
    captured: bool,
    http_status: int | None,
    page_gone: bool | None,
    listing_gone: bool,
    capture_ok: bool = True,
) -> Verdict:
    """The re-check's finding; ``page_gone`` is None where the page could not be read; ``capture_ok`` is
    False where the stored capture failed its content checks."""
    if http_status in GONE_STATUSES:
        return Verdict(state=RecheckState.REMOVED, reason=f"the page answered HTTP {http_status}")
    if page_gone:
        return Verdict(state=RecheckState.REMOVED, reason="the page shows the listing as delisted")
    if not captured:
        if listing_gone:
            return Verdict(state=RecheckState.REMOVED, reason="gone from the last crawl")
        return Verdict(state=RecheckState.STILL_ONLINE, reason="seen by the last crawl")
    if http_status is None:
        return Verdict(state=RecheckState.UNKNOWN, reason="the re-capture did not reach the page")
    if not 200 <= http_status < 300:
        return Verdict(state=RecheckState.UNKNOWN, reason=f"the page answered HTTP {http_status}")
    if not capture_ok:
        return Verdict(state=RecheckState.UNKNOWN, reason="the re-capture did not show the listing")
    if page_gone is None and listing_gone:
        return Verdict(
            state=RecheckState.REMOVED, reason="gone from the last crawl; the page could not be read"
        )
    return Verdict(state=RecheckState.STILL_ONLINE, reason=f"the page answered HTTP {http_status}")


def page_reads_gone(platform: str, url: str, html: str, item_id: str) -> bool | None:
    """Whether the platform's page object reads this product page as delisted; None if the platform has
    no such page object or the page is not one it can read (a login wall, a changed layout)."""
    module_name = ITEM_PAGE_MODULES.get(platform)
    if module_name is None or not html:
        return None
    from scrapy.http import HtmlResponse

    module = importlib.import_module(module_name)
    response = HtmlResponse(url=url, body=html.encode("utf-8"), encoding="utf-8")
    try:
        page = module.parse_item(response, item_id)
    except Exception:  # noqa: BLE001 - any page the object cannot read leaves the question open
        return None
    # Out of stock is not taken down: only the page object's own "gone" counts.
    return bool(page.gone)
