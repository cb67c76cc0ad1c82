"""1号店 (Yihaodian): server-rendered mobile HTML in GBK, a search fragment, item pages, JSONP specs."""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from aiohttp import web

from crawler.sandbox.content import Listing
from crawler.sandbox.platforms.common import image_token, path_hash
from crawler.sandbox.web import dumps, esc, redirect, text_response

PLATFORM = "yhd"
HOSTS = ("search.m.yhd.com", "item.m.yhd.com", "m.yhd.com", "www.yhd.com")
IMAGE_HOSTS = ("img.yihaodianimg.com", "d6.yihaodianimg.com")
ROBOTS = {host: "User-agent: *\nDisallow: /cart/\nDisallow: /passport/\n" for host in HOSTS}
CHARSET = "gbk"
SEARCH_PATH = re.compile(r"^/search/k([^/]*)/p(\d+)-s\d+-si\d+-t\d+/?$")
PER_PAGE = 20


def image_url(listing: Listing, number: int) -> str:
    return f"https://img.yihaodianimg.com/t1/{path_hash(listing, number)}-{image_token(listing, number)}.jpg"


def _gbk(text: str, status: int = 200, content_type: str = "text/html") -> web.Response:
    return text_response(text, content_type, charset=CHARSET, status=status)


def _decode_keyword(raw: str) -> str:
    data = unquote_to_bytes(raw)
    for encoding in ("utf-8", "gbk"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def is_data(ctx) -> bool:
    return (ctx.host == "search.m.yhd.com" and ctx.path.startswith("/search/")) or (
        ctx.host == "item.m.yhd.com" and ctx.path.startswith("/item/")
    )


def fault_key(ctx) -> str:
    return ctx.request.rel_url.raw_path


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">'
        f'<title>{esc(title)}</title><meta name="viewport" content="width=device-width"></head>'
        f"<body>{body}</body></html>"
    )


def captcha(ctx) -> web.Response:
    from urllib.parse import quote

    from crawler.sandbox.web import original_url

    returnurl = quote(original_url(ctx.request), safe="")
    return redirect(
        f"https://cfe.m.jd.com/privatedomain/risk_handler/03101900/?returnurl={returnurl}&evtype=2"
    )


def session_expired(ctx) -> web.Response:
    return redirect("https://m.yhd.com/login")


async def handle(ctx) -> web.StreamResponse:
    if ctx.host == "search.m.yhd.com":
        raw = ctx.request.rel_url.raw_path.split("?", 1)[0]
        match = SEARCH_PATH.match(raw)
        if match:
            if not ctx.mobile:
                return redirect("https://www.yhd.com/")
            return _search(ctx, _decode_keyword(match.group(1)), int(match.group(2)))
    if ctx.host == "item.m.yhd.com":
        if ctx.path == "/item/ajaxProductDesc.do":
            return _specs(ctx)
        if ctx.path.startswith("/item/"):
            if not ctx.mobile:
                return redirect("https://www.yhd.com/")
            return _item(ctx, ctx.path.removeprefix("/item/").strip("/"))
    if ctx.host in ("www.yhd.com", "m.yhd.com"):
        return _gbk(_page("1号店 - 京东旗下网站", "<div class='home'>1号店 网上超市</div>"))
    return _gbk(_page("404", "<p>页面不存在</p>"), status=404)


def _search(ctx, keyword: str, page: int) -> web.Response:
    result = ctx.market.search(PLATFORM, keyword, max(1, page), PER_PAGE)
    items = []
    for x in result.listings:
        self_sell = '<span class="self_sell">自营</span>' if "旗舰" in x.shop_name else ""
        items.append(
            f'<li class="search_item"><a class="item" href="//item.m.yhd.com/item/{x.item_id}">'
            f'<div class="pic_box"><img src="//img.yihaodianimg.com/front-homepage/global/images/blank.gif" '
            f'original="{image_url(x, 0)}" alt=""></div>'
            f'<div class="title_box">{self_sell}{esc(x.title)}</div>'
            f'<div class="price_box"><span class="price"><small>￥</small><i>{x.price}</i></span></div>'
            f'<div class="comment_box"><span>{x.comments}条评论</span></div>'
            f'<div class="shop_box">{esc(x.shop_name)}</div></a></li>'
        )
    if items:
        fragment = (
            f'<ul id="itemSearchList" class="search_list" data-total="{result.total}">{"".join(items)}</ul>'
        )
        if result.has_more:
            fragment += f'<div class="load_more" data-next="{page + 1}">加载更多</div>'
    else:
        fragment = '<div class="no_result">抱歉，没有找到相关的商品</div>'
    if ctx.query.get("req.ajaxFlag") == "1":
        return _gbk(fragment)
    return _gbk(_page(f"{keyword} - 1号店", f'<div id="search_result">{fragment}</div>'))


def _item(ctx, product_id: str) -> web.Response:
    listing = ctx.market.find(PLATFORM, product_id)
    if listing is None:
        return _gbk(_page("404", "<p>页面不存在</p>"), status=404)
    if not listing.alive(ctx.config.night):
        return _gbk(
            _page("商品已下架", f'<div class="sold_out" data-product-id="{product_id}">该商品已下架</div>')
        )
    pm_id = int(listing.item_id) * 7 % 100000000
    images = "".join(f'<li><img src="{image_url(listing, n)}"></li>' for n in range(listing.images))
    body = (
        f'<div class="pd_gallery"><ul>{images}</ul></div>'
        f'<h2 id="pd_product-title">{esc(listing.title)}</h2>'
        f'<div class="pd_price"><span class="pd_product-price-num">{listing.price}</span></div>'
        f'<div class="pd_shop">{esc(listing.shop_name)}</div>'
        f"<script>var detailparams={{productId:{listing.item_id},pmId:{pm_id},merchantId:{listing.shop_id},"
        f"isYhdSelf:{1 if '旗舰' in listing.shop_name else 0}}};</script>"
    )
    return _gbk(_page(f"{listing.title}【行情 报价 价格 评测】-1号店", body))


def _specs(ctx) -> web.Response:
    callback = re.sub(r"[^A-Za-z0-9_.$]", "", ctx.query.get("callback", "jsonp1")) or "jsonp1"
    listing = ctx.market.find(PLATFORM, ctx.query.get("productId", ""))
    if listing is None or not listing.alive(ctx.config.night):
        payload = {"code": 1, "productParamsVoList": []}
    else:
        payload = {
            "code": 0,
            "productParamsVoList": [
                {"descParamVoList": [{"attributeName": k, "attributeValue": v} for k, v in listing.specs]}
            ],
        }
    return _gbk(f"{callback}({dumps(payload)})", content_type="application/javascript")
