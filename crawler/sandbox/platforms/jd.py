"""JD (京东): the api.m.jd.com search JSON API and item.m.jd.com product pages with JS object literals."""

from __future__ import annotations

import json
from urllib.parse import quote

from aiohttp import web

from crawler.sandbox.content import Listing
from crawler.sandbox.hashing import hexdigest
from crawler.sandbox.platforms import jd_layouts
from crawler.sandbox.platforms.common import fuzzy_count, image_token, masked_price, path_hash
from crawler.sandbox.signing import JD_SCRIPT_PATH, jd_script, verify_h5st
from crawler.sandbox.web import dumps, esc, js_literal, json_response, original_url, redirect, text_response

PLATFORM = "jd"
HOSTS = (
    "api.m.jd.com",
    "item.m.jd.com",
    "so.m.jd.com",
    "m.jd.com",
    "cfe.m.jd.com",
    "trade.m.jd.com",
    "plogin.m.jd.com",
    "www.jd.com",
    "item.jd.com",
    "storage.360buyimg.com",
)
IMAGE_HOSTS = ("img14.360buyimg.com", "img10.360buyimg.com", "m.360buyimg.com")
_ROBOTS = """User-agent: *
Disallow: /?*
Disallow: /pop/*.html
Disallow: /pinpai/*.html?*
User-agent: EtaoSpider
Disallow: /
User-agent: HuihuiSpider
Disallow: /
User-agent: GwdangSpider
Disallow: /
User-agent: WochachaSpider
Disallow: /
"""
ROBOTS = {host: _ROBOTS for host in HOSTS}
SEARCH_FUNCTIONS = ("pc_search_searchWare", "search")


def image_path(listing: Listing, number: int) -> str:
    return f"jfs/t1/{path_hash(listing, number)}/{image_token(listing, number)}.jpg"


def is_data(ctx) -> bool:
    return (ctx.host == "api.m.jd.com" and ctx.path in ("/api", "/client.action")) or (
        ctx.host == "item.m.jd.com" and ctx.path.startswith("/product/")
    )


def fault_key(ctx) -> str:
    if ctx.host == "api.m.jd.com":
        return f"api|{ctx.query.get('functionId', '')}|{ctx.query.get('body', '')}"
    return ctx.path


async def handle(ctx) -> web.StreamResponse:
    host, path = ctx.host, ctx.path
    if host == "api.m.jd.com" and path in ("/api", "/client.action"):
        return await _api(ctx)
    if host == "item.m.jd.com" and path.startswith("/product/") and path.endswith(".html"):
        return _item(ctx, path.rsplit("/", 1)[-1].removesuffix(".html"))
    if host == "so.m.jd.com" and path in ("/", "/ware/search.action"):
        return _search_shell(ctx)
    if host == "storage.360buyimg.com" and path == JD_SCRIPT_PATH:
        if ctx.sandbox.signing.script_mode == "missing":
            return text_response("not found", "text/plain", status=404)
        return text_response(jd_script(ctx.sandbox.signing), "application/javascript")
    if host == "cfe.m.jd.com" and path.startswith("/privatedomain/risk_handler/"):
        return text_response(
            _page(
                "京东验证",
                '<div class="verify-wrap"><h2>验证一下，购物无忧</h2>'
                '<div id="slider" class="jd-slider"><span>向右滑动完成拼图</span></div></div>',
            )
        )
    if host == "trade.m.jd.com" and path == "/common/limit.html":
        return text_response(
            _page(
                "访问受限",
                '<div class="limit"><h2>您的访问过于频繁，请稍后再试</h2>'
                "<p>系统检测到您的请求次数过多</p></div>",
            )
        )
    if host == "plogin.m.jd.com":
        return text_response(
            _page(
                "京东登录注册",
                '<form id="loginForm"><input name="username"/>'
                '<input name="password" type="password"/></form>',
            )
        )
    if host in ("www.jd.com", "item.jd.com", "m.jd.com"):
        return text_response(
            _page(
                "京东(JD.COM)-正品低价、品质保障、配送及时、轻松购物！",
                '<div id="app-download">下载京东APP</div>',
            )
        )
    return text_response(_page("404", "<h1>页面不存在</h1>"), status=404)


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{esc(title)}</title>'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"></head><body>{body}</body></html>'
    )


