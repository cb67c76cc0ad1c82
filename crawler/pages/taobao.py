"""Taobao / Tmall: mtop search and detail envelopes, and the JavaScript-rendered mobile item page."""

from __future__ import annotations

from typing import Any

from crawler.items import ListingItem
from crawler.pages.base import ItemPage, LayoutChanged, PageError, SearchPage, SearchRow
from crawler.pages.contract import search_page, unknown_layout
from crawler.pages.markup import (
    dig,
    js_object_after,
    json_maybe_twice,
    json_title,
    loads_lenient,
    looks_like_json,
    node_text,
    parse_count,
    parse_price,
    plain_text,
)

PLATFORM = "taobao"


def item_url(item_id: str, tmall: bool = False) -> str:
    if tmall:
        return f"https://detail.m.tmall.com/item.htm?id={item_id}"
    return f"https://h5.m.taobao.com/awp/core/detail.htm?id={item_id}"


#: Search layouts (mtop JSON, plain or JSONP).
RECOMMEND = "taobao-recommend-2023"  # mtop.relationrecommend.wirelessrecommend.recommend: itemsArray[]
WSEARCH = "taobao-wsearch-2016"  # mtop.taobao.wsearch.h5search: listItem[]
SHOP_ITEMS = "taobao-shop-items-2024"  # mtop.taobao.shop.simple.item.fetch: data.data[]
SEARCH_LAYOUTS = (RECOMMEND, WSEARCH, SHOP_ITEMS)
#: Item layouts.
GETDETAIL = "taobao-getdetail-2018"  # mtop.taobao.detail.getdetail: item, seller, props, apiStack esi
PCDETAIL = "taobao-pcdetail-2024"  # mtop.taobao.pcdetail.data.get: item, seller, componentsVO.priceVO
H5_DETAIL = "taobao-h5-detail-2019"  # H5 page inline data: _DATA_Detail (getdetail) + _DATA_Mdskip (price)
RENDERED = "taobao-rendered-2025"  # the mobile item page as a browser rendered it (#app)
ITEM_LAYOUTS = (GETDETAIL, PCDETAIL, H5_DETAIL, RENDERED)


def envelope(text: str) -> dict[str, Any]:
    data = loads_lenient(text)
    if data is None:
        raise PageError("mtop: unreadable JSON (truncated or malformed)")
    if not isinstance(data, dict):
        raise unknown_layout("mtop response", SEARCH_LAYOUTS + ITEM_LAYOUTS, [type(data).__name__])
    return data


def ret_code(data: dict[str, Any]) -> str:
    ret = data.get("ret") or [""]
    return str(ret[0]).split("::", 1)[0]


def _https(url: Any) -> str:
    if not isinstance(url, str) or not url:
        return ""
    return "https:" + url if url.startswith("//") else url


def parse_search(response: Any) -> SearchPage:
    text = response.text
    if not looks_like_json(text):
        raise unknown_layout("Taobao search", SEARCH_LAYOUTS, ["an HTML page where mtop JSON was expected"])
    data = envelope(text)
    if ret_code(data) not in ("SUCCESS", ""):
        raise PageError(f"mtop search: {data.get('ret')}")
    body = data.get("data")
    if not isinstance(body, dict):
        raise unknown_layout("Taobao search", SEARCH_LAYOUTS, list(data))
    for key in ("itemsArray", "resultList"):
        if isinstance(body.get(key), list):
            return _search_rows(body[key], body, RECOMMEND)
    if isinstance(body.get("listItem"), list):
        return _search_rows(body["listItem"], body, WSEARCH)
    if isinstance(body.get("data"), list) and (
        "totalCnt" in body or any("itemId" in e for e in body["data"][:5])
    ):
        return _shop_items(body)
    raise unknown_layout("Taobao search", SEARCH_LAYOUTS, list(body))


def _search_rows(entries: list[Any], body: dict[str, Any], layout: str) -> SearchPage:
    entries = [e for e in entries if isinstance(e, dict)]
    rows = []
    for entry in entries:
        item_id = str(entry.get("item_id") or entry.get("itemId") or entry.get("nid") or "")
        if not item_id:
            continue
        price_value = dig(entry, "priceShow.price") or entry.get("price") or entry.get("priceWap")
        price, masked = parse_price(price_value)
        seller = entry.get("userId") or entry.get("sellerId")
        url = _https(entry.get("auctionURL") or entry.get("url")) or item_url(
            item_id, bool(entry.get("isTmall"))
        )
        rows.append(
            SearchRow(
                rank=len(rows) + 1,
                item_id=item_id,
                marked_title=json_title(entry.get("title") or entry.get("name") or ""),
                url=url,
                price=price,
                price_masked=masked,
                seller_id=str(seller) if seller else None,
                seller_name=dig(entry, "shopInfo.title") or entry.get("nick") or None,
                image_url=_https(entry.get("pic_path") or entry.get("img2") or entry.get("pic")) or None,
                sales_count=parse_count(entry.get("realSales") or entry.get("sold")),
                comment_count=parse_count(entry.get("commentCount")),
                sponsored=bool(entry.get("isP4p") or entry.get("p4p")),
            )
        )
    main = body.get("mainInfo") if isinstance(body.get("mainInfo"), dict) else {}
    total_page = parse_count(main.get("totalPage") or body.get("totalPage"))
    page = parse_count(main.get("page")) or 1
    total = parse_count(main.get("totalResults") if "totalResults" in main else body.get("totalResults"))
    has_next = page < total_page if total_page else bool(rows)
    return search_page(
        rows,
        layout=layout,
        entries=len(entries),
        claimed=total,
        empty_evidence="totalResults = 0" if total == 0 else "",
        total=total,
        has_next=has_next,
    )


