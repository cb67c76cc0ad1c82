"""Taobao / Tmall: the mtop h5 API (token cookie, md5 signature) and product pages built only by JavaScript."""

from __future__ import annotations

import hashlib
import json
import time
from urllib.parse import quote

from aiohttp import web

from crawler.sandbox.content import Listing
from crawler.sandbox.hashing import hexdigest
from crawler.sandbox.platforms.common import image_token, path_hash
from crawler.sandbox.platforms.md5js import MD5_JS
from crawler.sandbox.web import dumps, esc, original_url, redirect, text_response

PLATFORM = "taobao"
APP_KEY = "12574478"
API_HOSTS = ("h5api.m.taobao.com", "h5api.m.tmall.com")
PAGE_HOSTS = ("h5.m.taobao.com", "detail.m.tmall.com")
DESKTOP_HOSTS = ("item.taobao.com", "detail.tmall.com", "login.m.taobao.com")
HOSTS = API_HOSTS + PAGE_HOSTS + DESKTOP_HOSTS
IMAGE_HOSTS = ("img.alicdn.com", "gw.alicdn.com")
_ROBOTS = """User-agent: Baiduspider
Allow: /article
Allow: /oshtml
Disallow: /product/
Disallow: /

User-Agent: Googlebot
Allow: /article
Allow: /oshtml
Allow: /product
Disallow: /

User-Agent: *
Disallow: /
"""
ROBOTS = {host: _ROBOTS for host in HOSTS}
SEARCH_RECOMMEND = "mtop.relationrecommend.wirelessrecommend.recommend"
SEARCH_H5 = "mtop.taobao.wsearch.h5search"
DETAIL = "mtop.taobao.detail.getdetail"
APIS = {SEARCH_RECOMMEND: "2.0", SEARCH_H5: "1.0", DETAIL: "6.0"}


def image_url(listing: Listing, number: int) -> str:
    return f"https://img.alicdn.com/imgextra/i{1 + number % 4}/{listing.shop_id}/O1CN01{path_hash(listing, number)}-{image_token(listing, number)}.jpg"


def item_url(listing: Listing) -> str:
    if listing.tmall:
        return f"https://detail.m.tmall.com/item.htm?id={listing.item_id}"
    return f"https://h5.m.taobao.com/awp/core/detail.htm?id={listing.item_id}"


def is_data(ctx) -> bool:
    if ctx.request.method == "OPTIONS":
        return False
    return (ctx.host in API_HOSTS and ctx.path.startswith("/h5/")) or (
        ctx.host in PAGE_HOSTS and ctx.path in ("/awp/core/detail.htm", "/item.htm")
    )


def fault_key(ctx) -> str:
    if ctx.host in API_HOSTS:
        return f"{ctx.path}|{ctx.query.get('data', '')}"
    return ctx.request.path_qs


# ----- tokens ----------------------------------------------------------------------------------------
def _token_for(seed: int, expiry: str) -> str:
    return hexdigest("mtop-token", seed, expiry, length=32)


def new_token_cookies(seed: int, serial: int) -> dict[str, str]:
    expiry = str(int(time.time() * 1000) + 86_400_000 + serial)
    token = _token_for(seed, expiry)
    return {"_m_h5_tk": f"{token}_{expiry}", "_m_h5_tk_enc": hexdigest("enc", token, length=32)}


def valid_token(seed: int, cookie: str | None) -> str | None:
    if not cookie or "_" not in cookie:
        return None
    token, expiry = cookie.split("_", 1)
    return token if expiry.isdigit() and token == _token_for(seed, expiry) else None


def sign(token: str, t: str, data: str, app_key: str = APP_KEY) -> str:
    return hashlib.md5(f"{token}&{t}&{app_key}&{data}".encode()).hexdigest()  # noqa: S324 - the platform's scheme


# ----- responses -------------------------------------------------------------------------------------
def _envelope(api: str, v: str, ret: list[str], data: dict) -> dict:
    return {"api": api, "data": data, "ret": ret, "v": v}