def captcha(ctx) -> web.Response:
    if ctx.host == "api.m.jd.com":
        return json_response({"code": "605", "echo": "the request needs to authenticate"})
    returnurl = quote(original_url(ctx.request), safe="")
    return redirect(
        f"https://cfe.m.jd.com/privatedomain/risk_handler/03101900/?returnurl={returnurl}&evtype=2"
    )


def limit_page(ctx) -> web.Response:
    return redirect("https://trade.m.jd.com/common/limit.html")


def session_expired(ctx) -> web.Response:
    if ctx.host == "api.m.jd.com":
        return json_response({"code": "3", "echo": "not login", "msg": "登录已失效"})
    returnurl = quote(original_url(ctx.request), safe="")
    return redirect(f"https://plogin.m.jd.com/login/login?returnurl={returnurl}")


def _search_shell(ctx) -> web.Response:
    """The mobile search page: its results come from the signed API; the page loads JD's security
    script, whose ``ParamsSign`` makes the ``h5st`` the API checks (see ``crawler/sandbox/signing.py``)."""
    script = f'<script src="//storage.360buyimg.com{JD_SCRIPT_PATH}"></script>'
    return text_response(_page("京东搜索", f'<div id="search-app"></div>{script}'))


async def _api(ctx) -> web.Response:
    params = dict(ctx.query)
    if ctx.request.method == "POST":
        form = await ctx.request.post()
        params.update({k: str(v) for k, v in form.items()})
    function = params.get("functionId", "")
    if verify_h5st(ctx.sandbox.signing, params.get("h5st", ""), params, params.get("body", "")):
        return json_response({"code": "1", "echo": "no access"})
    try:
        body = json.loads(params.get("body") or "{}")
    except ValueError:
        return json_response({"code": "1", "echo": "body is not json"})
    if not isinstance(body, dict):
        return json_response({"code": "1", "echo": "body is not json"})
    if function in SEARCH_FUNCTIONS:
        keyword = str(body.get("keyword") or params.get("keyword") or "")
        try:
            page = int(body.get("page", 1))
        except (TypeError, ValueError):
            page = 1
        result = ctx.market.search(PLATFORM, keyword, page)
        if ctx.layout:  # the ``layout`` fault profile: tonight JD serves another layout
            return jd_layouts.search_response(
                ctx.layout,
                keyword=keyword,
                page=page,
                result=result,
                price=lambda listing: _price(ctx, listing),
                image=lambda listing: image_path(listing, 0),
            )
        wares = [_ware(ctx, listing) for listing in result.listings]
        if function == "search":
            return json_response({"code": "0", "wareInfo": wares, "wareCount": result.total})
        return json_response(
            {
                "code": 0,
                "msg": "Success",
                "data": {
                    "resultCount": result.total,
                    "listKeyWord": keyword,
                    "wareList": wares,
                    "intervalPrice": [],
                    "dataBuried": {"pvid": hexdigest(keyword, page, length=32)},
                },
            }
        )
    if function == "wareBusiness":
        listing = ctx.market.find(PLATFORM, str(body.get("skuId", "")))
        if listing is None or not listing.alive(ctx.config.night):
            return json_response({"code": "0", "wareInfo": None, "msg": "商品已下柜"})
        return json_response(
            {
                "code": "0",
                "wareInfo": {"skuId": listing.item_id, "name": listing.title},
                "wareImage": [
                    {"big": "https://img14.360buyimg.com/n1/" + image_path(listing, n)}
                    for n in range(listing.images)
                ],
                "floors": [{"mId": "bpPrice", "data": {"price": _price(ctx, listing)}}],
                "stockInfo": {"stockState": 33},
            }
        )
    return json_response({"code": "2", "echo": f"functionId {function} not found"})


