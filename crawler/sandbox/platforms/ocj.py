"""东方CJ (m.ocj.com.cn): a plain JSON search API and a simple HTML product page."""

from __future__ import annotations

import re

from aiohttp import web

from crawler.sandbox.content import Listing
from crawler.sandbox.web import esc, json_response, redirect, text_response

PLATFORM = "ocj"
HOSTS = ("m.ocj.com.cn", "www.ocj.com.cn")
ROBOTS = {host: "User-agent: *\nDisallow: /cart/\nDisallow: /order/\n" for host in HOSTS}
ITEM_PATH = re.compile(r"^/item/(\d+)\.html$")
IMAGE_PATH = re.compile(r"^/goods/p-(\d+)-(\d+)\.jpg$")


def image_url(listing: Listing, number: int) -> str:
    return f"https://m.ocj.com.cn/goods/p-{listing.item_id}-{number}.jpg"


def item_url(listing: Listing) -> str:
    return f"https://m.ocj.com.cn/item/{listing.item_id}.html"


def is_data(ctx) -> bool:
    return ctx.host == "m.ocj.com.cn" and (ctx.path == "/api/search" or bool(ITEM_PATH.match(ctx.path)))


def fault_key(ctx) -> str:
    return ctx.request.path_qs


def _page(title: str, body: str, status: int = 200) -> web.Response:
    return text_response(
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{esc(title)}</title>'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"></head><body>{body}</body></html>',
        status=status,
    )


def captcha(ctx) -> web.Response:
    if ctx.path == "/api/search":
        return json_response({"code": 403, "msg": "请完成安全验证", "captcha": True, "data": None})
    return _page("安全验证", '<div class="captcha-box">请完成安全验证：拖动滑块</div>')


def session_expired(ctx) -> web.Response:
    if ctx.path == "/api/search":
        return json_response({"code": 401, "msg": "登录已过期", "data": None})
    return redirect("https://m.ocj.com.cn/login.html")


async def handle(ctx) -> web.StreamResponse:
    if ctx.host == "www.ocj.com.cn":
        return _page("东方购物", "<div class='pc-home'>东方CJ 电视购物</div>")
    if ctx.path == "/api/search":
        return _search(ctx)
    image = IMAGE_PATH.match(ctx.path)
    if image:
        body = ctx.sandbox.image_for(PLATFORM, image.group(1), int(image.group(2)))
        if body is None:
            return text_response("not found", "text/plain", status=404)
        return web.Response(body=body, content_type="image/jpeg")
    item = ITEM_PATH.match(ctx.path)
    if item:
        if not ctx.mobile:
            return redirect("https://www.ocj.com.cn/")
        return _item(ctx, item.group(1))
    if ctx.path == "/login.html":
        return _page("登录", "<form class='login'>手机号登录</form>")
    return _page("404", "<p>页面不存在</p>", 404)


def _search(ctx) -> web.Response:
    keyword = ctx.query.get("keyword", "")
    try:
        page = max(1, int(ctx.query.get("page", "1")))
        size = max(1, min(50, int(ctx.query.get("size", "20"))))
    except ValueError:
        return json_response({"code": 400, "msg": "参数错误", "data": None}, status=400)
    result = ctx.market.search(PLATFORM, keyword, page, size)
    return json_response(
        {
            "code": 200,
            "msg": "success",
            "data": {
                "keyword": keyword,
                "page": page,
                "size": size,
                "total": result.total,
                "totalPage": (result.total + size - 1) // size,
                "items": [
                    {
                        "itemCode": x.item_id,
                        "itemName": x.title,
                        "salePrice": x.price,
                        "brandName": x.brand_shown or "",
                        "shopName": x.shop_name,
                        "imgUrl": image_url(x, 0),
                        "itemUrl": item_url(x),
                        "commentCount": x.comments,
                    }
                    for x in result.listings
                ],
            },
        }
    )


def _item(ctx, code: str) -> web.Response:
    listing = ctx.market.find(PLATFORM, code)
    if listing is None:
        return _page("商品不存在", "<div class='item-missing'>商品不存在</div>", 404)
    if not listing.alive(ctx.config.night):
        return _page("商品已下架", "<div class='item-offline'>商品已下架</div>", 404)
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in listing.specs)
    imgs = "".join(f'<img class="item-img" src="{image_url(listing, n)}">' for n in range(listing.images))
    body = (
        f'<div class="item-detail" data-item-code="{listing.item_id}">'
        f'<div class="item-gallery">{imgs}</div>'
        f'<h1 class="item-name">{esc(listing.title)}</h1>'
        f'<div class="item-price"><span class="sale-price" data-price="{listing.price}">¥{listing.price}</span></div>'
        f'<div class="item-brand">{esc(listing.brand_shown or "")}</div>'
        f'<div class="item-shop">{esc(listing.shop_name)}</div>'
        f'<table class="item-specs">{rows}</table></div>'
    )
    return _page(f"{listing.title} - 东方购物", body)