def _mtop(ctx, payload: dict, cookies: dict[str, str] | None = None) -> web.Response:
    callback = ctx.query.get("callback")
    kind = (ctx.query.get("type") or ctx.query.get("dataType") or "").lower()
    if callback or kind == "jsonp":
        text = f"{callback or 'mtopjsonp1'}({dumps(payload)})"
        response = text_response(text, "application/javascript")
    else:
        response = text_response(dumps(payload), "application/json")
    origin = ctx.request.headers.get("Origin")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
    domain = ".tmall.com" if ctx.host.endswith("tmall.com") else ".taobao.com"
    for name, value in (cookies or {}).items():
        response.set_cookie(name, value, domain=domain, path="/", max_age=86400)
    return response


def captcha(ctx) -> web.Response:
    punish = (
        f"https://{ctx.host}/_____tmd_____/punish?x5secdata={hexdigest('x5', ctx.request.path_qs, length=48)}"
        "&x5step=2&action=captchacapslidev2&pureCaptcha="
    )
    if ctx.host in API_HOSTS:
        api, v = _api_of(ctx)
        return _mtop(
            ctx,
            _envelope(
                api,
                v,
                ["FAIL_SYS_USER_VALIDATE", "RGV587_ERROR::SM::哎哟喂,被挤爆啦,请稍后重试"],
                {"url": punish},
            ),
        )
    return text_response(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>验证码拦截</title></head><body>"
        f"<script>window.location.href={json.dumps(punish)};</script>"
        f"<div id='nocaptcha'>请拖动滑块完成验证</div></body></html>"
    )


def session_expired(ctx) -> web.Response:
    if ctx.host in API_HOSTS:
        api, v = _api_of(ctx)
        return _mtop(ctx, _envelope(api, v, ["FAIL_SYS_SESSION_EXPIRED::Session过期"], {}))
    return redirect(
        f"https://login.m.taobao.com/login.htm?redirectURL={quote(original_url(ctx.request), safe='')}"
    )


def _api_of(ctx) -> tuple[str, str]:
    parts = [p for p in ctx.path.split("/") if p]
    api = parts[1] if len(parts) > 1 else ""
    v = parts[2] if len(parts) > 2 else ""
    return ctx.query.get("api", api), ctx.query.get("v", v)


async def handle(ctx) -> web.StreamResponse:
    if ctx.request.method == "OPTIONS":
        origin = ctx.request.headers.get("Origin", "*")
        return web.Response(
            status=200,
            headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Credentials": "true",
                "Access-Control-Allow-Methods": "GET, POST",
                "Access-Control-Allow-Headers": "Content-Type",
            },
        )
    if ctx.host in API_HOSTS and ctx.path.startswith("/h5/"):
        return await _api(ctx)
    if ctx.host in API_HOSTS and ctx.path.startswith("/_____tmd_____/punish"):
        return text_response(
            "<html><head><title>验证</title></head><body><div id='nc_1_wrapper'>请按住滑块，拖动到最右边</div></body></html>"
        )
    if ctx.host in PAGE_HOSTS and ctx.path in ("/awp/core/detail.htm", "/item.htm"):
        item_id = ctx.query.get("id", "")
        if not ctx.mobile:
            desktop = "detail.tmall.com" if ctx.host == "detail.m.tmall.com" else "item.taobao.com"
            return redirect(f"https://{desktop}/item.htm?id={quote(item_id)}")
        return text_response(_shell(ctx.host))
    if ctx.host in DESKTOP_HOSTS:
        return text_response(
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>淘宝网 - 淘！我喜欢</title></head>"
            "<body><div class='login-box'>亲，请登录</div></body></html>"
        )
    return text_response("<h1>404</h1>", status=404)


