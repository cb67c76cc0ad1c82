"""1号店 (Yihaodian): the GBK search fragment, item pages, and the JSONP specification call."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, urljoin

from crawler.items import ListingItem
from crawler.pages.base import ItemPage, LayoutChanged, PageError, SearchPage, SearchRow
from crawler.pages.contract import search_page, unknown_layout
from crawler.pages.markup import node_text, parse_count, parse_price, plain_text, strip_jsonp

PLATFORM = "yhd"
ITEM_ID = re.compile(r"/item/(\d+)")
DETAIL_PARAMS = re.compile(r"detailparams\s*=\s*\{([^}]*)\}")


def search_url(term: str, page: int) -> str:
    return f"https://search.m.yhd.com/search/k{quote(term)}/p{page}-s1-si1-t1?req.ajaxFlag=1"


def item_url(product_id: str) -> str:
    return f"https://item.m.yhd.com/item/{product_id}"


def specs_url(product_id: str, pm_id: str) -> str:
    return (
        f"https://item.m.yhd.com/item/ajaxProductDesc.do?productId={product_id}&pmId={pm_id}&callback=jsonp1"
    )


SEARCH_LAYOUT = "yhd-fragment-2015"  # search.m.yhd.com ajax fragment: a.item cells in ul#itemSearchList
ITEM_LAYOUT = "yhd-item-2015"  # item.m.yhd.com: h2#pd_product-title, inline detailparams


def parse_search(response: Any) -> SearchPage:
    rows = []
    cells = response.css("a.item")
    for rank, link in enumerate(cells, 1):
        href = link.attrib.get("href", "")
        match = ITEM_ID.search(href)
        if not match:
            continue
        title_box = link.css(".title_box")
        self_sell = bool(title_box.css(".self_sell"))
        title = "".join(t for t in title_box.xpath("./text()").getall())
        img = link.css(".pic_box img")
        src = (img.attrib.get("original") or img.attrib.get("src")) if img else None
        rows.append(
            SearchRow(
                rank=rank,
                item_id=match.group(1),
                marked_title=plain_text(title),
                url=item_url(match.group(1)),
                price=parse_price(node_text(link.css(".price i")))[0],
                seller_name=(node_text(link.css(".shop_box")) or ("1号店自营" if self_sell else None))
                or None,
                image_url=urljoin(response.url, src) if src else None,
                comment_count=parse_count(node_text(link.css(".comment_box"))),
            )
        )
    total = parse_count(response.css("#itemSearchList::attr(data-total)").get())
    notice = node_text(response.css(".no_result")[:1])
    if not cells and not notice and total is None:
        markers = [m for m in ("#itemSearchList", ".search_list", "a") if response.css(m)]
        raise unknown_layout("1号店 search", (SEARCH_LAYOUT,), markers or ["no a.item cells"])
    return search_page(
        rows,
        layout=SEARCH_LAYOUT,
        entries=len(cells),
        claimed=total,
        empty_evidence=notice or ("data-total 0" if total == 0 else ""),
        total=total,
        has_next=bool(response.css(".load_more")),
    )


def parse_item(response: Any, product_id: str | None = None) -> ItemPage:
    if response.css(".sold_out"):
        item = ListingItem(platform=PLATFORM, item_id=str(product_id or ""), title="")
        item.available = False
        return ItemPage(item=item, gone=True, layout=ITEM_LAYOUT)
    title = node_text(response.css("#pd_product-title"))
    if not title:
        raise unknown_layout("1号店 item page", (ITEM_LAYOUT,), ["no #pd_product-title"])
    params = {}
    match = DETAIL_PARAMS.search(response.text)
    if match:
        for part in match.group(1).split(","):
            key, _, value = part.partition(":")
            params[key.strip()] = value.strip().strip("'\"")
    product_id = params.get("productId") or product_id or ""
    price, masked = parse_price(node_text(response.css(".pd_product-price-num")))
    if price is None and not masked:
        raise LayoutChanged(
            "1号店 item page: no price", layout=ITEM_LAYOUT, problems=[".pd_product-price-num"]
        )
    item = ListingItem(
        platform=PLATFORM,
        item_id=str(product_id),
        title=title,
        url=item_url(str(product_id)),
        price=price,
        seller_id=params.get("merchantId") or None,
        seller_name=node_text(response.css(".pd_shop")) or None,
        image_urls=[urljoin(response.url, u) for u in response.css(".pd_gallery img::attr(src)").getall()],
        detail_fetched=True,
    )
    page = ItemPage(item=item, layout=ITEM_LAYOUT)
    page.item.specs = {}
    setattr(page, "pm_id", params.get("pmId"))  # noqa: B010 - the follow-up call needs it
    return page


def parse_specs(text: str) -> dict[str, str]:
    try:
        data = json.loads(strip_jsonp(text))
    except ValueError as exc:
        raise PageError(f"1号店 specs: not JSONP: {exc}") from exc
    specs = {}
    for group in data.get("productParamsVoList") or []:
        for entry in group.get("descParamVoList") or []:
            if entry.get("attributeName"):
                specs[str(entry["attributeName"])] = str(entry.get("attributeValue", ""))
    return specs
