"""JD (京东) pages: the mobile search API, the mobile item page, and desktop search pages of past years.

Desktop generations (search.jd.com), keyed by what the page contains:
  * 2013–2016: ``#plist ul.list-h > li[sku]`` (books: ``li.item-book[bookid]``), title in ``.p-name a``;
  * 2016–2020: ``li.gl-item[data-sku]``, title ``.p-name a`` (name in ``em``, promotion in ``i.promo-words``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from crawler.items import ListingItem
from crawler.pages.base import ItemPage, LayoutChanged, PageError, SearchPage, SearchRow
from crawler.pages.contract import search_page, unknown_layout
from crawler.pages.markup import (
    dig,
    js_object_after,
    json_maybe_twice,
    loads_lenient,
    looks_like_json,
    marked_text,
    node_text,
    parse_count,
    parse_price,
    plain_text,
)

PLATFORM = "jd"
IMAGE_PREFIX = "https://img14.360buyimg.com/n1/"


def item_url(sku: str) -> str:
    return f"https://item.m.jd.com/product/{sku}.html"


def image_url(path: str | None) -> str | None:
    if not path:
        return None
    if path.startswith("//"):
        return "https:" + path
    if path.startswith("http"):
        return path
    return IMAGE_PREFIX + path.lstrip("/")


# --- search ---------------------------------------------------------------------------------------

#: The search layouts, newest first; each one is a named, dated shape of the response.
SEARCHM = "jd-searchm-2019"  # so.m.jd.com searchm: data.searchm.Paragraph[] (wareid, Content.warename)
SEARCHWARE = "jd-searchware-2024"  # api.m.jd.com pc_search_searchWare: data.wareList[] (skuId, name)
WAREINFO = "jd-wareinfo-2018"  # functionId=search (wh5): wareInfo[]
WARELIST_LEGACY = "jd-warelist-2015"  # so.m.jd.com searchList.action: value = "<JSON>" with wareList{}
DESKTOP_GL = "jd-desktop-gl-2016"  # search.jd.com li.gl-item[data-sku]
DESKTOP_PLIST = "jd-desktop-plist-2013"  # search.jd.com #plist li[sku]
JSON_LAYOUTS = (SEARCHM, SEARCHWARE, WAREINFO, WARELIST_LEGACY)


def parse_search(response: Any) -> SearchPage:
    """A search response: the mobile JSON (bare or JSONP of any callback name), or a desktop page."""
    text = response.text
    if looks_like_json(text):
        return parse_search_json(text)
    return parse_search_html(response)


def parse_search_json(text: str) -> SearchPage:
    data = loads_lenient(text)
    if data is None:
        raise PageError("JD search: unreadable JSON (truncated or malformed)")
    if not isinstance(data, dict):
        raise unknown_layout("JD search", JSON_LAYOUTS, [type(data).__name__])
    if isinstance(data.get("value"), str):  # legacy so.m.jd.com: JSON inside JSON
        data = {"data": json_maybe_twice(data["value"]), "legacy": True}
    body = data.get("data") if isinstance(data.get("data"), dict) else data
    searchm = body.get("searchm") if isinstance(body.get("searchm"), dict) else None
    if searchm is not None:
        return _searchm(searchm)
    wares = body.get("wareList")
    if isinstance(wares, dict):  # legacy: wareList{wareCount, wareList: [...]}
        total = parse_count(wares.get("wareCount"))
        return _wares(wares.get("wareList"), WARELIST_LEGACY, total, body)
    if isinstance(wares, list):
        layout = WARELIST_LEGACY if data.get("legacy") else SEARCHWARE
        return _wares(wares, layout, parse_count(body.get("resultCount")), body)
    if isinstance(body.get("wareInfo"), list):
        total = parse_count(body.get("resultCount", body.get("wareCount")))
        return _wares(body["wareInfo"], WAREINFO, total, body)
    raise unknown_layout("JD search", JSON_LAYOUTS, list(body))


def _searchm(searchm: dict[str, Any]) -> SearchPage:
    summary = dig(searchm, "Head.Summary") or {}
    claimed = parse_count(summary.get("ResultCount"))
    paragraphs = searchm.get("Paragraph")
    if paragraphs is None and claimed:
        raise LayoutChanged(
            f"{SEARCHM}: ResultCount {claimed} but no Paragraph list",
            layout=SEARCHM,
            problems=[f"ResultCount {claimed}, no data.searchm.Paragraph"],
        )
    entries = [p for p in paragraphs or [] if isinstance(p, dict)]
    rows = []
    for entry in entries:
        sku = str(entry.get("wareid") or "").strip()
        if not sku:
            continue
        content = entry.get("Content") if isinstance(entry.get("Content"), dict) else {}
        price, masked = parse_price(entry.get("dredisprice"))
        shop_id = entry.get("shop_id") or entry.get("vender_id")
        rows.append(
            SearchRow(
                rank=len(rows) + 1,
                item_id=sku,
                marked_title=plain_text(str(content.get("warename") or "")),
                url=item_url(sku),
                price=price,
                price_masked=masked,
                seller_id=str(shop_id) if shop_id not in (None, "", "0") else None,
                seller_name=content.get("shop_name") or None,
                image_url=image_url(content.get("imageurl")),
                comment_count=parse_count(entry.get("commentcount")),
            )
        )
    page_info = summary.get("Page") or {}
    index = parse_count(page_info.get("PageIndex")) or 1
    pages = parse_count(page_info.get("PageCount"))
    return search_page(
        rows,
        layout=SEARCHM,
        entries=len(entries),
        claimed=claimed,
        empty_evidence="Head.Summary.ResultCount = 0" if claimed == 0 else "",
        total=claimed,
        has_next=bool(pages and index < pages),
    )


def _wares(wares: Any, layout: str, total: int | None, body: dict[str, Any]) -> SearchPage:
    if wares is None and total:
        raise LayoutChanged(f"{layout}: {total} results but no ware list", layout=layout)
    entries = [w for w in wares or [] if isinstance(w, dict)]
    rows = []
    for ware in entries:
        sku = str(ware.get("skuId") or ware.get("wareId") or "").strip()
        if not sku:
            continue
        title = ware.get("name") or ware.get("wareName") or ware.get("wname") or ""
        price, masked = parse_price(ware.get("price", ware.get("jdPrice")))
        shop_id = ware.get("shopId") or ware.get("venderId")
        rows.append(
            SearchRow(
                rank=len(rows) + 1,
                item_id=sku,
                marked_title=plain_text(str(title)),
                url=item_url(sku),
                price=price,
                price_masked=masked,
                seller_id=str(shop_id) if shop_id not in (None, "") else None,
                seller_name=ware.get("shopName") or None,
                brand=ware.get("brand") or ware.get("brandName") or None,
                image_url=image_url(ware.get("imageurl") or ware.get("imageUrl") or ware.get("image")),
                comment_count=parse_count(ware.get("commentFuzzy") or ware.get("comment")),
                sales_count=parse_count(ware.get("sales") or ware.get("totalSales")),
                available=str(ware.get("stockState", "33")) != "34",
                sponsored=bool(ware.get("isAd") or ware.get("adFlag")),
            )
        )
    page_size = parse_count(body.get("pageSize")) or 30
    page = parse_count(body.get("page")) or 1
    has_next = page * page_size < total if total is not None else len(rows) >= page_size
    evidence = ""
    if total == 0:
        legacy = layout == WARELIST_LEGACY or "resultCount" not in body
        evidence = "wareCount = 0" if legacy else "resultCount = 0"
    return search_page(
        rows,
        layout=layout,
        entries=len(entries),
        claimed=total,
        empty_evidence=evidence,
        total=total,
        has_next=has_next,
    )


#: The desktop pages' own words that nothing was found (2013–2020 notices).
NO_RESULTS = ".notice-filter-noresult .result, .notice-search .ns-content, .check-error, .noresult"


def parse_search_html(response: Any) -> SearchPage:
    base = response.url
    modern = response.css("li.gl-item[data-sku]")
    if modern:
        rows = [_desktop_row(li, rank, li.attrib["data-sku"], base) for rank, li in enumerate(modern, 1)]
        return search_page(rows, layout=DESKTOP_GL, required=("item_id", "title"))
    legacy = response.css("#plist li[sku], #plist li[bookid]")
    if legacy:
        rows = [
            _desktop_row(li, rank, li.attrib.get("sku") or li.attrib.get("bookid", ""), base)
            for rank, li in enumerate(legacy, 1)
        ]
        return search_page(rows, layout=DESKTOP_PLIST, required=("item_id", "title"))
    notice = node_text(response.css(NO_RESULTS)[:1])
    if notice and "没有找到" in notice:
        layout = DESKTOP_GL if response.css("#J_goodsList, .notice-filter-noresult") else DESKTOP_PLIST
        return search_page([], layout=layout, empty_evidence=notice)
    markers = [m for m in ("#J_goodsList", "#plist", "li.gl-item", ".p-name") if response.css(m)]
    raise unknown_layout("JD search page", (DESKTOP_GL, DESKTOP_PLIST), markers or ["no result list"])


def _desktop_row(li: Any, rank: int, sku: str, base: str) -> SearchRow:
    link = li.css(".p-name a")
    href = link.attrib.get("href") if link else None
    title = marked_text(link[0]) if link else ""
    price_node = li.css(".p-price strong[data-price]::attr(data-price)").get() or node_text(
        li.css(".p-price strong i, .p-price strong")[:1]
    )
    price, masked = parse_price(price_node)
    shop = li.css(".p-shop a, .p-shopnum a, .curr-shop")
    comments = node_text(li.css(".p-commit a, .extra a[id^=comment]")[:1])
    img = li.css(".p-img img")
    src = (
        img.attrib.get("src") or img.attrib.get("data-lazy-img") or img.attrib.get("data-lazyload")
        if img
        else None
    )
    return SearchRow(
        rank=rank,
        item_id=sku.strip(),
        marked_title=title,
        url=urljoin(base, href) if href else item_url(sku),
        price=price,
        price_masked=masked,
        seller_name=(shop.attrib.get("title") or node_text(shop[:1])) if shop else None,
        image_url=urljoin(base, src) if src else None,
        comment_count=parse_count(comments),
    )


# --- item page ------------------------------------------------------------------------------------

LOGIN_FOR_PRICE = "登录查看价格"
ITEM_LAYOUT = "jd-item-m-2020"  # item.m.jd.com: window._itemOnly and window._itemInfo literals


def parse_item(response: Any, sku: str | None = None) -> ItemPage:
    """``item.m.jd.com/product/<sku>.html``: ``window._itemOnly`` and ``window._itemInfo`` literals."""
    text = response.text
    if "off-shelf" in text or "该商品已下柜" in text:
        gone = ListingItem(platform=PLATFORM, item_id=str(sku or ""), title="", url=item_url(str(sku or "")))
        gone.available = False
        return ItemPage(item=gone, gone=True, layout=ITEM_LAYOUT)
    only = js_object_after(text, "window._itemOnly") or {}
    info = js_object_after(text, "window._itemInfo") or {}
    if not only and not info:
        if "window._itemOnly" in text or "window._itemInfo" in text:
            raise PageError("JD item page: window._itemOnly / window._itemInfo cannot be read")
        raise unknown_layout("JD item page", (ITEM_LAYOUT,), ["no window._itemOnly", "no window._itemInfo"])
    item = dig(only, "item", {}) or {}
    product = dig(info, "product", {}) or {}
    sku = str(item.get("skuId") or product.get("skuId") or sku or "")
    if not sku:
        raise LayoutChanged("JD item page: no skuId", layout=ITEM_LAYOUT, problems=["item.skuId"])
    title = plain_text(item.get("skuName") or product.get("skuName") or "")
    if not title:
        raise LayoutChanged("JD item page: no skuName", layout=ITEM_LAYOUT, problems=["item.skuName"])
    price_value = dig(info, "priceFloor.price", None)
    if price_value in (None, ""):
        price_value = dig(info, "priceFloor.ext.jdPrice", None)
    price, masked = parse_price(price_value)
    login_required = masked or LOGIN_FOR_PRICE in text
    specs: dict[str, str] = {}
    for attr in item.get("expandAttrDesc") or []:
        if not isinstance(attr, dict):
            continue
        name = attr.get("attName") or attr.get("attrName") or attr.get("name")
        values = (
            attr.get("vals")
            if isinstance(attr.get("vals"), list)
            else [attr.get("attrValue", attr.get("value"))]
        )
        if name:
            specs[str(name)] = "，".join(str(v) for v in values if v not in (None, ""))
    images = [image_url(path) for path in (item.get("image") or []) if isinstance(path, str)]
    if not images and product.get("imageurl"):
        images = [image_url(product["imageurl"])]
    shop_id = dig(info, "stock.D.id") or item.get("venderId")
    shop_name = dig(info, "stock.D.shopName")
    upc = product.get("upc") or specs.get("条形码") or specs.get("商品条码")
    barcodes = [upc] if isinstance(upc, str) else [str(b) for b in (upc or [])]
    licence = product.get("licenseNo") or product.get("licenceNo") or _spec(specs, "生产许可证")
    stock_state = str(dig(info, "stock.stockState", dig(info, "stock.StockState", "33")))
    listing = ListingItem(
        platform=PLATFORM,
        item_id=sku,
        title=title,
        url=item_url(sku),
        price=price,
        price_masked=masked,
        seller_id=str(shop_id) if shop_id not in (None, "") else None,
        seller_name=shop_name or None,
        brand=item.get("brandName") or product.get("brandName") or None,
        model=product.get("model") or _spec(specs, "型号") or None,
        specs=specs,
        barcodes=[b for b in dict.fromkeys(barcodes) if b and b.strip()],
        licence_no=licence or None,
        comment_count=parse_count(info.get("commentCount", product.get("commentCount"))),
        image_urls=[u for u in images if u],
        available=stock_state != "34",
        detail_fetched=True,
    )
    if price is None and not masked and not login_required:
        raise LayoutChanged("JD item page: no price", layout=ITEM_LAYOUT, problems=["priceFloor.price"])
    return ItemPage(item=listing, login_required=login_required, layout=ITEM_LAYOUT)


def _spec(specs: dict[str, str], *names: str) -> str | None:
    for name in names:
        for key, value in specs.items():
            if key == name or key.startswith(name):
                return value
    return None
