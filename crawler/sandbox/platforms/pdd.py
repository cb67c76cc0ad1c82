"""Pinduoduo (mobile.yangkeduo.com): H5 pages with ``window.rawData`` and the paged search proxy API."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from crawler.sandbox.content import Listing
from crawler.sandbox.hashing import hexdigest
from crawler.sandbox.platforms.common import fuzzy_count, image_token, path_hash
from crawler.sandbox.signing import PDD_SCRIPT_PATH, pdd_script, verify_anti_content
from crawler.sandbox.web import esc, json_response, original_url, redirect, script_json, text_response

PLATFORM = "pdd"
HOSTS = ("mobile.yangkeduo.com", "static.pddpic.com")
IMAGE_HOSTS = ("img.pddpic.com", "t00img.yangkeduo.com")
ROBOTS = {"mobile.yangkeduo.com": "User-agent: *\nDisallow: /proxy/\n"}
SSR_SIZE = 20
#: The goods page's own rendering bundle. Like the real H5 page, the HTML carries the goods only in
#: ``window.rawData``; this script draws gallery, price, title and shop from it. Without it (or without
#: JavaScript) a browser shows a white page.
GOODS_SCRIPT_PATH = "/assets/js/goods_detail_4.8.2.js"
GOODS_SCRIPT = """(function () {
  var store = (window.rawData || {}).store || {};
  var data = store.initDataObj || {};
  var goods = data.goods, mall = data.mall || {};
  var main = document.getElementById('main');
  if (!goods || !main) return;
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  var style = document.createElement('style');
  style.textContent = 'body{margin:0;font-family:"Noto Sans CJK SC",sans-serif;color:#151516;background:#f4f4f4}' +
    '.goods-gallery img{width:100%;display:block;background:#eee}' +
    '.goods-price{background:#e02e24;color:#fff;padding:10px 12px;font-size:26px;font-weight:700}' +
    '.goods-price small{font-size:14px;margin-left:8px;font-weight:400}' +
    '.goods-name{background:#fff;padding:10px 12px;font-size:17px;line-height:1.4;margin:0}' +
    '.goods-off{background:#fff;padding:40px 12px;font-size:20px;text-align:center;color:#9c9c9c}' +
    '.mall-name{background:#fff;margin-top:8px;padding:12px;font-size:15px}' +
    '.goods-props{background:#fff;margin-top:8px;padding:8px 12px;font-size:13px;color:#58595b}' +
    '.buy-bar{display:flex;margin-top:8px}.buy-bar a{flex:1;text-align:center;padding:14px;color:#fff;background:#e02e24}';
  document.head.appendChild(style);
  main.textContent = '';
  if (goods.isOnSale === false) {
    main.appendChild(el('h1', 'goods-name', goods.goodsName || ''));
    main.appendChild(el('div', 'goods-off', goods.statusExplain || '商品已下架'));
    return;
  }
  var gallery = el('div', 'goods-gallery');
  var top = goods.topGallery || [];
  if (top.length) { var img = el('img'); img.src = top[0]; img.alt = ''; gallery.appendChild(img); }
  main.appendChild(gallery);
  var price = el('div', 'goods-price', '\u00a5' + ((goods.minGroupPrice || 0) / 100).toFixed(2));
  price.appendChild(el('small', '', goods.sideSalesTip || ''));
  main.appendChild(price);
  main.appendChild(el('h1', 'goods-name', goods.goodsName || ''));
  var props = el('ul', 'goods-props');
  (goods.goodsProperty || []).forEach(function (p) { props.appendChild(el('li', '', p.key + '：' + (p.values || []).join(' '))); });
  main.appendChild(props);
  main.appendChild(el('div', 'mall-name', mall.mallName || ''));
  var bar = el('div', 'buy-bar');
  bar.appendChild(el('a', '', '单独购买'));
  bar.appendChild(el('a', '', '发起拼单'));
  main.appendChild(bar);
})();
"""


def image_url(listing: Listing, number: int) -> str:
    return f"https://img.pddpic.com/mms-material-img/2025-06-01/{path_hash(listing, number)}-{image_token(listing, number)}.jpeg"


def is_data(ctx) -> bool:
    return ctx.path in ("/search_result.html", "/proxy/api/search", "/goods.html", "/goods2.html")


def fault_key(ctx) -> str:
    query = sorted((k, v) for k, v in ctx.query.items() if k not in ("anti_content", "flip", "list_id"))
    return f"{ctx.path}|{query}"


def _fen(listing: Listing) -> int:
    return listing.price_cents


def _goods_brief(listing: Listing) -> dict:
    return {
        "goodsID": listing.item_id,
        "goodsName": listing.title,
        "price": _fen(listing),
        "salesTip": f"已拼{fuzzy_count(listing.sales)}件",
        "thumbUrl": image_url(listing, 0),
        "mallName": listing.shop_name,
        "linkURL": f"goods.html?goods_id={listing.item_id}",
    }


def _page(title: str, raw: dict | None, body: str = "", after: str = "") -> str:
    script = f"<script>window.rawData= {script_json(raw)};</script>" if raw is not None else ""
    script += after
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{esc(title)}</title>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'></head>"
        f"<body><div id='main'>{body}</div>{script}</body></html>"
    )


def captcha(ctx) -> web.Response:
    if ctx.path.startswith("/proxy/"):
        return json_response(
            {
                "error_code": 54001,
                "verify_auth_token": hexdigest("vat", ctx.request.path_qs, length=24),
                "error_msg": "请完成验证",
            }
        )
    return redirect(
        f"https://mobile.yangkeduo.com/psnl_verification.html?VerifyAuthToken="
        f"{hexdigest('vat', ctx.request.path_qs, length=24)}&from={quote(original_url(ctx.request), safe='')}"
    )


def session_expired(ctx) -> web.Response:
    if ctx.path.startswith("/proxy/"):
        return json_response({"error_code": 40001, "error_msg": "登录已过期"}, status=403)
    return redirect(
        f"https://mobile.yangkeduo.com/login.html?from={quote(original_url(ctx.request), safe='')}"
    )


async def handle(ctx) -> web.StreamResponse:
    path = ctx.path
    if ctx.host == "static.pddpic.com":
        return _static(ctx)
    if path in ("/", "/index.html"):
        return text_response(_page("拼多多", {"store": {"pageName": "index"}}, _anti_script()))
    if path == "/search_result.html":
        return _search_page(ctx)
    if path == "/proxy/api/search":
        return _search_api(ctx)
    if path in ("/goods.html", "/goods2.html"):
        return _goods(ctx)
    if path == "/login.html":
        return text_response(
            _page("登录", {"store": {"pageName": "login"}}, "<div class='login'>手机号登录</div>")
        )
    if path == "/psnl_verification.html":
        return text_response(_page("安全验证", None, "<div class='verify'>请完成安全验证，拖动滑块</div>"))
    return text_response(_page("404", None, "页面不存在"), status=404)


def _anti_script() -> str:
    """The page's anti-content module, which makes the one-time ``anti_content`` the search API checks."""
    return f"<script src='//static.pddpic.com{PDD_SCRIPT_PATH}'></script>"


