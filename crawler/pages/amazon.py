"""Amazon pages: search results (``/s?k=``, mobile ``/gp/aw/s``) and product pages (``/dp/<ASIN>``).

Search generations, keyed by what the page contains:
  * 2019–: ``div.s-result-item`` cells; products carry ``data-component-type="s-search-result"`` and
    ``data-asin``; title ``h2 a``; price ``.a-price .a-offscreen``. Ranks count every result cell
    (header cells and carousels included), as the page lays them out.
  * older: ``li.s-result-item[data-asin]`` with ``a.s-access-detail-page``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, unquote, urljoin, urlparse

from crawler.items import ListingItem
from crawler.pages.base import ItemPage, PageError, SearchPage, SearchRow
from crawler.pages.markup import marked_text, node_text, parse_count, parse_price, plain_text

PLATFORM = "amazon"
ASIN = re.compile(r"/(?:dp|gp/product|gp/aw/d)/([A-Z0-9]{10})")


def asin_from_url(url: str) -> str | None:
    match = ASIN.search(url)
    if match:
        return match.group(1)
    inner = parse_qs(urlparse(url).query).get("url")
    if inner:
        match = ASIN.search(unquote(inner[0]))
        return match.group(1) if match else None
    return None


def product_url(base: str, asin: str) -> str:
    parts = urlparse(base)
    return f"{parts.scheme or 'https'}://{parts.netloc or 'www.amazon.com'}/dp/{asin}"


def _currency(text: str) -> str:
    if "R$" in text:
        return "BRL"
    if "CDN$" in text or "C$" in text:
        return "CAD"
    if "€" in text:
        return "EUR"
    if "£" in text:
        return "GBP"
    if "¥" in text or "￥" in text:
        return "CNY"
    return "USD"


def parse_search(response: Any) -> SearchPage:
    base = response.url
    cells = response.css("div.s-result-item")
    layout = "amazon-s-result-item"
    if not cells:
        cells = response.css("li.s-result-item[data-asin]")
        layout = "amazon-legacy-li"
    rows: list[SearchRow] = []
    for rank, cell in enumerate(cells, 1):
        link = cell.css("h2 a") or cell.css("a.s-access-detail-page")
        if not link:
            continue
        href = link.attrib.get("href", "")
        if not href:
            continue
        url = urljoin(base, href)
        asin = cell.attrib.get("data-asin") or asin_from_url(url) or ""
        price_text = node_text(cell.css(".a-price .a-offscreen")[:1]) or node_text(cell.css(".a-price")[:1])
        price, masked = parse_price(price_text)
        img = cell.css("img.s-image")
        rows.append(
            SearchRow(
                rank=rank,
                item_id=asin,
                marked_title=marked_text(link[0]),
                url=url,
                price=price,
                price_masked=masked,
                currency=_currency(price_text) if price_text else "USD",
                image_url=img.attrib.get("src") if img else None,
                comment_count=parse_count(
                    node_text(cell.css("span[aria-label$='ratings'], a[href*='customerReviews'] span")[:1])
                ),
            )
        )
    next_link = response.css("a.s-pagination-next, li.a-last a, a#pagnNextLink")
    return SearchPage(rows=rows, has_next=bool(next_link), layout=layout)


def parse_item(response: Any, asin: str | None = None) -> ItemPage:
    title = node_text(response.css("#productTitle, #title")[:1])
    asin = asin or asin_from_url(response.url) or response.css("input#ASIN::attr(value)").get()
    if not title or not asin:
        raise PageError("Amazon product page: no #productTitle or ASIN")
    price_text = node_text(
        response.css(
            "#corePrice_feature_div .a-offscreen, #priceblock_ourprice, #price_inside_buybox, .a-price .a-offscreen"
        )[:1]
    )
    price, masked = parse_price(price_text)
    specs: dict[str, str] = {}
    for row in response.css(
        "#productDetails_techSpec_section_1 tr, #productDetails_detailBullets_sections1 tr"
    ):
        key, value = node_text(row.css("th")[:1]), node_text(row.css("td")[:1])
        if key:
            specs[key] = value
    for li in response.css("#detailBullets_feature_div li"):
        parts = [plain_text(t) for t in li.css("span span::text").getall()]
        if len(parts) >= 2:
            specs[parts[0].rstrip(" :‏‎").strip()] = parts[1]
    seller = response.css("#sellerProfileTriggerId, #merchant-info a")
    seller_href = seller.attrib.get("href", "") if seller else ""
    seller_id = parse_qs(urlparse(seller_href).query).get("seller", [None])[0]
    byline = node_text(response.css("#bylineInfo")[:1])
    brand = specs.get("Brand") or re.sub(r"^(Visit the|Brand:)\s*|\s*Store$", "", byline).strip() or None
    sources = response.css("#imageBlock li img::attr(src), #altImages img::attr(src)").getall()
    images = [
        urljoin(response.url, src) for src in sources or response.css("#landingImage::attr(src)").getall()
    ]
    availability = node_text(response.css("#availability")[:1]).lower()
    barcodes = [v for k, v in specs.items() if k.upper() in {"UPC", "EAN", "GTIN"} for v in v.split()]
    item = ListingItem(
        platform=PLATFORM,
        item_id=asin,
        title=title,
        url=product_url(response.url, asin),
        price=price,
        price_masked=masked,
        currency=_currency(price_text) if price_text else "USD",
        seller_id=seller_id,
        seller_name=node_text(seller[:1]) or None if seller else None,
        brand=brand,
        model=specs.get("Item model number") or specs.get("Model Number") or specs.get("Model") or None,
        specs=specs,
        barcodes=barcodes,
        comment_count=parse_count(node_text(response.css("#acrCustomerReviewText")[:1])),
        image_urls=list(dict.fromkeys(images)),
        available="unavailable" not in availability,
        detail_fetched=True,
    )
    return ItemPage(item=item, gone="currently unavailable" in availability)
