"""Amazon: search result HTML in the DOM of the real 2021 capture, /dp/ and /gp/aw/d/ product pages."""

from __future__ import annotations

import re
from urllib.parse import quote_plus

from aiohttp import web

from crawler.sandbox.content import Listing
from crawler.sandbox.hashing import hexdigest
from crawler.sandbox.platforms.aliexpress import slug
from crawler.sandbox.platforms.common import image_token, path_hash
from crawler.sandbox.web import esc, original_url, redirect, text_response

PLATFORM = "amazon"
HOSTS = ("www.amazon.com",)
IMAGE_HOSTS = ("m.media-amazon.com", "images-na.ssl-images-amazon.com")
ROBOTS = {
    "www.amazon.com": """User-agent: *
Disallow: /gp/cart
Disallow: /gp/sign-in
Disallow: /errors/
Allow: /s
Allow: /dp/
Allow: /gp/aw/

User-agent: Scrapy
Disallow: /

User-agent: GPTBot
Disallow: /
"""
}
SEARCH_PATHS = ("/s", "/gp/aw/s")
ITEM_PATH = re.compile(r"^(?:/[^/]+)?/(?:dp|gp/aw/d|gp/product)/([A-Z0-9]{10})(?:/.*)?$")
PER_PAGE = 24


def image_url(listing: Listing, number: int, size: str = "_AC_UL320_") -> str:
    return f"https://m.media-amazon.com/images/I/{path_hash(listing, number)}-{image_token(listing, number)}.{size}.jpg"


def is_data(ctx) -> bool:
    return ctx.path in SEARCH_PATHS or bool(ITEM_PATH.match(ctx.path))


def fault_key(ctx) -> str:
    return ctx.request.path_qs


def _html(title: str, body: str, status: int = 200) -> web.Response:
    return text_response(
        f'<!doctype html><html lang="en-us" class="a-no-js" data-19ax5a9jf="dingo"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title></head><body>{body}</body></html>",
        status=status,
    )


def captcha(ctx) -> web.Response:
    amzn = hexdigest("amzn", ctx.request.path_qs, length=24)
    body = f"""<div class="a-container a-padding-double-large" style="min-width:350px;padding:44px 0 !important">
<div class="a-row a-spacing-double-large" style="width: 350px; margin: 0 auto">
<div class="a-box a-alert a-alert-info a-spacing-base"><div class="a-box-inner">
<h4>Enter the characters you see below</h4>
<p class="a-last">Sorry, we just need to make sure you're not a robot. For best results, please make sure your browser is accepting cookies.</p>
</div></div>
<form method="get" action="/errors/validateCaptcha" name="">
<input type=hidden name="amzn" value="{amzn}" /><input type=hidden name="amzn-r" value="{esc(ctx.request.path_qs)}" />
<div class="a-row a-text-center"><img src="https://images-na.ssl-images-amazon.com/captcha/{amzn[:8]}/Captcha_{amzn[8:18]}.jpg"></div>
<input autocomplete="off" spellcheck="false" placeholder="Type characters" id="captchacharacters" name="field-keywords" type="text">
<button type="submit" class="a-button-text">Continue shopping</button>
</form></div></div>"""
    return _html("Amazon.com", body)


def session_expired(ctx) -> web.Response:
    return redirect(
        f"https://www.amazon.com/ap/signin?openid.return_to={quote_plus(original_url(ctx.request))}"
    )


async def handle(ctx) -> web.StreamResponse:
    if ctx.path in SEARCH_PATHS:
        try:
            page = max(1, int(ctx.query.get("page", "1")))
        except ValueError:
            page = 1
        return _search(ctx, ctx.query.get("k", ""), page)
    match = ITEM_PATH.match(ctx.path)
    if match:
        return _item(ctx, match.group(1))
    if ctx.path == "/errors/validateCaptcha":
        return redirect(ctx.query.get("amzn-r") or "/")
    return _not_found()


