"""Any saved or fetched response, of any platform, read into one outcome.

:func:`read_page` is what ``surveil pages parse`` and ``surveil pages replay`` run, and what a test
runs on a capture: the body (an HTML page, JSON, JSONP, a script with JavaScript variables), the
platform and the kind of page go in; a :class:`PageResult` comes out, which is exactly one of

  * ``ok``: a search page with rows, or an item page;
  * ``empty``: a search page without rows whose own word says so (``evidence``);
  * ``blocked``: a captcha, risk check, rate limit or login wall, recognised BEFORE any parsing, so a
    captcha served where JSON was expected is never a parse error nor an empty page;
  * ``layout_changed``: a response that none of the platform's known layouts reads, or a known layout
    that gives no rows while the page claims results, or rows without the fields that layout always
    gives. ``problems`` says what was missing; ``unreadable`` marks a truncated or malformed response
    (worth fetching again) as opposed to a readable one in an unknown shape.

Nothing here fetches, stores or knows about a crawl run.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from scrapy.http import HtmlResponse, TextResponse

from crawler.items import ListingItem
from crawler.pages.base import Block, ItemPage, LayoutChanged, PageError, PageOutcome, SearchPage, SearchRow
from crawler.pages.blocks import detect_block, is_token_failure, mtop_ret
from crawler.pages.markup import loads_lenient, looks_like_json

#: Platforms with their own page object module (``crawler.pages.<name>``).
PAGE_MODULES = ("jd", "taobao", "pdd", "yhd", "aliexpress", "amazon")

#: Where a page is taken to come from when no URL is given (hosts decide currency and links).
DEFAULT_URLS = {
    "jd": "https://so.m.jd.com/ware/search.action",
    "taobao": "https://h5api.m.taobao.com/h5/",
    "pdd": "https://mobile.yangkeduo.com/search_result.html",
    "yhd": "https://search.m.yhd.com/search/",
    "aliexpress": "https://www.aliexpress.com/w/wholesale.html",
    "amazon": "https://www.amazon.com/s",
}


class PageKind(StrEnum):
    SEARCH = "search"
    ITEM = "item"


class UnknownPlatform(ValueError):
    """Neither a page object module nor a shipped platform profile has this name."""


@dataclass(kw_only=True)
class PageResult:
    """How one response ended: its status, the layout read, the rows (one for an item page)."""

    platform: str
    kind: PageKind
    status: PageOutcome
    layout: str = ""
    rows: list[SearchRow] = field(default_factory=list)
    search: SearchPage | None = None
    item: ItemPage | None = None
    block: Block | None = None
    #: For ``empty``: the page's own word that it has no results.
    evidence: str = ""
    problems: list[str] = field(default_factory=list)
    #: ``layout_changed`` because the response could not be read at all (truncated, malformed).
    unreadable: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The JSON form printed by ``surveil pages parse --json``."""
        out: dict[str, Any] = {
            "platform": self.platform,
            "kind": str(self.kind),
            "status": str(self.status),
            "layout": self.layout,
            "rows": [row_dict(row) for row in self.rows],
            "problems": list(self.problems),
        }
        if self.evidence:
            out["evidence"] = self.evidence
        if self.block is not None:
            out["block"] = {"kind": self.block.kind, "reason": self.block.reason}
        if self.search is not None:
            out["total"] = self.search.total
            out["has_next"] = self.search.has_next
        if self.item is not None:
            out["gone"] = self.item.gone
            out["login_required"] = self.item.login_required
            out["rows"] = [item_dict(self.item.item)]
        if self.unreadable:
            out["unreadable"] = True
        return out


