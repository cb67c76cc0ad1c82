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
from crawler.pages.base import ItemPage, LayoutChanged, SearchPage, SearchRow
from crawler.pages.contract import search_page, unknown_layout
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


#: Marketplace currency by host suffix (longest first), for prices whose symbol is ambiguous or absent.
MARKETPLACE_CURRENCY = (
    (".com.br", "BRL"),
    (".com.mx", "MXN"),
    (".com.au", "AUD"),
    (".com.tr", "TRY"),
    (".co.uk", "GBP"),
    (".co.jp", "JPY"),
    (".in", "INR"),
    (".ca", "CAD"),
    (".cn", "CNY"),
    (".sg", "SGD"),
    (".ae", "AED"),
    (".sa", "SAR"),
    (".se", "SEK"),
    (".pl", "PLN"),
    (".de", "EUR"),
    (".fr", "EUR"),
    (".it", "EUR"),
    (".es", "EUR"),
    (".nl", "EUR"),
    (".be", "EUR"),
    (".com", "USD"),
)
SYMBOLS = (
    ("R$", "BRL"),
    ("CDN$", "CAD"),
    ("C$", "CAD"),
    ("A$", "AUD"),
    ("₹", "INR"),
    ("€", "EUR"),
    ("£", "GBP"),
)


def marketplace_currency(url: str) -> str:
    host = (urlparse(url).hostname or "").lower()
    for suffix, currency in MARKETPLACE_CURRENCY:
        if host.endswith(suffix):
            return currency
    return "USD"


def _currency(text: str, url: str = "") -> str:
    """The currency of a price text: its symbol where unambiguous, else the marketplace's currency."""
    market = marketplace_currency(url)
    for symbol, currency in SYMBOLS:
        if symbol in text:
            return currency
    if "¥" in text or "￥" in text:
        return "JPY" if market == "JPY" else "CNY"
    if "$" in text and market not in ("USD", "CAD", "AUD", "MXN", "SGD"):
        return "USD"
    return market


#: Search layouts, keyed by where the title link sits.
LAYOUT_2025 = "amazon-2025"  # s-search-result cells; the title link wraps the h2
LAYOUT_2019 = "amazon-2019"  # s-result-item cells; h2 a
LAYOUT_LEGACY = "amazon-2014"  # li.s-result-item[data-asin]; a.s-access-detail-page
SPONSORED = ".puis-sponsored-label-text, .s-sponsored-label-text, .s-label-popover-default"
NO_RESULTS_TEXT = ("No results for", "did not match any products", "没有找到", "結果はありません")


def _title_link(cell: Any) -> tuple[Any, str] | None:
    link = cell.css("h2 a")
    if link:
        return link, LAYOUT_2019
    wrapper = cell.xpath(".//a[.//h2]")
    if wrapper:
        return wrapper, LAYOUT_2025
    link = cell.css("a.s-access-detail-page")
    if link:
        return link, LAYOUT_LEGACY
    return None


def parse_search(response: Any) -> SearchPage:
    base = response.url
    cells = response.css("div.s-result-item")
    if not cells:
        cells = response.css("li.s-result-item[data-asin]")
    rows: list[SearchRow] = []
    layouts: dict[str, int] = {}
    products = 0
    for rank, cell in enumerate(cells, 1):
        is_product = cell.attrib.get("data-component-type") == "s-search-result" or (
            cell.root.tag == "li" and cell.attrib.get("data-asin")
        )
        products += bool(is_product)
        found = _title_link(cell)
        if not found:
            continue
        link, layout = found
        if layout == LAYOUT_2025 and not is_product:
            continue  # carousels and widgets ("Highly rated", "Related searches") between the results
        href = link.attrib.get("href", "")
        if not href:
            continue
        layouts[layout] = layouts.get(layout, 0) + 1
        url = urljoin(base, href)
        asin = cell.attrib.get("data-asin") or asin_from_url(url) or ""
        price_text = node_text(cell.css(".a-price .a-offscreen")[:1]) or node_text(cell.css(".a-price")[:1])
        price, masked = parse_price(price_text)
        img = cell.css("img.s-image")
        title = marked_text(cell.css("h2")[0]) if layout == LAYOUT_2025 else marked_text(link[0])
        rows.append(
            SearchRow(
                rank=rank,
                item_id=asin,
                marked_title=title,
                url=url,
                price=price,
                price_masked=masked,
                currency=_currency(price_text, base),
                image_url=img.attrib.get("src") if img else None,
                comment_count=parse_count(
                    node_text(cell.css("span[aria-label$='ratings'], a[href*='customerReviews'] span")[:1])
                ),
                sponsored=bool(cell.css(SPONSORED)) or "AdHolder" in cell.attrib.get("class", "").split(),
            )
        )
    layout = max(layouts, key=lambda name: layouts[name]) if layouts else (LAYOUT_2025 if products else "")
    next_link = response.css("a.s-pagination-next, li.a-last a, a#pagnNextLink")
    evidence = ""
    if not rows:
        notice = node_text(response.css(".s-no-outline, #noResultsTitle, .s-breadcrumb")[:2])
        evidence = next((notice for marker in NO_RESULTS_TEXT if marker in notice), "")
        if not layout and not evidence:
            markers = [m for m in ("div.s-result-item", "h2", "#search") if response.css(m)]
            raise unknown_layout("Amazon search", (LAYOUT_2025, LAYOUT_2019, LAYOUT_LEGACY), markers)
    return search_page(
        rows,
        layout=layout or LAYOUT_2025,
        entries=products if layout == LAYOUT_2025 else None,
        empty_evidence=evidence,
        required=("item_id", "title"),
        usual=("price",),
        has_next=bool(next_link) and bool(rows),
    )


def parse_item(response: Any, asin: str | None = None) -> ItemPage:
    title = node_text(response.css("#productTitle, #title")[:1])
    asin = asin or asin_from_url(response.url) or response.css("input#ASIN::attr(value)").get()
    if not title or not asin:
        problems = [name for name, value in (("#productTitle", title), ("ASIN", asin)) if not value]
        raise LayoutChanged(
            "Amazon product page: no #productTitle or ASIN", layout="amazon-dp", problems=problems
        )
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
        currency=_currency(price_text, response.url),
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
    return ItemPage(item=item, gone="currently unavailable" in availability, layout="amazon-dp")
