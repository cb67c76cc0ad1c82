"""Pinduoduo (mobile.yangkeduo.com): server-rendered first search page, the paged search API, goods pages.

Prices are in fen (1/100 yuan) in every shape.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from crawler.items import ListingItem
from crawler.pages.base import ItemPage, PageError, SearchPage, SearchRow
from crawler.pages.markup import dig, js_object_after, parse_count, plain_text

PLATFORM = "pdd"


def goods_url(goods_id: str) -> str:
    return f"https://mobile.yangkeduo.com/goods.html?goods_id={goods_id}"


def fen(value: Any) -> Decimal | None:
    try:
        return (Decimal(str(int(value))) / 100).quantize(Decimal("0.01"))
    except (TypeError, ValueError, ArithmeticError):
        return None


def parse_search(response: Any) -> SearchPage:
    text = response.text
    if text.lstrip()[:1] == "{":
        return parse_search_api(json.loads(text))
    raw = js_object_after(text, "window.rawData")
    if raw is None:
        raise PageError("PDD search page: no window.rawData")
    store = raw.get("store") or {}
    ssr = store.get("ssrListData") or dig(store, "initDataObj.ssrListData") or {}
    entries = ssr.get("list") or []
    rows = []
    for rank, goods in enumerate((g for g in entries if isinstance(g, dict)), 1):
        goods_id = str(goods.get("goodsID") or goods.get("goods_id") or "")
        if not goods_id:
            continue
        rows.append(
            SearchRow(
                rank=rank,
                item_id=goods_id,
                marked_title=plain_text(goods.get("goodsName") or ""),
                url=goods_url(goods_id),
                price=fen(goods.get("price")),
                seller_name=goods.get("mallName") or None,
                image_url=goods.get("thumbUrl") or None,
                sales_count=parse_count(goods.get("salesTip")),
            )
        )
    total = parse_count(ssr.get("total"))
    state = {"flip": ssr.get("flip"), "list_id": ssr.get("listID")}
    return SearchPage(
        rows=rows, total=total, has_next=bool(total and total > len(rows)), layout="pdd-ssr", state=state
    )


def parse_search_api(data: dict[str, Any]) -> SearchPage:
    if "items" not in data:
        raise PageError("PDD search API: no items")
    rows = []
    for rank, entry in enumerate(data.get("items") or [], 1):
        goods = dig(entry, "item_data.goods_model") or {}
        goods_id = str(goods.get("goods_id") or "")
        if not goods_id:
            continue
        mall_id = goods.get("mall_id")
        rows.append(
            SearchRow(
                rank=rank,
                item_id=goods_id,
                marked_title=plain_text(goods.get("goods_name") or ""),
                url=goods_url(goods_id),
                price=fen(goods.get("price")),
                seller_id=str(mall_id) if mall_id else None,
                seller_name=goods.get("mall_name") or None,
                image_url=goods.get("hd_thumb_url") or None,
                sales_count=parse_count(goods.get("sales_tip")),
            )
        )
    return SearchPage(
        rows=rows,
        total=parse_count(data.get("total")),
        has_next=bool(data.get("has_more")),
        layout="pdd-api",
        state={"flip": data.get("flip")},
    )


def parse_item(response: Any, goods_id: str | None = None) -> ItemPage:
    raw = js_object_after(response.text, "window.rawData")
    if raw is None:
        raise PageError("PDD goods page: no window.rawData")
    init = dig(raw, "store.initDataObj") or dig(raw, "initDataObj") or {}
    goods = init.get("goods")
    if not isinstance(goods, dict):
        raise PageError("PDD goods page: no goods object")
    goods_id = str(goods.get("goodsID") or goods_id or "")
    mall = init.get("mall") or {}
    if goods.get("isOnSale") is False:
        item = ListingItem(
            platform=PLATFORM, item_id=goods_id, title=plain_text(goods.get("goodsName") or "")
        )
        item.available = False
        return ItemPage(item=item, gone=True)
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
    return ItemPage(item=item)
