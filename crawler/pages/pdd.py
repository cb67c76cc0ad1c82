"""Pinduoduo (mobile.yangkeduo.com): server-rendered first search page, the paged search API, goods pages.

Prices are in fen (1/100 yuan) in every shape.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crawler.items import ListingItem
from crawler.pages.base import ItemPage, LayoutChanged, PageError, SearchPage, SearchRow
from crawler.pages.contract import search_page, unknown_layout
from crawler.pages.markup import (
    dig,
    js_object_after,
    json_title,
    loads_lenient,
    looks_like_json,
    parse_count,
    parse_price,
    plain_text,
)

PLATFORM = "pdd"


def goods_url(goods_id: str) -> str:
    return f"https://mobile.yangkeduo.com/goods.html?goods_id={goods_id}"


def fen(value: Any) -> Decimal | None:
    try:
        return (Decimal(str(int(value))) / 100).quantize(Decimal("0.01"))
    except (TypeError, ValueError, ArithmeticError):
        return None


#: Search layouts, each a named, dated shape.
NEXT_DATA = "pdd-nextdata-2019"  # <script id="__NEXT_DATA__">: props.pageProps.data.ssrListData.list
RAWDATA_STORE = "pdd-rawdata-2020"  # window.rawData.store.ssrListData (the sandbox's page)
RAWDATA_STORE_DATA = "pdd-rawdata-2023"  # window.rawData at store.data.ssrListData / stores.store.data.…
PROXY_SEARCH = "pdd-proxy-search-2019"  # /proxy/api/search: items[] (flat, or item_data.goods_model)
APIV3_GOODS_LIST = "pdd-apiv3-goods-list-2018"  # apiv3 category goods_list[] (group.price in fen)
GOODS_LAYOUT = "pdd-goods-rawdata-2020"  # goods.html: window.rawData (store.)initDataObj.goods, mall
LAYOUTS = (NEXT_DATA, RAWDATA_STORE, RAWDATA_STORE_DATA, PROXY_SEARCH, APIV3_GOODS_LIST)
RAWDATA_PATHS = (
    ("store.data.ssrListData", RAWDATA_STORE_DATA),
    ("stores.store.data.ssrListData", RAWDATA_STORE_DATA),
    ("store.ssrListData", RAWDATA_STORE),
    ("store.initDataObj.ssrListData", RAWDATA_STORE),
)


def yuan_or_fen(value: Any) -> Decimal | None:
    """Server-rendered list prices: a string with a decimal point is yuan ("5.5"), an integer is fen."""
    if isinstance(value, str) and "." in value:
        price, _ = parse_price(value)
        return price
    return fen(value)


def parse_search(response: Any) -> SearchPage:
    text = response.text
    if looks_like_json(text):
        data = loads_lenient(text)
        if data is None:
            raise PageError("PDD search: unreadable JSON (truncated or malformed)")
        return parse_search_api(data)
    next_data = response.css("script#__NEXT_DATA__::text").get()
    if next_data:
        data = loads_lenient(next_data)
        if data is None:
            raise PageError("PDD search page: unreadable __NEXT_DATA__")
        ssr = dig(data, "props.pageProps.data.ssrListData")
        if not isinstance(ssr, dict):
            raise unknown_layout(
                "PDD __NEXT_DATA__", (NEXT_DATA,), list(dig(data, "props.pageProps.data") or data)
            )
        return _ssr(ssr, NEXT_DATA)
    raw = js_object_after(text, "window.rawData")
    if raw is None:
        if "window.rawData" in text:
            raise PageError("PDD search page: window.rawData cannot be read")
        raise unknown_layout("PDD search page", LAYOUTS, ["no __NEXT_DATA__", "no window.rawData"])
    for path, layout in RAWDATA_PATHS:
        ssr = dig(raw, path)
        if isinstance(ssr, dict):
            return _ssr(ssr, layout)
    raise unknown_layout("PDD window.rawData", (RAWDATA_STORE, RAWDATA_STORE_DATA), list(raw))


def _ssr(ssr: dict[str, Any], layout: str) -> SearchPage:
    entries = ssr.get("list")
    if not isinstance(entries, list):
        raise LayoutChanged(
            f"{layout}: ssrListData without a list", layout=layout, problems=["no ssrListData.list"]
        )
    goods_entries = [g for g in entries if isinstance(g, dict)]
    rows = []
    for goods in goods_entries:
        goods_id = str(goods.get("goodsID") or goods.get("goods_id") or "")
        if not goods_id:
            continue
        rows.append(
            SearchRow(
                rank=len(rows) + 1,
                item_id=goods_id,
                marked_title=json_title(goods.get("goodsName") or goods.get("goods_name") or ""),
                url=goods_url(goods_id),
                price=yuan_or_fen(goods.get("price")),
                seller_name=goods.get("mallName") or None,
                image_url=goods.get("thumbUrl") or goods.get("imgUrl") or None,
                sales_count=parse_count(goods.get("salesTip")),
            )
        )
    total = parse_count(ssr.get("total"))
    state = {"flip": ssr.get("flip"), "list_id": ssr.get("listID")}
    evidence = ""
    if not rows:
        if total == 0:
            evidence = "ssrListData.total = 0"
        elif '"is_no_result":true' in str(ssr.get("pSearch") or "").replace(" ", ""):
            evidence = "pSearch is_no_result"
    last = ssr.get("lastPage")
    has_next = bool(total and total > len(rows)) if total is not None else (last is False and bool(rows))
    return search_page(
        rows,
        layout=layout,
        entries=len(goods_entries),
        claimed=total,
        empty_evidence=evidence,
        total=total,
        has_next=has_next,
        state=state,
    )


def parse_search_api(data: Any) -> SearchPage:
    if not isinstance(data, dict):
        raise unknown_layout("PDD search API", (PROXY_SEARCH, APIV3_GOODS_LIST), [type(data).__name__])
    if isinstance(data.get("goods_list"), list):
        return _api_rows(data["goods_list"], data, APIV3_GOODS_LIST)
    if isinstance(data.get("items"), list):
        return _api_rows(data["items"], data, PROXY_SEARCH)
    raise unknown_layout("PDD search API", (PROXY_SEARCH, APIV3_GOODS_LIST), list(data))


def _api_rows(entries: list[Any], data: dict[str, Any], layout: str) -> SearchPage:
    goods_entries = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        goods = dig(entry, "item_data.goods_model") if "item_data" in entry else entry
        if isinstance(goods, dict):
            goods_entries.append((entry, goods))
    rows = []
    for entry, goods in goods_entries:
        goods_id = str(goods.get("goods_id") or "")
        if not goods_id:
            continue
        mall_id = goods.get("mall_id")
        price = goods.get("price") if goods.get("price") is not None else dig(goods, "group.price")
        rows.append(
            SearchRow(
                rank=len(rows) + 1,
                item_id=goods_id,
                marked_title=json_title(goods.get("goods_name") or ""),
                url=goods_url(goods_id),
                price=fen(price),
                seller_id=str(mall_id) if mall_id else None,
                seller_name=goods.get("mall_name") or None,
                image_url=goods.get("hd_thumb_url") or goods.get("thumb_url") or None,
                sales_count=parse_count(goods.get("sales_tip") or goods.get("sales") or goods.get("cnt")),
                sponsored=bool(entry.get("ad") or goods.get("ad")),
            )
        )
    total = parse_count(data.get("total"))
    has_more = data.get("has_more")
    has_next = bool(has_more) if has_more is not None else data.get("last_page") is False
    return search_page(
        rows,
        layout=layout,
        entries=len(goods_entries),
        claimed=total,
        empty_evidence="total = 0" if total == 0 else "",
        total=total,
        has_next=has_next,
        state={"flip": data.get("flip")},
    )


def parse_item(response: Any, goods_id: str | None = None) -> ItemPage:
    raw = js_object_after(response.text, "window.rawData")
    if raw is None:
        if "window.rawData" in response.text:
            raise PageError("PDD goods page: window.rawData cannot be read")
        raise unknown_layout("PDD goods page", (GOODS_LAYOUT,), ["no window.rawData"])
    init = dig(raw, "store.initDataObj") or dig(raw, "initDataObj") or {}
    goods = init.get("goods")
    if not isinstance(goods, dict):
        raise LayoutChanged(
            "PDD goods page: no goods object", layout=GOODS_LAYOUT, problems=["initDataObj.goods"]
        )
    goods_id = str(goods.get("goodsID") or goods_id or "")
    mall = init.get("mall") or {}
    if goods.get("isOnSale") is False:
        item = ListingItem(
            platform=PLATFORM, item_id=goods_id, title=plain_text(goods.get("goodsName") or "")
        )
        item.available = False
        return ItemPage(item=item, gone=True, layout=GOODS_LAYOUT)
    specs = {}
    for prop in goods.get("goodsProperty") or []:
        if isinstance(prop, dict) and prop.get("key"):
            specs[str(prop["key"])] = "，".join(str(v) for v in prop.get("values") or [])
    images = [u for u in goods.get("topGallery") or [] if isinstance(u, str)]
    mall_id = mall.get("mallId") or goods.get("mallID")
    item = ListingItem(
        platform=PLATFORM,
        item_id=goods_id,
        title=plain_text(goods.get("goodsName") or ""),
        url=goods_url(goods_id),
        price=fen(goods.get("minGroupPrice")),
        seller_id=str(mall_id) if mall_id else None,
        seller_name=mall.get("mallName") or None,
        specs=specs,
        sales_count=parse_count(goods.get("sideSalesTip")),
        image_urls=images,
        detail_fetched=True,
    )
    if not item.title or not goods_id or item.price is None:
        problems = [
            n
            for n, v in (("goodsName", item.title), ("goodsID", goods_id), ("minGroupPrice", item.price))
            if not v
        ]
        raise LayoutChanged(
            "PDD goods page: goods without " + ", ".join(problems), layout=GOODS_LAYOUT, problems=problems
        )
    return ItemPage(item=item, layout=GOODS_LAYOUT)