def _shop_items(body: dict[str, Any]) -> SearchPage:
    entries = [e for e in body["data"] if isinstance(e, dict)]
    rows = []
    for entry in entries:
        item_id = str(entry.get("itemId") or "")
        if not item_id:
            continue
        if entry.get("priceEncoded"):
            price, masked = None, True
        else:
            price, masked = parse_price(entry.get("discountPrice") or entry.get("price"))
        rows.append(
            SearchRow(
                rank=len(rows) + 1,
                item_id=item_id,
                marked_title=json_title(entry.get("title") or ""),
                url=_https(entry.get("itemUrl")) or item_url(item_id),
                price=price,
                price_masked=masked,
                image_url=_https(entry.get("image")) or None,
                sales_count=parse_count(entry.get("vagueSold365") or entry.get("sold")),
            )
        )
    total = parse_count(body.get("totalCnt"))
    page = parse_count(body.get("page")) or 1
    size = parse_count(body.get("pageSize")) or 30
    evidence = ""
    if total == 0:
        evidence = "totalCnt = 0"
    elif total is not None and not rows and (page - 1) * size >= total:
        evidence = f"page {page} is past totalCnt {total}"
    return search_page(
        rows,
        layout=SHOP_ITEMS,
        entries=len(entries),
        claimed=None if evidence else total,
        empty_evidence=evidence,
        total=total,
        has_next=page * size < total if total is not None else len(entries) >= size,
    )


# --- item pages -----------------------------------------------------------------------------------


def _specs(body: dict[str, Any]) -> dict[str, str]:
    """``props.groupProps`` as name → value, values trimmed (the platform pads them with a space)."""
    specs: dict[str, str] = {}
    for group in dig(body, "props.groupProps") or []:
        for entries in group.values() if isinstance(group, dict) else []:
            for pair in entries or []:
                if isinstance(pair, dict):
                    specs.update({str(k).strip(): str(v).strip() for k, v in pair.items()})
    return specs


def _esi(body: dict[str, Any]) -> dict[str, Any]:
    for entry in body.get("apiStack") or []:
        if isinstance(entry, dict) and entry.get("name") == "esi":
            value = json_maybe_twice(entry.get("value") or "{}")
            return value if isinstance(value, dict) else {}
    return {}


def _gone(item_id: str, layout: str) -> ItemPage:
    listing = ListingItem(platform=PLATFORM, item_id=item_id, title="")
    listing.available = False
    return ItemPage(item=listing, gone=True, layout=layout)


def parse_detail(
    data: dict[str, Any],
    item_id: str,
    url: str,
    price_data: dict[str, Any] | None = None,
    layout: str = GETDETAIL,
) -> ItemPage:
    """``mtop.taobao.detail.getdetail`` data (or the H5 page's ``_DATA_Detail``): item, seller, props,
    rate; the price from ``_DATA_Mdskip`` or the ``esi`` entry of ``apiStack``."""
    code = ret_code(data)
    if code == "FAIL_BIZ_ITEM_NOT_EXIST":
        return _gone(item_id, layout)
    if code not in ("SUCCESS", ""):
        raise PageError(f"mtop detail: {data.get('ret')}")
    body = data.get("data") if isinstance(data.get("data"), dict) else data
    item = body.get("item") if isinstance(body.get("item"), dict) else None
    seller = body.get("seller") if isinstance(body.get("seller"), dict) else {}
    if item is None:
        raise unknown_layout("Taobao detail", (layout,), list(body))
    if dig(body, "trade.redirectUrl") and not seller.get("evaluates"):
        return _gone(str(item.get("itemId") or item_id), layout)
    specs = _specs(body)
    esi = _esi(body)
    price_value = dig(price_data or {}, "price.price.priceText") or dig(esi, "price.price.priceText")
    if price_value in (None, ""):
        price_value = dig(json_maybe_twice(body.get("mockData") or "{}") or {}, "price.price.priceText")
    price, masked = parse_price(price_value)
    title = plain_text(item.get("title") or "")
    found_id = str(item.get("itemId") or item_id or "")
    problems = [name for name, value in (("item.itemId", found_id), ("item.title", title)) if not value]
    if price is None and not masked:
        problems.append("price (_DATA_Mdskip / apiStack esi price.price.priceText)")
    if problems:
        raise LayoutChanged(
            f"{layout}: detail without {', '.join(problems)}", layout=layout, problems=problems
        )
    tmall = seller.get("sellerType") == "B" or "tmall" in str(seller.get("shopUrl", ""))
    seller_id = seller.get("userId") or seller.get("sellerId") or seller.get("shopId")
    listing = ListingItem(
        platform=PLATFORM,
        item_id=found_id,
        title=title,
        url=url or item_url(found_id, tmall),
        price=price,
        price_masked=masked,
        seller_id=str(seller_id) if seller_id not in (None, "") else None,
        seller_name=seller.get("shopName") or seller.get("sellerNick") or None,
        brand=specs.get("品牌") or None,
        specs=specs,
        sales_count=parse_count(dig(esi, "item.sellCount") or dig(price_data or {}, "item.sellCount")),
        comment_count=parse_count(dig(body, "rate.totalCount")),
        image_urls=[_https(u) for u in item.get("images") or [] if isinstance(u, str)],
        detail_fetched=True,
    )
    return ItemPage(item=listing, layout=layout)


