"""AliExpress pages: search results of every generation, and item pages.

Generations, keyed by what the page contains:
  * 2020–: ``window._dida_config_._init_data_`` after an ``init-data-start`` marker (JSON);
    ``mods.itemList.content[]``. The mobile/H5 search API answers with the same ``itemList`` JSON.
  * 2010–2017: ``li.list-item`` cells; title link ``h3 a`` (``a.product``); highlighted query terms in
    ``<font><b>`` (2013–) or ``<strong>`` (2010).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from urllib.parse import urljoin

from crawler.items import ListingItem
from crawler.pages.base import ItemPage, LayoutChanged, PageError, SearchPage, SearchRow
from crawler.pages.contract import search_page, unknown_layout
from crawler.pages.markup import (
    assigned_objects,
    dig,
    find_dict,
    js_object_after,
    json_title,
    loads_lenient,
    looks_like_json,
    marked_text,
    node_text,
    parse_count,
    parse_price,
    plain_text,
)

PLATFORM = "aliexpress"
ITEM_ID = re.compile(r"/(?:item/(?:[^/]*/)?|product-\w+/)(\d{6,})")


def item_id_from_url(url: str) -> str | None:
    match = ITEM_ID.search(url)
    return match.group(1) if match else None


def item_url(item_id: str) -> str:
    return f"https://www.aliexpress.com/item/{item_id}.html"


#: Search layouts. ``mods.itemList`` (productV3 entries) is read wherever the page or API puts it: bare
#: JSON, JSONP, ``window._dida_config_._init_data_``, ``window.runParams``, a JavaScript module's
#: ``export default`` or any assignment.
ITEMLIST = "aliexpress-itemlist-2020"
LIST_ITEM = "aliexpress-list-item-2013"
CENT = Decimal("0.01")
ITEM_LAYOUT = "aliexpress-runparams-2019"  # /item/<id>.html: window.runParams = { data: {…Module} }


def parse_search(response: Any) -> SearchPage:
    text = response.text
    if looks_like_json(text):
        data = loads_lenient(text)
        if data is None:
            raise PageError("AliExpress search: unreadable JSON (truncated or malformed)")
        return parse_search_json(data)
    for data in _script_objects(text):
        if _item_list(data) is not None:
            return parse_search_json(data)
    if response.css("li.list-item") or response.css(".search-no-result, .search-count"):
        return _parse_list_items(response)
    markers = [m for m in ("_init_data_", "runParams", "itemList", "export default") if m in text]
    raise unknown_layout("AliExpress search", (ITEMLIST, LIST_ITEM), markers or ["no result list"])


def _script_objects(text: str) -> list[Any]:
    """The data objects a page or script carries, the ``_init_data_`` literal first."""
    found = []
    if "_init_data_" in text:
        found.append(js_object_after(text, "_init_data_"))
    if "window.runParams" in text:
        found.append(js_object_after(text, "window.runParams"))
    found.extend(assigned_objects(text))
    return [value for value in found if value is not None]


def _is_item_list(node: dict[str, Any]) -> bool:
    content = node.get("content")
    return isinstance(content, list) and any(
        isinstance(e, dict) and ("productId" in e or e.get("itemType") == "productV3") for e in content[:20]
    )


def _item_list(data: Any) -> dict[str, Any] | None:
    """The ``itemList`` object (``{content: [...]}``) wherever it sits in ``data``."""
    holder = find_dict(data, lambda d: isinstance(d.get("itemList"), dict) and "content" in d["itemList"])
    if holder is not None:
        return holder["itemList"]
    return find_dict(data, _is_item_list)


def _total(data: Any) -> int | None:
    info = find_dict(data, lambda d: isinstance(d.get("pageInfo"), dict))
    return parse_count(dig(info, "pageInfo.totalResults")) if info else None


def _page_info(data: Any, name: str) -> int | None:
    info = find_dict(data, lambda d: isinstance(d.get("pageInfo"), dict))
    return parse_count(dig(info, f"pageInfo.{name}")) if info else None


def _sale_price(entry: dict[str, Any]) -> tuple[Decimal | None, bool, str | None]:
    sale = dig(entry, "prices.salePrice")
    if not isinstance(sale, dict):
        return None, False, None
    price, masked = parse_price(sale.get("minPrice"))
    if price is None and not masked:
        price, masked = parse_price(sale.get("formattedPrice"))
    return (price.quantize(CENT) if price is not None else None), masked, sale.get("currencyCode")


def parse_search_json(data: Any) -> SearchPage:
    if not isinstance(data, dict):
        raise unknown_layout("AliExpress search", (ITEMLIST,), [type(data).__name__])
    item_list = _item_list(data)
    total = _total(data)
    if item_list is None:
        if total == 0:
            return search_page([], layout=ITEMLIST, empty_evidence="pageInfo.totalResults = 0", total=0)
        raise unknown_layout("AliExpress search", (ITEMLIST,), list(data))
    entries = [e for e in item_list.get("content") or [] if isinstance(e, dict)]
    products = [e for e in entries if e.get("itemType") in (None, "productV3") or "productId" in e]
    rows = []
    for entry in products:
        item_id = str(entry.get("productId") or entry.get("itemId") or "")
        if not item_id:
            continue
        title = dig(entry, "title.displayTitle") or entry.get("title") or ""
        price, masked, currency = _sale_price(entry)
        image = dig(entry, "image.imgUrl")
        store = entry.get("store") if isinstance(entry.get("store"), dict) else {}
        rows.append(
            SearchRow(
                rank=len(rows) + 1,
                item_id=item_id,
                marked_title=json_title(title),
                url=item_url(item_id),
                price=price,
                price_masked=masked,
                currency=currency or "USD",
                seller_id=str(store.get("storeId")) if store.get("storeId") else None,
                seller_name=store.get("storeName") or None,
                image_url=("https:" + image if isinstance(image, str) and image.startswith("//") else image),
                sales_count=parse_count(dig(entry, "trade.tradeDesc")),
                sponsored=str(entry.get("productType", "")).lower() == "ad" or bool(entry.get("isAd")),
            )
        )
    page = _page_info(data, "page") or 1
    size = _page_info(data, "pageSize") or 60
    has_next = page * size < total if total is not None else len(rows) >= size
    return search_page(
        rows,
        layout=ITEMLIST,
        entries=len(products),
        claimed=total,
        empty_evidence="pageInfo.totalResults = 0" if total == 0 else "",
        total=total,
        has_next=has_next,
    )


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
    claimed = parse_count(node_text(response.css(".search-count")[:1]))
    notice = node_text(response.css(".search-no-result")[:1])
    evidence = notice or ("search-count 0" if claimed == 0 else "")
    return search_page(
        rows,
        layout=LIST_ITEM,
        claimed=None if evidence else claimed,
        empty_evidence=evidence,
        required=("item_id", "title"),
        usual=("price",),
        total=claimed,
        has_next=has_next,
    )


def parse_item(response: Any, item_id: str | None = None) -> ItemPage:
    """``/item/<id>.html``: ``window.runParams = { data: {…} }`` (titleModule, priceModule, …)."""
    if response.css(".product-not-available"):
        gone = ListingItem(platform=PLATFORM, item_id=str(item_id or ""), title="")
        gone.available = False
        return ItemPage(item=gone, gone=True, layout=ITEM_LAYOUT)
    data = js_object_after(response.text, "window.runParams") or {}
    data = data.get("data", data) if isinstance(data, dict) else {}
    title = dig(data, "titleModule.subject") or node_text(response.css("h1")[:1])
    item_id = str(item_id or dig(data, "actionModule.productId") or item_id_from_url(response.url) or "")
    if not title or not item_id:
        raise LayoutChanged(
            "AliExpress item page: no runParams.data.titleModule",
            layout=ITEM_LAYOUT if data else "",
            problems=[
                name for name, value in (("titleModule.subject", title), ("productId", item_id)) if not value
            ],
        )
    price, masked = parse_price(
        dig(data, "priceModule.minActivityAmount.value") or dig(data, "priceModule.minAmount.value")
    )
    if price is None and not masked and not dig(data, "actionModule.itemStatus", 0):
        raise LayoutChanged(
            "AliExpress item page: no price", layout=ITEM_LAYOUT, problems=["priceModule.minAmount.value"]
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
    return ItemPage(item=item, gone=bool(dig(data, "actionModule.itemStatus", 0)), layout=ITEM_LAYOUT)