def _static(ctx) -> web.Response:
    if ctx.path == GOODS_SCRIPT_PATH:
        return text_response(GOODS_SCRIPT, "application/javascript")
    if ctx.path != PDD_SCRIPT_PATH or ctx.sandbox.signing.script_mode == "missing":
        return text_response("not found", "text/plain", status=404)
    return text_response(pdd_script(ctx.sandbox.signing), "application/javascript")


def _search_page(ctx) -> web.Response:
    keyword = ctx.query.get("search_key", "")
    listings = []
    total = 0
    if ctx.mobile:
        result = ctx.market.search(PLATFORM, keyword, 1, SSR_SIZE)
        listings, total = result.listings, result.total
    raw = {
        "store": {
            "pageName": "search_result",
            "searchKey": keyword,
            "ssrListData": {
                "list": [_goods_brief(x) for x in listings],
                "total": total,
                "flip": hexdigest("flip", keyword, 1, length=20),
                "listID": hexdigest(keyword, length=10),
            },
        }
    }
    return text_response(_page(f"{keyword} - 拼多多", raw))


def _search_api(ctx) -> web.Response:
    if ctx.session is None:
        return json_response({"error_code": 40001, "error_msg": "未登录"}, status=403)
    header = ctx.request.headers.get("AccessToken")
    if header is not None and header != ctx.request.cookies.get("PDDAccessToken"):
        return json_response({"error_code": 40001, "error_msg": "AccessToken不匹配"}, status=403)
    token = ctx.query.get("anti_content", "")
    refused = verify_anti_content(ctx.sandbox.signing, token)
    reused = ctx.fault_on("anti_content") and not ctx.sandbox.one_time_tokens.add(f"pdd|{token}")
    if refused or reused:
        return json_response(
            {
                "error_code": 54001,
                "verify_auth_token": hexdigest("vat", token, length=24),
                "error_msg": "anti_content invalid",
            }
        )
    keyword = ctx.query.get("q", "")
    try:
        page = max(1, int(ctx.query.get("page", "1")))
        size = max(1, min(50, int(ctx.query.get("size", str(SSR_SIZE)))))
    except ValueError:
        return json_response({"error_code": 10001, "error_msg": "参数错误"}, status=400)
    result = ctx.market.search(PLATFORM, keyword, page, size)
    return json_response(
        {
            "items": [
                {
                    "item_type": 0,
                    "item_data": {
                        "goods_model": {
                            "goods_id": int(x.item_id),
                            "goods_name": x.title,
                            "price": _fen(x),
                            "normal_price": _fen(x) + 300,
                            "sales_tip": f"已拼{fuzzy_count(x.sales)}件",
                            "hd_thumb_url": image_url(x, 0),
                            "mall_name": x.shop_name,
                            "mall_id": int(x.shop_id),
                        }
                    },
                }
                for x in result.listings
            ],
            "flip": hexdigest("flip", keyword, page + 1, length=20),
            "has_more": result.has_more,
            "total": result.total,
        }
    )