def parse_pcdetail(data: dict[str, Any], item_id: str) -> ItemPage:
    """``mtop.taobao.pcdetail.data.get``: ``data.item``, ``data.seller``, ``data.componentsVO.priceVO``."""
    body = data.get("data") if isinstance(data.get("data"), dict) else {}
    item = body.get("item") if isinstance(body.get("item"), dict) else {}
    seller = body.get("seller") if isinstance(body.get("seller"), dict) else {}
    price_vo = dig(body, "componentsVO.priceVO") or {}
    price_value = dig(price_vo, "price.priceText")
    hidden = str(dig(price_vo, "price.hiddenPrice", "false")).lower() == "true"
    price, masked = parse_price(price_value)
    masked = masked or hidden
    title = plain_text(item.get("title") or dig(body, "componentsVO.titleVO.title.title") or "")
    found_id = str(item.get("itemId") or item_id or "")
    problems = [name for name, value in (("item.itemId", found_id), ("item.title", title)) if not value]
    if price is None and not masked:
        problems.append("componentsVO.priceVO.price.priceText")
    if problems:
        raise LayoutChanged(f"{PCDETAIL}: without {', '.join(problems)}", layout=PCDETAIL, problems=problems)
    seller_id = seller.get("sellerId") or seller.get("userId")
    specs = {}
    for group in dig(body, "componentsVO.extensionInfoVO.infos") or []:
        if isinstance(group, dict) and group.get("type") == "BASE_PROPS":
            for entry in group.get("items") or []:
                if isinstance(entry, dict) and entry.get("title"):
                    specs[str(entry["title"]).strip()] = " ".join(
                        str(v) for v in entry.get("text") or []
                    ).strip()
    listing = ListingItem(
        platform=PLATFORM,
        item_id=found_id,
        title=title,
        url=item_url(found_id, seller.get("sellerType") == "B"),
        price=price,
        price_masked=masked,
        seller_id=str(seller_id) if seller_id else None,
        seller_name=seller.get("shopName") or seller.get("sellerNick") or None,
        brand=specs.get("品牌") or None,
        specs=specs,
        image_urls=[_https(u) for u in item.get("images") or [] if isinstance(u, str)],
        detail_fetched=True,
    )
    return ItemPage(item=listing, layout=PCDETAIL)


def parse_item(response: Any, item_id: str | None = None) -> ItemPage:
    """The mtop detail JSON (getdetail or pcdetail), the H5 page's inline data, or the rendered page."""
    text = response.text
    item_id = str(item_id or "")
    if looks_like_json(text):
        data = envelope(text)
        if str(data.get("api", "")).startswith("mtop.taobao.pcdetail") or dig(data, "data.componentsVO"):
            return parse_pcdetail(data, item_id)
        return parse_detail(data, item_id, item_url(item_id) if item_id else "")
    if "_DATA_Detail" in text:
        detail = js_object_after(text, "_DATA_Detail")
        if not isinstance(detail, dict):
            raise PageError("H5 item page: _DATA_Detail cannot be read")
        mdskip = js_object_after(text, "_DATA_Mdskip")
        return parse_detail(detail, item_id, "", mdskip if isinstance(mdskip, dict) else None, H5_DETAIL)
    if response.css("#app .off-shelf"):
        return _gone(item_id, RENDERED)
    error = node_text(response.css("#app .error"))
    if error:
        raise PageError(f"item page: {error}")
    title = node_text(response.css("#app h1.item-title"))
    if not title:
        raise unknown_layout("Taobao item page", ITEM_LAYOUTS, [m for m in ("#app", "h1") if response.css(m)])
    specs = {
        node_text(tr.css("th")): node_text(tr.css("td"))
        for tr in response.css("#app table.props tr")
        if tr.css("th")
    }
    listing = ListingItem(
        platform=PLATFORM,
        item_id=item_id,
        title=title,
        url=item_url(item_id),
        price=parse_price(node_text(response.css("#app .item-price")))[0],
        seller_name=node_text(response.css("#app .shop-name")) or None,
        specs=specs,
        image_urls=[
            u.replace("http://", "https://", 1) for u in response.css("#app .gallery img::attr(src)").getall()
        ],
        detail_fetched=True,
    )
    return ItemPage(item=listing, layout=RENDERED)