def _price(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def row_dict(row: SearchRow) -> dict[str, Any]:
    return {
        "id": row.item_id,
        "title": row.title,
        "price": _price(row.price),
        "price_masked": row.price_masked,
        "currency": row.currency,
        "shop": row.seller_name,
        "seller_id": row.seller_id,
        "sales": row.sales_count,
        "comments": row.comment_count,
        "sponsored": row.sponsored,
        "brand": row.brand,
        "url": row.url,
        "image": row.image_url,
    }


def item_dict(item: ListingItem) -> dict[str, Any]:
    return {
        "id": item.item_id,
        "title": item.title,
        "price": _price(item.price),
        "price_masked": item.price_masked,
        "currency": item.currency,
        "shop": item.seller_name,
        "seller_id": item.seller_id,
        "sales": item.sales_count,
        "comments": item.comment_count,
        "sponsored": False,
        "brand": item.brand,
        "model": item.model,
        "url": item.url,
        "images": list(item.image_urls),
        "specs": dict(item.specs),
        "available": item.available,
    }


def platforms() -> list[str]:
    """Every platform :func:`read_page` knows: the page object modules and the shipped profiles."""
    from crawler.crawling.profiles.loader import profile_names

    return [*PAGE_MODULES, *(name for name in profile_names() if name not in PAGE_MODULES)]


def make_response(
    body: bytes | str, url: str, *, status: int = 200, headers: dict[str, str] | None = None
) -> TextResponse:
    """A Scrapy response for a saved body: HTML when it looks like markup, text otherwise."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    head = raw.lstrip()[:1]
    kwargs: dict[str, Any] = {"url": url, "body": raw, "status": status, "headers": headers or {}}
    if isinstance(body, str):
        kwargs["encoding"] = "utf-8"
    if head == b"<":
        return HtmlResponse(**kwargs)
    if "encoding" not in kwargs and not (headers and any(k.lower() == "content-type" for k in headers)):
        kwargs["encoding"] = _text_encoding(raw)
    return TextResponse(**kwargs)


def _text_encoding(raw: bytes) -> str:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def read_page(
    platform: str,
    kind: PageKind | str,
    body: bytes | str,
    url: str | None = None,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    item_id: str | None = None,
) -> PageResult:
    """Read one response of ``platform`` as a search or item page into exactly one outcome.

    ``body`` is the response as served or saved; ``url`` where it came from (or where it landed after
    redirects; defaults to a URL on the platform's host). Blocks are recognised first, from the URL, the
    status, the JSON envelope or the page's markers. Raises :class:`UnknownPlatform` for a platform
    without a page object or profile; never raises for the body's content.
    """
    kind = PageKind(kind)
    response = make_response(
        body, url or DEFAULT_URLS.get(platform, "https://localhost/"), status=status, headers=headers
    )
    parse = _parser(platform, kind, item_id)
    block = detect_block(response) or _token_block(response)
    if block is None:
        block = _profile_block(platform, kind, response)
    if block is not None:
        return PageResult(
            platform=platform, kind=kind, status=PageOutcome.BLOCKED, block=block, problems=[str(block)]
        )
    try:
        page = parse(response)
    except LayoutChanged as exc:
        return PageResult(
            platform=platform,
            kind=kind,
            status=PageOutcome.LAYOUT_CHANGED,
            layout=exc.layout,
            problems=exc.problems,
        )
    except PageError as exc:
        return PageResult(
            platform=platform,
            kind=kind,
            status=PageOutcome.LAYOUT_CHANGED,
            problems=[f"unreadable response: {exc}"],
            unreadable=True,
        )
    if isinstance(page, ItemPage):
        return PageResult(platform=platform, kind=kind, status=PageOutcome.OK, layout=page.layout, item=page)
    if page.rows:
        return PageResult(
            platform=platform,
            kind=kind,
            status=PageOutcome.OK,
            layout=page.layout,
            rows=page.rows,
            search=page,
        )
    if page.empty_evidence:
        return PageResult(
            platform=platform,
            kind=kind,
            status=PageOutcome.EMPTY,
            layout=page.layout,
            search=page,
            evidence=page.empty_evidence,
        )
    return PageResult(  # a page object that broke the contract: reported, never passed on as "no listings"
        platform=platform,
        kind=kind,
        status=PageOutcome.LAYOUT_CHANGED,
        layout=page.layout,
        problems=["no rows and no evidence that the page has none"],
    )


def _token_block(response: TextResponse) -> Block | None:
    """An mtop token failure: not content; the crawl signs again with the new ``_m_h5_tk`` cookie."""
    if not looks_like_json(response.text[:200]):
        return None
    data = loads_lenient(response.text)
    if is_token_failure(data):
        return Block("token", f"mtop {mtop_ret(data)}: sign again with the new _m_h5_tk token")
    return None


def _parser(platform: str, kind: PageKind, item_id: str | None) -> Any:
    if platform in PAGE_MODULES:
        module = importlib.import_module(f"crawler.pages.{platform}")
        if kind is PageKind.SEARCH:
            return module.parse_search
        return lambda response: module.parse_item(response, item_id)
    profile = _profile(platform)
    from crawler.pages import profile as generic

    if kind is PageKind.SEARCH:
        return lambda response: generic.parse_search(response, profile)
    row = SearchRow(rank=1, item_id=str(item_id or ""), marked_title="", url="", currency=profile.currency)
    return lambda response: generic.parse_item(response, profile, row)


def _profile(platform: str) -> Any:
    from crawler.crawling.profiles.loader import ProfileError, load_profile

    try:
        return load_profile(platform)
    except ProfileError as exc:
        raise UnknownPlatform(f"unknown platform {platform!r}; known: {', '.join(platforms())}") from exc


def _profile_block(platform: str, kind: PageKind, response: TextResponse) -> Block | None:
    if platform in PAGE_MODULES:
        return None
    from crawler.pages import profile as generic

    return generic.block_of(response, _profile(platform), str(kind))
