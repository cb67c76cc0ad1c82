"""AliExpress: search result HTML in the DOM of the real 2017 capture, product pages with window.runParams."""

from __future__ import annotations

import re
from urllib.parse import quote_plus

from aiohttp import web

from crawler.sandbox.content import Listing
from crawler.sandbox.hashing import hexdigest
from crawler.sandbox.platforms.common import image_token, path_hash
from crawler.sandbox.web import esc, original_url, redirect, script_json, text_response

PLATFORM = "aliexpress"
HOSTS = ("www.aliexpress.com", "m.aliexpress.com", "assets.alicdn.com")
IMAGE_HOSTS = ("ae01.alicdn.com", "ae04.alicdn.com")
_ROBOTS = """User-agent: *
Allow: /w/
Allow: /item/
Disallow: /search/*
Disallow: /product/*
Disallow: /api/*
Disallow: /_____tmd_____/
"""
ROBOTS = {host: _ROBOTS for host in HOSTS}
SEARCH_PATH = re.compile(r"^/(?:w/)?wholesale(?:-([^/]+))?\.html$|^/wholesale$")
ITEM_PATH = re.compile(r"^/item/(?:[^/]+/)?(\d+)\.html$")
PER_PAGE = 40


def slug(title: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-")[:90] or "item"


def item_url(listing: Listing) -> str:
    return f"//www.aliexpress.com/item/{slug(listing.title)}/{listing.item_id}.html"


def image_url(listing: Listing, number: int) -> str:
    return f"https://ae01.alicdn.com/kf/HTB1{path_hash(listing, number)}-{image_token(listing, number)}.jpg"


def is_data(ctx) -> bool:
    return bool(SEARCH_PATH.match(ctx.path) or ITEM_PATH.match(ctx.path))


def fault_key(ctx) -> str:
    return ctx.request.path_qs


def captcha(ctx) -> web.Response:
    return redirect(
        f"https://www.aliexpress.com/_____tmd_____/punish?x5secdata="
        f"{hexdigest('x5', ctx.request.path_qs, length=48)}&x5step=1&action=captcha&"
        f"redirect={quote_plus(original_url(ctx.request))}"
    )


def session_expired(ctx) -> web.Response:
    return redirect(f"https://login.aliexpress.com/?return_url={quote_plus(original_url(ctx.request))}")


#: The product page's own rendering bundle. Like the real page, the HTML carries the listing only in
#: ``window.runParams``; this script draws title, price, shop and gallery from it. Without it (or without
#: JavaScript) a browser shows a bare title on white.
DETAIL_SCRIPT_PATH = "/g/ae-fe/detail-ui/2.3.1/index.js"
DETAIL_SCRIPT = """(function () {
  var d = (window.runParams || {}).data;
  var root = document.getElementById('root');
  if (!d || !root) return;
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  var style = document.createElement('style');
  style.textContent = 'body{margin:0;font-family:"Noto Sans CJK SC",Roboto,Arial,sans-serif;color:#222}' +
    '.image-view img{width:100%;display:block;background:#f2f2f2}' +
    '.product-price{padding:10px 12px;background:#fff1ee}' +
    '.product-price-current{color:#e62e04;font-size:26px;font-weight:700}' +
    '.product-title-text{font-size:17px;line-height:1.35;margin:10px 12px;font-weight:600}' +
    '.product-reviewer,.product-specs{padding:4px 12px;color:#666;font-size:13px}' +
    '.shop-name{margin:10px 12px;padding:10px;border:1px solid #ddd;border-radius:6px;font-size:15px}' +
    '.buy-bar{display:flex}.buy-bar a{flex:1;text-align:center;padding:14px;color:#fff;font-weight:700}';
  document.head.appendChild(style);
  root.textContent = '';
  var images = (d.imageModule || {}).imagePathList || [];
  var gallery = el('div', 'image-view');
  if (images.length) { var img = el('img'); img.src = images[0]; img.alt = ''; gallery.appendChild(img); }
  root.appendChild(gallery);
  var price = el('div', 'product-price');
  price.appendChild(el('span', 'product-price-current', (d.priceModule || {}).formatedActivityPrice || ''));
  root.appendChild(price);
  root.appendChild(el('h1', 'product-title-text', (d.titleModule || {}).subject || ''));
  var t = d.titleModule || {};
  root.appendChild(el('div', 'product-reviewer',
    (t.tradeCount || 0) + ' orders \u00b7 ' + ((t.feedbackRating || {}).totalValidNum || 0) + ' reviews'));
  var shop = el('div', 'shop-name');
  var link = el('a', '', (d.storeModule || {}).storeName || '');
  link.href = (d.storeModule || {}).storeURL || '#';
  shop.appendChild(link);
  root.appendChild(shop);
  var specs = el('ul', 'product-specs');
  ((d.specsModule || {}).props || []).forEach(function (p) { specs.appendChild(el('li', '', p.attrName + ': ' + p.attrValue)); });
  root.appendChild(specs);
  var bar = el('div', 'buy-bar');
  var add = el('a', '', 'Add to Cart'); add.style.background = '#ff9a00';
  var buy = el('a', '', 'Buy Now'); buy.style.background = '#e62e04';
  bar.appendChild(add); bar.appendChild(buy);
  root.appendChild(bar);
})();
"""


def _page(title: str, body: str, status: int = 200, head: str = "") -> web.Response:
    return text_response(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{esc(title)}</title>{head}</head>'
        f"<body>{body}</body></html>",
        status=status,
    )


async def handle(ctx) -> web.StreamResponse:
    path = ctx.path
    if ctx.host == "assets.alicdn.com":
        if path == DETAIL_SCRIPT_PATH:
            return text_response(DETAIL_SCRIPT, "application/javascript")
        return text_response("not found", "text/plain", status=404)
    if path.startswith("/_____tmd_____/punish"):
        return _page(
            "Captcha Interception",
            '<div id="nocaptcha" class="nc-container"><span>Please slide to verify</span></div>',
        )
    search = SEARCH_PATH.match(path)
    if search:
        keyword = ctx.query.get("SearchText") or (search.group(1) or "").replace("-", " ")
        try:
            page = max(1, int(ctx.query.get("page", "1")))
        except ValueError:
            page = 1
        return _search(ctx, keyword, page)
    item = ITEM_PATH.match(path)
    if item:
        return _item(ctx, item.group(1))
    return _page(
        "Page Not Found - Aliexpress.com",
        "<div class='error-page'>Sorry, the page you requested can not be found</div>",
        404,
    )


def _card(x: Listing, rank: int) -> str:
    url = item_url(x)
    price = f"US ${x.price}"
    return f"""<li  qrdata="200214143|{x.item_id}|cn{x.shop_id}" algo-exp-id="{hexdigest(x.item_id, length=8)}-{rank}" pub-catid="{x.category}"  class="list-item{" list-item-first" if rank < 4 else ""} ">
    <div class="item">
        <div class="img img-border">
            <div class="pic">
                <a class="picRind history-item " href="{url}" target="_blank"><img   class="picCore pic-Core-v" src="{image_url(x, 0)}"  alt="{esc(x.title)}" /></a>
            </div>
        </div>
        <div class="info">
            <h3 class="icon-hotproduct" >
                <a  class="history-item product " href="{url}" title="{esc(x.title)}" target="_blank">{esc(x.title)}</a>
            </h3>
            <span class="price price-m">
                <span class="value" itemprop="price">{price}</span>
                <span class="separator">/</span>
                <span class="unit">piece</span>
            </span>
            <strong class="free-s">Free Shipping</strong>
            <div class="rate-history">
                <span rel="nofollow" class="order-num">
                    <a class="order-num-a " href="{url}#thf" rel="nofollow" target="_blank"><em title="Total Orders"> Orders ({x.sales})</em></a>
                </span>
            </div>
        </div>
        <div class="info-more">
            <div class="store-name-chat">
                <div class="store-name util-clearfix">
                    <a href="//www.aliexpress.com/store/{x.shop_id}" title="{esc(x.shop_name)}" class="store "   >{esc(x.shop_name)}</a>
                </div>
            </div>
            <div class="add-to-wishlist">
                <a class="atwl-button " href="javascript:;" data-product-id="{x.item_id}">Add to Wish List</a>
            </div>
            <input class="atc-product-id" type="hidden" value="{x.item_id}" />
        </div>
    </div>
</li>
"""


def _search(ctx, keyword: str, page: int) -> web.Response:
    result = ctx.market.search(PLATFORM, keyword, page, PER_PAGE)
    cards = "".join(_card(x, n) for n, x in enumerate(result.listings))
    base = f"//www.aliexpress.com/wholesale?site=glo&amp;g=y&amp;SearchText={quote_plus(keyword)}"
    nav = (
        '<span class="ui-pagination-prev ui-pagination-disabled">Previous</span>'
        if page == 1
        else (f'<a href="{base}&amp;page={page - 1}" class="page-prev ui-pagination-prev">Previous</a>')
    )
    nav += f'<span class="ui-pagination-active">{page}</span>'
    if result.has_more:
        nav += f'<a href="{base}&amp;page={page + 1}" class="page-next ui-pagination-next">Next</a>'
    body = f"""<div id="header"></div>
<div class="search-count-wrap"><strong class="search-count">{result.total:,}</strong> Results</div>
<div id="hs-list-items"  class="util-clearfix temp-height lazy-load list-items" data-spm="3">
<ul class="util-clearfix son-list util-clearfix" id="hs-below-list-items">
{cards}</ul>
</div>
<div id="pagination-bottom" class="ui-pagination ui-pagination-front ui-pagination-body util-clearfix" data-spm-protocol="i">
<div class="ui-pagination-navi util-left">{nav}</div>
</div>"""
    if not result.listings:
        body = (
            '<div id="we-found" class="search-no-result">Sorry, your search did not match any products.</div>'
            + body
        )
    title = f"{keyword.title()}-Buy Cheap {keyword.title()} lots from China {keyword.title()} suppliers on Aliexpress.com"
    return _page(title, body)


def _item(ctx, item_id: str) -> web.Response:
    listing = ctx.market.find(PLATFORM, item_id)
    if listing is None:
        return _page(
            "Page Not Found - Aliexpress.com",
            "<div class='error-page'>Sorry, the page you requested can not be found</div>",
            404,
        )
    if not listing.alive(ctx.config.night):
        return _page(
            "Aliexpress.com",
            '<div class="product-not-available">Sorry, this item is no longer available!</div>',
        )
    data = {
        "pageModule": {"productId": int(listing.item_id), "itemDetailUrl": "https:" + item_url(listing)},
        "titleModule": {
            "subject": listing.title,
            "tradeCount": listing.sales,
            "feedbackRating": {"totalValidNum": listing.comments},
        },
        "priceModule": {
            "formatedActivityPrice": f"US ${listing.price}",
            "formatedPrice": f"US ${listing.price}",
            "minAmount": {"value": float(listing.price), "currency": "USD"},
        },
        "skuModule": {
            "productSKUPropertyList": [],
            "skuPriceList": [
                {
                    "skuId": int(listing.item_id) * 10,
                    "skuVal": {"skuAmount": {"value": float(listing.price), "currency": "USD"}},
                }
            ],
        },
        "imageModule": {"imagePathList": [image_url(listing, n) for n in range(listing.images)]},
        "storeModule": {
            "storeName": listing.shop_name,
            "storeNum": int(listing.shop_id),
            "storeURL": f"//www.aliexpress.com/store/{listing.shop_id}",
        },
        "specsModule": {"props": [{"attrName": k, "attrValue": v} for k, v in listing.specs]},
    }
    body = (
        f'<div id="root"><h1 class="product-title-text">{esc(listing.title)}</h1></div>'
        f"<script>\nwindow.runParams = {{\n    data: {script_json(data)},\n"
        f"    csrfToken: '{hexdigest('csrf', item_id, length=16)}',\n    abVersion: ''\n}};\n</script>"
        f'<script src="//assets.alicdn.com{DETAIL_SCRIPT_PATH}"></script>'
    )
    viewport = '<meta name="viewport" content="width=device-width,initial-scale=1">'
    return _page(f"{listing.title} - AliExpress", body, head=viewport)