def _goods(ctx) -> web.Response:
    if not ctx.mobile:
        return redirect(
            f"https://mobile.yangkeduo.com/login.html?from={quote(original_url(ctx.request), safe='')}"
        )
    listing = ctx.market.find(PLATFORM, ctx.query.get("goods_id", ""))
    if listing is None:
        return text_response(
            _page("商品不存在", {"store": {"initDataObj": {"goods": None, "errorCode": 10002}}}), status=404
        )
    mall = {"mallId": listing.shop_id, "mallName": listing.shop_name}
    if not listing.alive(ctx.config.night):
        goods = {
            "goodsID": listing.item_id,
            "goodsName": listing.title,
            "isOnSale": False,
            "statusExplain": "商品已下架",
        }
    else:
        goods = {
            "goodsID": listing.item_id,
            "goodsName": listing.title,
            "catID": listing.category,
            "mallID": listing.shop_id,
            "isOnSale": True,
            "minGroupPrice": _fen(listing),
            "maxGroupPrice": _fen(listing) + 500,
            "minNormalPrice": _fen(listing) + 300,
            "sideSalesTip": f"已拼{fuzzy_count(listing.sales)}件",
            "topGallery": [image_url(listing, n) for n in range(listing.images)],
            "detailGallery": [{"url": image_url(listing, n)} for n in range(1, listing.images)],
            "goodsProperty": [{"key": k, "values": [v]} for k, v in listing.specs],
            "skus": [
                {
                    "specs": [{"spec_key": "规格", "spec_value": "默认"}],
                    "normalPrice": _fen(listing) + 300,
                    "groupPrice": _fen(listing),
                }
            ],
        }
    raw = {"store": {"initDataObj": {"goods": goods, "mall": mall, "queries": {"goods_id": listing.item_id}}}}
    bundle = f"<script src='//static.pddpic.com{GOODS_SCRIPT_PATH}'></script>"
    return text_response(_page(f"{listing.title} - 拼多多", raw, after=bundle))