def _not_found() -> web.Response:
    return _html(
        "Page Not Found",
        '<div id="g"><a href="/ref=cs_404_logo"></a><img alt="Sorry! We couldn\'t find that page. '
        'Try searching or go to Amazon\'s home page." src="https://images-na.ssl-images-amazon.com/images/G/01/error/title._TTD_.png"></div>',
        404,
    )


def _stars(x: Listing) -> str:
    value = 3.5 + (x.comments % 15) / 10
    return f"{min(value, 5.0):.1f}"


def _card(x: Listing, rank: int, keyword: str) -> str:
    href = f"/{slug(x.title)[:60]}/dp/{x.item_id}/ref=sr_1_{rank}?keywords={quote_plus(keyword)}&amp;qid=1639069422&amp;sr=8-{rank}"
    whole, fraction = x.price.split(".")
    stars = _stars(x)
    return f"""<div data-asin="{x.item_id}" data-index="{rank}" data-uuid="{hexdigest(x.item_id, length=8)}-{hexdigest(rank, length=4)}" data-component-type="s-search-result" class="sg-col-4-of-12 s-result-item s-asin sg-col-4-of-16 sg-col s-widget-spacing-small sg-col-4-of-20"><div class="sg-col-inner">
<span cel_widget_id="MAIN-SEARCH_RESULTS-{rank}" class="celwidget slot=MAIN template=SEARCH_RESULTS widgetId=search-results_{rank}">
<div class="s-expand-height s-include-content-margin s-latency-cf-section s-border-bottom s-border-top"><div class="a-section a-spacing-medium"><span data-component-type="s-product-image" class="rush-component"><a class="a-link-normal s-no-outline" href="{href}"><div class="a-section aok-relative s-image-square-aspect"><img class="s-image" src="{image_url(x, 0)}" srcset="{image_url(x, 0)} 1x, {image_url(x, 0, "_AC_UL640_")} 2x" alt="{esc(x.title)}" data-image-index="{rank}" data-image-load="" data-image-latency="s-product-image" data-image-source-density="1"/></div></a></span><div class="a-section a-spacing-none"><div class="a-section a-spacing-none a-spacing-top-small"><h2 class="a-size-mini a-spacing-none a-color-base s-line-clamp-4"><a class="a-link-normal a-text-normal" href="{href}"><span class="a-size-base-plus a-color-base a-text-normal">{esc(x.title)}</span> </a> </h2></div><div class="a-section a-spacing-none a-spacing-top-micro"><div class="a-row a-size-small"><span aria-label="{stars} out of 5 stars"><i class="a-icon a-icon-star-small aok-align-bottom"><span class="a-icon-alt">{stars} out of 5 stars</span></i></span><span aria-label="{x.comments:,}"><a class="a-link-normal" href="{href}#customerReviews"><span class="a-size-base">{x.comments:,}</span> </a> </span></div></div><div class="a-section a-spacing-none a-spacing-top-small"><div class="a-row a-size-base a-color-base"><a class="a-size-base a-link-normal a-text-normal" href="{href}"><span class="a-price" data-a-size="l" data-a-color="base"><span class="a-offscreen">${x.price}</span><span aria-hidden="true"><span class="a-price-symbol">$</span><span class="a-price-whole">{whole}<span class="a-price-decimal">.</span></span><span class="a-price-fraction">{fraction}</span></span></span> </a> </div></div><div class="a-section a-spacing-none a-spacing-top-micro"><div class="a-row a-size-base a-color-secondary s-align-children-center"><span aria-label="FREE Shipping by Amazon"><span>FREE Shipping by Amazon</span></span></div></div></div></div></div>
</span>
</div></div>
"""


