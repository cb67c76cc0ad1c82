"""Taobao / Tmall: mtop search and detail envelopes, and the JavaScript-rendered mobile item page."""

from __future__ import annotations

import json
from typing import Any

from crawler.items import ListingItem
from crawler.pages.base import ItemPage, PageError, SearchPage, SearchRow
from crawler.pages.markup import dig, node_text, parse_count, parse_price, plain_text, strip_jsonp

PLATFORM = "taobao"


def item_url(item_id: str, tmall: bool = False) -> str:
    if tmall:
        return f"https://detail.m.tmall.com/item.htm?id={item_id}"
    return f"https://h5.m.taobao.com/awp/core/detail.htm?id={item_id}"


def envelope(text: str) -> dict[str, Any]:
    try:
        data = json.loads(strip_jsonp(text))
    except ValueError as exc:
        raise PageError(f"mtop: not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PageError("mtop: not an envelope")
    return data


def ret_code(data: dict[str, Any]) -> str:
    ret = data.get("ret") or [""]
    return str(ret[0]).split("::", 1)[0]


def parse_search(response: Any) -> SearchPage:
    data = envelope(response.text)
    if ret_code(data) != "SUCCESS":
        raise PageError(f"mtop search: {data.get('ret')}")
    body = data.get("data") or {}
    entries = body.get("itemsArray") or body.get("resultList") or body.get("listItem") or []
    rows = []
    for rank, entry in enumerate((e for e in entries if isinstance(e, dict)), 1):
        item_id = str(entry.get("item_id") or entry.get("itemId") or entry.get("nid") or "")
        if not item_id:
            continue
        price_value = dig(entry, "priceShow.price") or entry.get("price") or entry.get("priceWap")
        seller = entry.get("userId") or entry.get("sellerId")
        tmall = bool(entry.get("isTmall"))
        url = entry.get("auctionURL") or entry.get("url") or item_url(item_id, tmall)
        rows.append(
            SearchRow(
                rank=rank,
                item_id=item_id,
                marked_title=plain_text(entry.get("title") or entry.get("name") or ""),
                url=url if url.startswith("http") else "https:" + url,
                price=parse_price(price_value)[0],
                seller_id=str(seller) if seller else None,
                seller_name=entry.get("nick") or dig(entry, "shopInfo.title") or None,
                image_url=entry.get("pic_path") or entry.get("img2") or None,
                sales_count=parse_count(entry.get("realSales") or entry.get("sold")),
                comment_count=parse_count(entry.get("commentCount")),
            )
        )
    main = body.get("mainInfo") or {}
    total_page = parse_count(main.get("totalPage") or body.get("totalPage"))
    page = parse_count(main.get("page")) or 1
    total = parse_count(main.get("totalResults") or body.get("totalResults"))
    has_next = page < total_page if total_page else bool(rows)
    return SearchPage(rows=rows, total=total, has_next=has_next, layout="taobao-mtop")


def parse_detail(data: dict[str, Any], item_id: str, url: str) -> ItemPage:
    """``mtop.taobao.detail.getdetail`` data: item, seller, props, apiStack esi (price, sales)."""
    code = ret_code(data)
    if code == "FAIL_BIZ_ITEM_NOT_EXIST":
        return ItemPage(item=ListingItem(platform=PLATFORM, item_id=item_id, title=""), gone=True)
    if code != "SUCCESS":
        raise PageError(f"mtop detail: {data.get('ret')}")
    body = data.get("data") or {}
    item = body.get("item") or {}
    seller = body.get("seller") or {}
    if dig(body, "trade.redirectUrl") and not seller.get("evaluates"):
        return ItemPage(item=ListingItem(platform=PLATFORM, item_id=item_id, title=""), gone=True)
    specs: dict[str, str] = {}
    for group in dig(body, "props.groupProps") or []:
        for entries in group.values() if isinstance(group, dict) else []:
            for pair in entries or []:
                if isinstance(pair, dict):
                    specs.update({str(k): str(v) for k, v in pair.items()})
    esi: dict[str, Any] = {}
    for entry in body.get("apiStack") or []:
        if isinstance(entry, dict) and entry.get("name") == "esi":
            try:
                esi = json.loads(entry.get("value") or "{}")
            except ValueError:
                esi = {}
    price, masked = parse_price(dig(esi, "price.price.priceText"))
    listing = ListingItem(
        platform=PLATFORM,
        item_id=str(item.get("itemId") or item_id),
        title=plain_text(item.get("title") or ""),
        url=url,
        price=price,
        price_masked=masked,
        seller_id=str(seller.get("userId") or seller.get("shopId") or "") or None,
        seller_name=seller.get("shopName") or seller.get("sellerNick") or None,
        specs=specs,
        sales_count=parse_count(dig(esi, "item.sellCount")),
        comment_count=parse_count(dig(body, "rate.totalCount")),
        image_urls=[u if u.startswith("http") else "https:" + u for u in item.get("images") or []],
        detail_fetched=True,
    )
    return ItemPage(item=listing)


def parse_item(response: Any, item_id: str | None = None) -> ItemPage:
    """The mtop detail JSON, or the mobile item page as the browser rendered it."""
    text = response.text
    if text.lstrip()[:1] == "{" or text.lstrip().startswith("mtopjsonp"):
        return parse_detail(envelope(text), str(item_id or ""), item_url(str(item_id or "")))
    if response.css("#app .off-shelf"):
        return ItemPage(item=ListingItem(platform=PLATFORM, item_id=str(item_id or ""), title=""), gone=True)
    error = node_text(response.css("#app .error"))
    if error:
        raise PageError(f"item page: {error}")
    title = node_text(response.css("#app h1.item-title"))
    if not title:
        raise PageError("item page: not rendered (no h1.item-title)")
    specs = {
        node_text(tr.css("th")): node_text(tr.css("td"))
        for tr in response.css("#app table.props tr")
        if tr.css("th")
    }
    listing = ListingItem(
        platform=PLATFORM,
        item_id=str(item_id or ""),
        title=title,
        url=item_url(str(item_id or "")),
        price=parse_price(node_text(response.css("#app .item-price")))[0],
        seller_name=node_text(response.css("#app .shop-name")) or None,
        specs=specs,
        image_urls=[
            u.replace("http://", "https://", 1) for u in response.css("#app .gallery img::attr(src)").getall()
        ],
        detail_fetched=True,
    )
    return ItemPage(item=listing)