async def _api(ctx) -> web.Response:
    params = dict(ctx.query)
    if ctx.request.method == "POST":
        form = await ctx.request.post()
        params.update({k: str(v) for k, v in form.items()})
    api, v = _api_of(ctx)
    api = params.get("api", api)
    seed = ctx.config.seed
    sandbox = ctx.sandbox
    if params.get("appKey") != APP_KEY:
        return _mtop(ctx, _envelope(api, v, ["FAIL_SYS_ILLEGAL_ACCESS::非法请求"], {}))
    token = valid_token(seed, ctx.request.cookies.get("_m_h5_tk"))
    if token is None:
        serial = sandbox.attempts.next("mtop-token-serial")
        return _mtop(
            ctx, _envelope(api, v, ["FAIL_SYS_TOKEN_EMPTY::令牌为空"], {}), new_token_cookies(seed, serial)
        )
    data = params.get("data", "")
    if params.get("sign") != sign(token, params.get("t", ""), data, params.get("appKey", "")):
        return _mtop(ctx, _envelope(api, v, ["FAIL_SYS_INVALID_SIGNATURE::非法签名"], {}))
    if ctx.fault_on("token_expiry") and sandbox.token_uses.next(token) >= ctx.config.token_uses:
        serial = sandbox.attempts.next("mtop-token-serial")
        return _mtop(
            ctx, _envelope(api, v, ["FAIL_SYS_TOKEN_EXOIRED::令牌过期"], {}), new_token_cookies(seed, serial)
        )
    if api not in APIS or APIS[api] != v.lower():
        return _mtop(ctx, _envelope(api, v, ["FAIL_SYS_API_NOT_FOUNDED::请求API不存在"], {}))
    try:
        body = json.loads(data or "{}")
        if not isinstance(body, dict):
            raise ValueError
    except ValueError:
        return _mtop(ctx, _envelope(api, v, ["FAIL_SYS_PARAMPARSE_ERROR::参数解析错误"], {}))
    if api == DETAIL:
        return _mtop(ctx, _detail(ctx, api, v, str(body.get("itemNumId", ""))))
    if api == SEARCH_RECOMMEND:
        try:
            inner = json.loads(body.get("params") or "{}")
        except (TypeError, ValueError):
            inner = {}
        return _mtop(ctx, _recommend(ctx, api, v, inner))
    return _mtop(ctx, _h5search(ctx, api, v, body))


def _int(value: object, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value)))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return default


def _recommend(ctx, api: str, v: str, params: dict) -> dict:
    q = str(params.get("q", ""))
    page = _int(params.get("page"), 1, 1, 10_000)
    n = _int(params.get("n"), 20, 1, 48)
    result = ctx.market.search(PLATFORM, q, page, n)
    items = []
    for listing in result.listings:
        title = listing.title.replace(q, f"<span class=H>{q}</span>") if q else listing.title
        items.append(
            {
                "item_id": listing.item_id,
                "title": title,
                "price": listing.price,
                "priceShow": {"price": listing.price, "unit": "¥"},
                "realSales": f"{listing.sales}+人付款",
                "procity": "浙江 杭州",
                "nick": listing.shop_name,
                "userId": listing.shop_id,
                "auctionURL": item_url(listing),
                "pic_path": image_url(listing, 0),
                "isTmall": listing.tmall,
                "shopInfo": {"title": listing.shop_name, "url": f"https://shop{listing.shop_id}.taobao.com"},
            }
        )
    total_page = (result.total + n - 1) // n
    return _envelope(
        api,
        v,
        ["SUCCESS::调用成功"],
        {
            "itemsArray": items,
            "mainInfo": {"totalPage": total_page, "totalResults": result.total, "page": page},
        },
    )