def _search(ctx, keyword: str, page: int) -> web.Response:
    result = ctx.market.search(PLATFORM, keyword, page, PER_PAGE)
    start = (page - 1) * PER_PAGE
    cards = "".join(_card(x, start + n + 1, keyword) for n, x in enumerate(result.listings))
    if result.listings:
        info = f"{start + 1}-{start + len(result.listings)} of over {result.total:,} results for"
    else:
        info = "No results for"
        cards = (
            '<div class="s-no-outline"><span class="a-size-medium">No results for </span>'
            f'<span class="a-color-base a-text-bold">{esc(keyword)}</span></div>'
        )
    nxt = ""
    if result.has_more:
        nxt = (
            f'<a href="/s?k={quote_plus(keyword)}&amp;page={page + 1}&amp;qid=1639069422&amp;ref=sr_pg_{page + 1}" '
            'class="s-pagination-item s-pagination-next s-pagination-button s-pagination-separator">Next</a>'
        )
    body = f"""<div class="s-desktop-width-max s-desktop-content sg-row">
<span data-component-type="s-result-info-bar" class="rush-component"><div class="a-section a-spacing-small a-spacing-top-small"><span>{info} </span><span class="a-color-state a-text-bold">"{esc(keyword)}"</span></div></span>
<div class="s-main-slot s-result-list s-search-results sg-row">
{cards}</div>
<span data-component-type="s-pagination" class="rush-component"><div class="a-section a-text-center s-pagination-container">{nxt}</div></span>
</div>"""
    return _html(f"Amazon.com : {keyword}", body)


def _item(ctx, asin: str) -> web.Response:
    listing = ctx.market.find(PLATFORM, asin)
    if listing is None or not listing.alive(ctx.config.night):
        return _not_found()
    whole, fraction = listing.price.split(".")
    rows = "".join(
        f'<tr><th class="a-color-secondary a-size-base prodDetSectionEntry"> {esc(k)} </th>'
        f'<td class="a-size-base prodDetAttrValue"> {esc(v)} </td></tr>'
        for k, v in listing.specs
    )
    rows += (
        f'<tr><th class="a-color-secondary a-size-base prodDetSectionEntry"> ASIN </th>'
        f'<td class="a-size-base prodDetAttrValue"> {listing.item_id} </td></tr>'
    )
    brand = listing.brand_shown
    byline = (
        (
            f'<a id="bylineInfo" class="a-link-normal" href="/stores/{quote_plus(brand)}/page/{listing.shop_id}">'
            f"Visit the {esc(brand)} Store</a>"
        )
        if brand
        else ""
    )
    thumbs = "".join(
        f'<li class="a-spacing-small item"><img src="{image_url(listing, n, "_AC_US40_")}"></li>'
        for n in range(listing.images)
    )
    body = f"""<div id="dp" class="a-container">
<div id="imageBlock"><ul class="a-unordered-list regularAltImageViewLayout">{thumbs}</ul>
<div id="imgTagWrapperId" class="imgTagWrapper"><img alt="{esc(listing.title)}" src="{image_url(listing, 0, "_AC_SX466_")}" data-old-hires="{image_url(listing, 0, "_AC_SL1500_")}" id="landingImage"></div></div>
<div id="centerCol"><div id="titleSection"><h1 id="title" class="a-size-large a-spacing-none"><span id="productTitle" class="a-size-large product-title-word-break">        {esc(listing.title)}       </span></h1></div>
<div id="bylineInfo_feature_div">{byline}</div>
<div id="averageCustomerReviews"><span id="acrCustomerReviewText" class="a-size-base">{listing.comments:,} ratings</span></div>
<div id="corePrice_feature_div"><span class="a-price aok-align-center" data-a-size="l" data-a-color="price"><span class="a-offscreen">${listing.price}</span><span aria-hidden="true"><span class="a-price-symbol">$</span><span class="a-price-whole">{whole}<span class="a-price-decimal">.</span></span><span class="a-price-fraction">{fraction}</span></span></span></div>
</div>
<div id="merchant-info" class="a-section a-spacing-mini">Ships from and sold by <a id="sellerProfileTriggerId" href="/gp/help/seller/at-a-glance.html?seller={listing.shop_id}">{esc(listing.shop_name)}</a>.</div>
<div id="prodDetails"><table id="productDetails_techSpec_section_1" class="a-keyvalue prodDetTable" role="presentation">{rows}</table></div>
</div>"""
    return _html(f"Amazon.com: {listing.title}", body)
