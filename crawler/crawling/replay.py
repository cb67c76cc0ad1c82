"""Kept responses read again with today's page objects (``surveil pages replay RUN``).

Each kept response (``crawling.keep``) is rebuilt as the Scrapy response it was, with the request meta the
spider gave it, and goes through the same steps as in the crawl: block recognition, the platform spider's
own ``parse_search_page`` / ``parse_item_page``, and for search pages :func:`~crawler.crawling.base.
search_outcome` (no rows without the page's word that there are none is a changed layout). The answer per
page is a :class:`~crawler.pages.base.PageOutcome`, or ``unreadable`` for a page that fails in another way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from scrapy.http import Request
from scrapy.http.headers import Headers
from scrapy.responsetypes import responsetypes

from crawler.crawling.base import BlockedError, PlatformSpider, search_outcome
from crawler.crawling.keep import KeptPage
from crawler.pages.base import LayoutChanged, PageError, PageOutcome, SearchRow
from crawler.pages.blocks import detect_block

#: Replayed outcome of a page that raised a plain :class:`PageError` (truncated, not JSON …).
UNREADABLE = "unreadable"
#: Outcomes that make ``surveil pages replay`` exit non-zero: the page still does not read.
FAILING = frozenset({str(PageOutcome.LAYOUT_CHANGED), UNREADABLE})


@dataclass(frozen=True, kw_only=True)
class Replayed:
    page: KeptPage
    outcome: str  # a PageOutcome value, or UNREADABLE
    layout: str  # the layout today's page object names ("" when none)
    problem: str = ""


def rebuild(kept: KeptPage) -> Any:
    """The Scrapy response the spider saw, with its request's meta (category, kind, row)."""
    meta: dict[str, Any] = {"category": kept.category, "kind": kept.kind, "page": 1, "term": ""}
    if kept.kind == "item":
        meta["row"] = SearchRow(rank=1, item_id=kept.item_id, marked_title="", url=kept.url)
    request = Request(kept.url, meta=meta, dont_filter=True)
    headers = Headers(kept.headers)
    cls = responsetypes.from_args(headers=headers, url=kept.url, body=kept.body)
    return cls(url=kept.url, status=kept.status, headers=headers, body=kept.body, request=request)


def replay_page(kept: KeptPage, spider: PlatformSpider) -> Replayed:
    response = rebuild(kept)
    block = detect_block(response)
    if block is not None:
        return Replayed(page=kept, outcome=str(PageOutcome.BLOCKED), layout=block.kind)
    try:
        if kept.kind == "item":
            spider.parse_item_page(response, response.meta["row"])
            return Replayed(page=kept, outcome=str(PageOutcome.OK), layout="")
        page = spider.parse_search_page(response)
    except BlockedError as exc:
        return Replayed(page=kept, outcome=str(PageOutcome.BLOCKED), layout=exc.block.kind)
    except LayoutChanged as exc:
        return Replayed(
            page=kept,
            outcome=str(PageOutcome.LAYOUT_CHANGED),
            layout=exc.layout,
            problem="; ".join(exc.problems),
        )
    except PageError as exc:
        return Replayed(page=kept, outcome=UNREADABLE, layout="", problem=str(exc))
    outcome = search_outcome(page)
    problem = (
        "no rows and no word from the page that there are none"
        if outcome is PageOutcome.LAYOUT_CHANGED
        else ""
    )
    return Replayed(page=kept, outcome=str(outcome), layout=page.layout, problem=problem)


def replay(pages: Iterable[KeptPage], spider_for: Callable[[str], PlatformSpider]) -> list[Replayed]:
    spiders: dict[str, PlatformSpider] = {}
    results = []
    for kept in pages:
        if kept.platform not in spiders:
            spiders[kept.platform] = spider_for(kept.platform)
        results.append(replay_page(kept, spiders[kept.platform]))
    return results


def tally(results: Iterable[Replayed]) -> dict[str, dict[str, dict[str, int]]]:
    """``{platform: {"<kind> <layout that night>": {outcome today: pages}}}``."""
    counts: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for r in results:
        then = r.page.layout or ("unknown layout" if r.page.outcome is PageOutcome.LAYOUT_CHANGED else "-")
        counts[r.page.platform][f"{r.page.kind} {then}"][r.outcome] += 1
    return {p: {k: dict(v) for k, v in by.items()} for p, by in counts.items()}
