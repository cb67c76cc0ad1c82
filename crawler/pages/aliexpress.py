"""AliExpress pages: search results of every generation, and item pages.

Generations, keyed by what the page contains:
  * 2020–: ``window._dida_config_._init_data_`` after an ``init-data-start`` marker (JSON);
    ``mods.itemList.content[]``. The mobile/H5 search API answers with the same ``itemList`` JSON.
  * 2010–2017: ``li.list-item`` cells; title link ``h3 a`` (``a.product``); highlighted query terms in
    ``<font><b>`` (2013–) or ``<strong>`` (2010).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urljoin

from crawler.items import ListingItem
from crawler.pages.base import ItemPage, PageError, SearchPage, SearchRow
from crawler.pages.markup import (
    dig,
    js_object_after,
    marked_text,
    node_text,
    parse_count,
    parse_price,
    plain_text,
    strip_jsonp,
)

PLATFORM = "aliexpress"
ITEM_ID = re.compile(r"/(?:item/(?:[^/]*/)?|product-\w+/)(\d{6,})")


def item_id_from_url(url: str) -> str | None:
    match = ITEM_ID.search(url)
    return match.group(1) if match else None


def item_url(item_id: str) -> str:
    return f"https://www.aliexpress.com/item/{item_id}.html"


def parse_search(response: Any) -> SearchPage:
    text = response.text
    stripped = text.lstrip()
    if stripped[:1] in "{[" or stripped.startswith(("mtopjsonp", "callback")):
        return parse_search_json(json.loads(strip_jsonp(text)))
    if "_init_data_" in text:
        data = js_object_after(text, "_init_data_")
        if data is not None:
            return parse_search_json(data)
    return _parse_list_items(response)


def _content(data: dict[str, Any]) -> tuple[list[Any], int | None]:
    root = dig(data, "data.root.fields") or dig(data, "root.fields") or dig(data, "data.data.root.fields")
    if isinstance(root, dict):
        return dig(root, "mods.itemList.content", []) or [], parse_count(dig(root, "pageInfo.totalResults"))
    for path in ("data.mods.itemList.content", "mods.itemList.content", "data.items", "items"):
        content = dig(data, path)
        if isinstance(content, list):
            total = dig(data, "data.pageInfo.totalResults") or dig(data, "pageInfo.totalResults")
            return content, parse_count(total)
    raise PageError("AliExpress search: no itemList in the data")


def parse_search_json(data: Any) -> SearchPage:
    if not isinstance(data, dict):
        raise PageError("AliExpress search: not a JSON object")
    content, total = _content(data)
    rows = []
    for rank, entry in enumerate((e for e in content if isinstance(e, dict)), 1):
        item_id = str(entry.get("productId") or entry.get("itemId") or "")
        if not item_id:
            continue
        title = dig(entry, "title.displayTitle") or entry.get("title") or ""
        sale = dig(entry, "prices.salePrice") or {}
        price, masked = parse_price(sale.get("minPrice") if isinstance(sale, dict) else None)
        image = dig(entry, "image.imgUrl")
        store = entry.get("store") or {}
        rows.append(
            SearchRow(
                rank=rank,
                item_id=item_id,
                marked_title=plain_text(title if isinstance(title, str) else ""),
                url=item_url(item_id),
                price=price,
                price_masked=masked,
                currency=(sale.get("currencyCode") if isinstance(sale, dict) else None) or "USD",
                seller_id=str(store.get("storeId")) if store.get("storeId") else None,
                seller_name=store.get("storeName") or None,
                image_url=("https:" + image if isinstance(image, str) and image.startswith("//") else image),
                sales_count=parse_count(dig(entry, "trade.tradeDesc")),
            )
        )
    page = parse_count(dig(data, "data.pageInfo.page") or dig(data, "pageInfo.page")) or 1
    size = parse_count(dig(data, "data.pageInfo.pageSize") or dig(data, "pageInfo.pageSize")) or 60
    has_next = page * size < total if total is not None else len(rows) >= size
    return SearchPage(rows=rows, total=total, has_next=has_next, layout="aliexpress-init-data")


def _parse_list_items(response: Any) -> SearchPage:
    base = response.url
    rows = []
    for rank, li in enumerate(response.css("li.list-item"), 1):
        link = li.css("h3 a") or li.css("a.product")
        if not link:
            continue
        href = link.attrib.get("href", "")
        url = urljoin(base, href)
        item_id = item_id_from_url(url) or li.attrib.get("qrdata", "||").split("|")[1]
        price, masked = parse_price(node_text(li.css(".price .value, span.value")[:1]))
        store = li.css("a.store, .store-name a, .info-more a[href*='/store/']")
        store_href = store.attrib.get("href", "") if store else ""
        store_id = store_href.rstrip("/").rsplit("/", 1)[-1] if "/store/" in store_href else None
        img = li.css("img.picCore")
        src = img.attrib.get("src") or img.attrib.get("image-src") if img else None
        rows.append(
            SearchRow(
                rank=rank,
                item_id=item_id,
                marked_title=marked_text(link[0]),
                url=url,
                price=price,
                price_masked=masked,
                currency="USD",
                seller_id=store_id,
                seller_name=(store.attrib.get("title") or node_text(store[:1])) if store else None,
                image_url=urljoin(base, src) if src else None,
                sales_count=parse_count(node_text(li.css(".order-num a, em[title*=Order]")[:1])),
            )
        )
    has_next = bool(response.css("a.page-next, a.ui-pagination-next"))
    return SearchPage(rows=rows, has_next=has_next, layout="aliexpress-list-item")


def parse_item(response: Any, item_id: str | None = None) -> ItemPage:
    """``/item/<id>.html``: ``window.runParams = { data: {…} }`` (titleModule, priceModule, …)."""
    if response.css(".product-not-available"):
        gone = ListingItem(platform=PLATFORM, item_id=str(item_id or ""), title="")
        gone.available = False
        return ItemPage(item=gone, gone=True)
    data = js_object_after(response.text, "window.runParams") or {}
    data = data.get("data", data) if isinstance(data, dict) else {}
    title = dig(data, "titleModule.subject") or node_text(response.css("h1")[:1])
    item_id = str(item_id or dig(data, "actionModule.productId") or item_id_from_url(response.url) or "")
    if not title or not item_id:
        raise PageError("AliExpress item page: no runParams.data.titleModule")
    price, masked = parse_price(
        dig(data, "priceModule.minActivityAmount.value") or dig(data, "priceModule.minAmount.value")
    )
    specs = {
        str(p.get("attrName")): str(p.get("attrValue"))
        for p in dig(data, "specsModule.props", []) or []
        if isinstance(p, dict) and p.get("attrName")
    }
    store = dig(data, "storeModule", {}) or {}
    item = ListingItem(
        platform=PLATFORM,
        item_id=item_id,
        title=plain_text(title),
        url=item_url(item_id),
        price=price,
        price_masked=masked,
        currency=dig(data, "priceModule.minAmount.currency") or "USD",
        seller_id=str(store.get("storeNum") or store.get("sellerAdminSeq") or "") or None,
        seller_name=store.get("storeName") or None,
        brand=specs.get("Brand Name") or specs.get("Brand") or None,
        model=specs.get("Model Number") or specs.get("Model") or None,
        specs=specs,
        sales_count=parse_count(dig(data, "titleModule.tradeCount")),
        comment_count=parse_count(dig(data, "titleModule.feedbackRating.totalValidNum")),
        image_urls=[u for u in dig(data, "imageModule.imagePathList", []) or [] if isinstance(u, str)],
        available=not dig(data, "actionModule.itemStatus", 0),
        detail_fetched=True,
    )
    return ItemPage(item=item, gone=bool(dig(data, "actionModule.itemStatus", 0)))
