"""JD (京东) pages: the mobile search API, the mobile item page, and desktop search pages of past years.

Desktop generations (search.jd.com), keyed by what the page contains:
  * 2013–2016: ``#plist ul.list-h > li[sku]`` (books: ``li.item-book[bookid]``), title in ``.p-name a``;
  * 2016–2020: ``li.gl-item[data-sku]``, title ``.p-name a`` (name in ``em``, promotion in ``i.promo-words``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from crawler.items import ListingItem
from crawler.pages.base import ItemPage, PageError, SearchPage, SearchRow
from crawler.pages.markup import (
    dig,
    js_object_after,
    json_maybe_twice,
    marked_text,
    node_text,
    parse_count,
    parse_price,
    plain_text,
    strip_jsonp,
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


def parse_search(response: Any) -> SearchPage:
    """A search response: the mobile JSON API, or a desktop HTML page of any generation."""
    text = response.text
    head = text.lstrip()[:1]
    if head in "{[" or text.lstrip().startswith(("jQuery", "callback", "jsonp")):
        return parse_search_json(text)
    return parse_search_html(response)


def parse_search_json(text: str) -> SearchPage:
    data = json_maybe_twice(strip_jsonp(text))
    if not isinstance(data, dict):
        raise PageError("JD search: not a JSON object")
    if "value" in data and isinstance(data.get("value"), str):  # legacy so.m.jd.com: JSON inside JSON
        data = {"data": json_maybe_twice(data["value"])}
    body = data.get("data") if isinstance(data.get("data"), dict) else data
    wares = dig(body, "wareList")
    if isinstance(wares, dict):  # legacy: wareList{wareCount, wareList: [...]}
        total = parse_count(wares.get("wareCount"))
        wares = wares.get("wareList")
    else:
        total = parse_count(body.get("resultCount"))
    if wares is None:
        wares = body.get("wareInfo")
    if wares is None:
        raise PageError("JD search: no ware list in the response")
    rows = []
    for rank, ware in enumerate(w for w in wares if isinstance(w, dict)):
        sku = str(ware.get("skuId") or ware.get("wareId") or "").strip()
        if not sku:
            continue
        title = ware.get("name") or ware.get("wareName") or ware.get("wname") or ""
        price, masked = parse_price(ware.get("price", ware.get("jdPrice")))
        shop_id = ware.get("shopId") or ware.get("venderId")
        rows.append(
            SearchRow(
                rank=rank + 1,
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
            )
        )
    page_size = parse_count(body.get("pageSize")) or 30
    page = parse_count(body.get("page")) or 1
    has_next = page * page_size < total if total is not None else len(rows) >= page_size
    return SearchPage(rows=rows, total=total, has_next=has_next, layout="jd-mobile-api")


def parse_search_html(response: Any) -> SearchPage:
    base = response.url
    modern = response.css("li.gl-item[data-sku]")
    if modern:
        return SearchPage(
            rows=[_desktop_row(li, rank, li.attrib["data-sku"], base) for rank, li in enumerate(modern, 1)],
            layout="jd-desktop-gl",
        )
    legacy = response.css("#plist li[sku], #plist li[bookid]")
    if legacy:
        rows = [
            _desktop_row(li, rank, li.attrib.get("sku") or li.attrib.get("bookid", ""), base)
            for rank, li in enumerate(legacy, 1)
        ]
        return SearchPage(rows=rows, layout="jd-desktop-list-h")
    return SearchPage(rows=[], layout="jd-desktop-empty")


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


def parse_item(response: Any, sku: str | None = None) -> ItemPage:
    """``item.m.jd.com/product/<sku>.html``: ``window._itemOnly`` and ``window._itemInfo`` literals."""
    text = response.text
    if "off-shelf" in text or "该商品已下柜" in text:
        gone = ListingItem(platform=PLATFORM, item_id=str(sku or ""), title="", url=item_url(str(sku or "")))
        gone.available = False
        return ItemPage(item=gone, gone=True)
    only = js_object_after(text, "window._itemOnly") or {}
    info = js_object_after(text, "window._itemInfo") or {}
    if not only and not info:
        raise PageError("JD item page: neither window._itemOnly nor window._itemInfo found")
    item = dig(only, "item", {}) or {}
    product = dig(info, "product", {}) or {}
    sku = str(item.get("skuId") or product.get("skuId") or sku or "")
    if not sku:
        raise PageError("JD item page: no skuId")
    title = plain_text(item.get("skuName") or product.get("skuName") or "")
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
    return ItemPage(item=listing, login_required=login_required)


def _spec(specs: dict[str, str], *names: str) -> str | None:
    for name in names:
        for key, value in specs.items():
            if key == name or key.startswith(name):
                return value
    return None