def _price(ctx, listing: Listing) -> str:
    return listing.price if ctx.logged_in else masked_price(listing.price)


def _ware(ctx, listing: Listing) -> dict:
    price = _price(ctx, listing)
    return {
        "wareId": listing.item_id,
        "skuId": listing.item_id,
        "name": listing.title,
        "wareName": listing.title,
        "price": price,
        "jdPrice": price,
        "oriPrice": price if not ctx.logged_in else f"{listing.price_cents * 115 // 10000}.00",
        "imageurl": image_path(listing, 0),
        "shopId": listing.shop_id,
        "shopName": listing.shop_name,
        "catid": listing.category,
        "comment": listing.comments,
        "commentFuzzy": fuzzy_count(listing.comments),
        "good": f"{90 + listing.comments % 10}%",
        "self": listing.self_operated,
    }


def _item(ctx, sku: str) -> web.Response:
    if not ctx.mobile:
        return redirect(f"https://item.jd.com/{sku}.html")
    listing = ctx.market.find(PLATFORM, sku)
    if listing is None:
        return text_response(_page("404", "<h1>页面不存在</h1>"), status=404)
    if not listing.alive(ctx.config.night):
        return text_response(
            _page(
                "商品已下柜",
                f'<div class="off-shelf" data-sku="{sku}">该商品已下柜，欢迎挑选其他商品！</div>',
            )
        )
    price = _price(ctx, listing)
    specs = dict(listing.specs)
    images = [image_path(listing, n) for n in range(listing.images)]
    item_only = {
        "item": {
            "skuId": listing.item_id,
            "skuName": listing.title,
            "image": images,
            "brandName": listing.brand_shown or "",
            "saleProp": {"1": "颜色", "2": "规格"},
            "newColorSize": [{"1": "默认", "2": listing.spec("型号") or "标准", "skuId": listing.item_id}],
            "expandAttrDesc": [{"attName": k, "vals": [v]} for k, v in listing.specs],
            "venderId": listing.shop_id,
        },
    }
    product = {
        "skuId": listing.item_id,
        "skuName": listing.title,
        "imageurl": images[0],
        "brandName": listing.brand_shown or "",
        "catName": [ctx.market.specs[ctx.market.codes.index(listing.category)].name_zh],
        "category": listing.category,
        "color": "默认",
        "weight": "0.5kg",
    }
    if listing.model_in_specs:
        product["model"] = listing.model_in_specs
    if "条形码" in specs:
        product["upc"] = specs["条形码"]
    if listing.licence_no:
        product["licenseNo"] = listing.licence_no
    item_info = {
        "product": product,
        "stock": {
            "D": {"shopName": listing.shop_name, "id": listing.shop_id, "vender": listing.shop_name},
            "stockState": 33,
        },
        "priceFloor": {"price": price, "ext": {"jdPrice": price}},
        "commentCount": listing.comments,
    }
    rows = "".join(f"<li><span>{esc(k)}</span><em>{esc(v)}</em></li>" for k, v in listing.specs)
    login = (
        ""
        if ctx.logged_in
        else '<a class="login-price" href="https://plogin.m.jd.com/login/login">登录查看价格</a>'
    )
    body = (
        f'<div id="itemName" class="fn_goods_name">{esc(listing.title)}</div>'
        f'<div class="price-wrap"><span class="price">¥<em id="jdPrice">{esc(price)}</em></span>{login}</div>'
        f'<div class="shop-name">{esc(listing.shop_name)}</div>'
        f'<ul class="spec-list">{rows}</ul>'
        f"<script>\nwindow._itemOnly = ({js_literal(item_only)});\n"
        f"window._itemInfo = ({js_literal(item_info)});\n</script>"
    )
    return text_response(_page(f"{listing.title}-京东", body))


__all__ = ["dumps"]