def _h5search(ctx, api: str, v: str, body: dict) -> dict:
    q = str(body.get("q", ""))
    page = _int(body.get("page"), 1, 1, 10_000)
    n = _int(body.get("n"), 20, 1, 48)
    result = ctx.market.search(PLATFORM, q, page, n)
    items = [
        {
            "item_id": listing.item_id,
            "title": listing.title,
            "name": listing.title,
            "nick": listing.shop_name,
            "userId": listing.shop_id,
            "location": "杭州",
            "originalPrice": listing.price,
            "priceWap": listing.price,
            "price": listing.price,
            "sold": str(listing.sales),
            "commentCount": str(listing.comments),
            "img2": image_url(listing, 0),
            "url": item_url(listing),
            "category": listing.category,
        }
        for listing in result.listings
    ]
    return _envelope(
        api,
        v,
        ["SUCCESS::调用成功"],
        {"listItem": items, "totalPage": str((result.total + n - 1) // n), "totalResults": str(result.total)},
    )


def _detail(ctx, api: str, v: str, item_id: str) -> dict:
    listing = ctx.market.find(PLATFORM, item_id)
    if listing is None:
        return _envelope(api, v, ["FAIL_BIZ_ITEM_NOT_EXIST::商品不存在"], {})
    seller = {
        "shopName": listing.shop_name,
        "sellerNick": listing.shop_name,
        "userId": listing.shop_id,
        "shopId": listing.shop_id,
        "sellerType": "B" if listing.tmall else "C",
    }
    item = {
        "itemId": listing.item_id,
        "title": listing.title,
        "subtitle": "",
        "images": [image_url(listing, n) for n in range(listing.images)],
    }
    if not listing.alive(ctx.config.night):
        return _envelope(
            api,
            v,
            ["SUCCESS::调用成功"],
            {
                "item": item,
                "seller": seller,
                "trade": {"redirectUrl": "https://h5.m.taobao.com/awp/base/404.htm", "buyEnable": "false"},
            },
        )
    seller["evaluates"] = [{"title": "宝贝描述", "score": "4.8"}, {"title": "卖家服务", "score": "4.8"}]
    esi = {
        "price": {"price": {"priceText": listing.price}},
        "item": {"sellCount": str(listing.sales)},
        "skuCore": {"sku2info": {"0": {"quantity": "200"}}},
    }
    return _envelope(
        api,
        v,
        ["SUCCESS::调用成功"],
        {
            "item": item,
            "seller": seller,
            "props": {"groupProps": [{"基本信息": [{k: val} for k, val in listing.specs]}]},
            "skuBase": {"props": [], "skus": []},
            "apiStack": [{"name": "esi", "value": dumps(esi)}],
            "mockData": dumps({"price": {"price": {"priceText": listing.price}}}),
            "rate": {"totalCount": str(listing.comments)},
        },
    )


def _shell(host: str) -> str:
    api_host = "h5api.m.tmall.com" if host.endswith("tmall.com") else "h5api.m.taobao.com"
    script = (
        MD5_JS
        + """
(function(){
  var APP_KEY='12574478', API='mtop.taobao.detail.getdetail';
  function token(){var m=document.cookie.match(/(?:^|;\\s*)_m_h5_tk=([^;]+)/);return m?m[1].split('_')[0]:'';}
  function call(tries){
    var id=new URLSearchParams(location.search).get('id')||'';
    var data=JSON.stringify({itemNumId:id});var t=String(Date.now());
    var sign=md5(token()+'&'+t+'&'+APP_KEY+'&'+data);
    var url=location.protocol+'//"""
        + api_host
        + """/h5/'+API+'/6.0/?jsv=2.6.1&appKey='+APP_KEY+'&t='+t+'&sign='+sign+
      '&api='+API+'&v=6.0&type=originaljson&dataType=json&data='+encodeURIComponent(data);
    fetch(url,{credentials:'include'}).then(function(r){return r.json();}).then(function(res){
      var code=(res.ret&&res.ret[0])||'';
      if(code.indexOf('FAIL_SYS_TOKEN')===0&&tries<3){return call(tries+1);}
      render(res,code);
    }).catch(function(e){document.getElementById('app').textContent='加载失败';});
  }
  function el(tag,cls,text){var e=document.createElement(tag);if(cls)e.className=cls;if(text!=null)e.textContent=text;return e;}
  function render(res,code){
    var app=document.getElementById('app');app.innerHTML='';
    if(code.indexOf('SUCCESS')!==0){app.appendChild(el('div','error',code));return;}
    var d=res.data;
    if(d.trade&&d.trade.redirectUrl){app.appendChild(el('div','off-shelf','宝贝不存在或已下架'));return;}
    app.appendChild(el('h1','item-title',d.item.title));
    var esi=JSON.parse(d.apiStack[0].value);
    app.appendChild(el('div','item-price','¥'+esi.price.price.priceText));
    app.appendChild(el('div','shop-name',d.seller.shopName));
    var g=el('div','gallery');(d.item.images||[]).forEach(function(src){var i=el('img');i.src=src.replace('https:',location.protocol);g.appendChild(i);});
    app.appendChild(g);
    var tbl=el('table','props');
    (d.props.groupProps[0]['基本信息']||[]).forEach(function(p){var k=Object.keys(p)[0];var tr=el('tr');tr.appendChild(el('th',null,k));tr.appendChild(el('td',null,p[k]));tbl.appendChild(tr);});
    app.appendChild(tbl);
    document.title=d.item.title;
  }
  call(0);
})();
"""
    )
    title = "天猫" if host.endswith("tmall.com") else "淘宝网"
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{esc(title)}</title>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'></head>"
        f"<body><div id='app'><div class='loading'></div></div><script>{script}</script></body></html>"
    )
