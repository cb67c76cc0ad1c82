"""Every platform's shapes as served, through the sandbox used as an HTTP proxy for the real hostnames."""

from __future__ import annotations

import http.client
import json
import os
import re
import urllib.parse

import pytest

from tests.sandbox.client import DESKTOP_UA, Mtop, anti_content, fetch, jd_search

pytestmark = pytest.mark.sandbox(size=3000)

JS_LITERAL = re.compile(r"window\._itemInfo = \((\{.*?\})\);", re.S)


def _js_to_json(literal: str) -> dict:
    """Enough of a JS-literal reader for the test: quote keys, single to double quotes, drop trailing commas."""
    text = re.sub(r"'((?:[^'\\]|\\.)*)'", lambda m: json.dumps(m.group(1).replace("\\'", "'")), literal)
    text = re.sub(r"(?m)^(\s*)([A-Za-z_$][\w$]*):", r'\1"\2":', text)
    text = re.sub(r",\s*([}\]])", r"\1", text)
    return json.loads(text)


def test_dispatch_by_host_header_and_unknown_hosts(sandbox) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=10)
    conn.request("GET", "/robots.txt", headers={"Host": "www.amazon.com"})
    resp = conn.getresponse()
    assert resp.status == 200 and b"Allow: /dp/" in resp.read()
    conn.request("GET", "/", headers={"Host": "www.example.org"})
    resp = conn.getresponse()
    assert resp.status == 404
    resp.read()
    conn.request("GET", "/_sandbox/health", headers={"Host": f"127.0.0.1:{sandbox.port}"})
    assert json.loads(conn.getresponse().read()) == {"ok": True, "pid": os.getpid()}  # in-process sandbox


@pytest.mark.parametrize(
    "host, expected",
    [
        ("www.jd.com", "Disallow: /pop/*.html"),
        ("h5api.m.taobao.com", "Disallow: /"),
        ("www.amazon.com", "User-agent: Scrapy"),
        ("www.aliexpress.com", "Disallow: /api/*"),
        ("mobile.yangkeduo.com", "User-agent: *"),
        ("m.ocj.com.cn", "User-agent: *"),
    ],
)
def test_robots_per_host(sandbox, host: str, expected: str) -> None:
    resp = fetch(sandbox, f"https://{host}/robots.txt")
    assert resp.status == 200 and expected in resp.text()


def test_jd_search_api_shape_and_masked_prices(sandbox) -> None:
    data = jd_search(sandbox, "口罩").json()
    assert data["code"] == 0 and data["msg"] == "Success"
    wares = data["data"]["wareList"]
    assert len(wares) == 30 and data["data"]["resultCount"] == 100
    first = wares[0]
    for key in ("wareId", "skuId", "name", "price", "shopId", "shopName", "imageurl", "comment"):
        assert key in first
    assert all(re.fullmatch(r"\d\?\?\d|\?\d", w["price"]) for w in wares), "logged out: prices masked"
    logged = jd_search(sandbox, "口罩", cookies=sandbox.session("jd", "bureau-01")).json()["data"]["wareList"]
    assert all(re.fullmatch(r"\d+\.\d\d", w["price"]) for w in logged)
    assert [w["skuId"] for w in logged] == [w["skuId"] for w in wares]
    truth = {r["item_id"]: r for r in sandbox.truth("jd")}
    for w in logged:
        assert truth[w["skuId"]]["price"] == w["price"] and truth[w["skuId"]]["title"] == w["name"]


def test_jd_api_needs_a_signature_and_pages_continue(sandbox) -> None:
    assert jd_search(sandbox, "口罩", h5st="").json() == {"code": "1", "echo": "no access"}
    page2 = jd_search(sandbox, "口罩", page=2).json()["data"]["wareList"]
    page1 = jd_search(sandbox, "口罩", page=1).json()["data"]["wareList"]
    assert page2 and not {w["skuId"] for w in page1} & {w["skuId"] for w in page2}


def test_jd_item_page_js_literals_specs_and_desktop_redirect(sandbox) -> None:
    truth = sandbox.truth("jd")
    match = next(r for r in truth if r["kind"] == "match" and r["status"] == "live" and r["model_in_specs"])
    resp = fetch(sandbox, match["url"])
    text = resp.text()
    assert resp.status == 200 and "window._itemOnly = ({" in text and ",\n}" in text  # trailing commas
    info = _js_to_json(JS_LITERAL.search(text).group(1))
    assert info["product"]["skuId"] == match["item_id"]
    assert info["product"]["model"] == match["model_in_specs"]
    assert info["priceFloor"]["price"].count("?") == 2 and "登录查看价格" in text
    logged = fetch(sandbox, match["url"], cookies=sandbox.session("jd"))
    assert _js_to_json(JS_LITERAL.search(logged.text()).group(1))["priceFloor"]["price"] == match["price"]
    desktop = fetch(sandbox, match["url"], ua=DESKTOP_UA)
    assert desktop.status == 302 and desktop.headers["Location"].startswith("https://item.jd.com/")
    assert fetch(sandbox, "https://item.m.jd.com/product/1.html").status == 404


def test_jd_images_are_served_and_differ(sandbox) -> None:
    wares = jd_search(sandbox, "童装").json()["data"]["wareList"][:2]
    bodies = [fetch(sandbox, "https://img14.360buyimg.com/n1/" + w["imageurl"]) for w in wares]
    assert all(
        b.status == 200 and b.headers["Content-Type"] == "image/jpeg" and b.body[:2] == b"\xff\xd8"
        for b in bodies
    )
    assert bodies[0].body != bodies[1].body


def test_taobao_token_dance_and_signature(sandbox) -> None:
    mtop = Mtop(sandbox)
    first = mtop.call("mtop.taobao.detail.getdetail", "6.0", {"itemNumId": "1"}, retry=False)
    assert first.json()["ret"] == ["FAIL_SYS_TOKEN_EMPTY::令牌为空"]
    assert any(c.startswith("_m_h5_tk=") for c in first.set_cookies)
    assert re.fullmatch(r"[0-9a-f]{32}_\d{13}", mtop.cookies["_m_h5_tk"])
    bad = mtop.call("mtop.taobao.detail.getdetail", "6.0", {"itemNumId": "1"}, sign="0" * 32)
    assert bad.json()["ret"][0].startswith("FAIL_SYS_INVALID_SIGNATURE")
    forged = Mtop(sandbox)
    forged.cookies["_m_h5_tk"] = "0123456789abcdef0123456789abcdef_1999999999999"
    assert (
        forged.call("mtop.taobao.detail.getdetail", "6.0", {"itemNumId": "1"}, retry=False)
        .json()["ret"][0]
        .startswith("FAIL_SYS_TOKEN_EMPTY")
    )


def test_taobao_search_and_detail(sandbox) -> None:
    mtop = Mtop(sandbox)
    data = mtop.search("儿童安全座椅").json()
    assert data["ret"] == ["SUCCESS::调用成功"]
    items = data["data"]["itemsArray"]
    assert items and data["data"]["mainInfo"]["totalResults"] >= len(items)
    item = items[0]
    assert item["auctionURL"].startswith(
        ("https://h5.m.taobao.com/awp/core/detail.htm?id=", "https://detail.m.tmall.com/item.htm?id=")
    )
    detail = mtop.detail(item["item_id"]).json()
    assert detail["ret"] == ["SUCCESS::调用成功"]
    d = detail["data"]
    assert d["item"]["itemId"] == item["item_id"] and d["seller"]["evaluates"]
    props = d["props"]["groupProps"][0]["基本信息"]
    assert any("3C证书编号" in p for p in props)
    esi = json.loads(d["apiStack"][0]["value"])
    assert esi["price"]["price"]["priceText"] == item["price"]
    h5 = mtop.call(
        "mtop.taobao.wsearch.h5search", "1.0", {"q": "花洒", "page": 1, "n": 20, "m": "api4h5"}
    ).json()
    assert h5["data"]["listItem"] and {"item_id", "title", "nick", "price", "sold", "img2"} <= set(
        h5["data"]["listItem"][0]
    )
    assert mtop.detail("42").json()["ret"][0].startswith("FAIL_BIZ_ITEM_NOT_EXIST")
    assert mtop.call("mtop.nothing.here", "1.0", {}).json()["ret"][0].startswith("FAIL_SYS_API_NOT_FOUNDED")


def test_taobao_pages_are_empty_without_javascript(sandbox) -> None:
    truth = [r for r in sandbox.truth("taobao") if r["status"] == "live"]
    for record in (
        next(r for r in truth if "tmall" in r["url"]),
        next(r for r in truth if "tmall" not in r["url"]),
    ):
        resp = fetch(sandbox, record["url"])
        text = resp.text()
        assert resp.status == 200 and "<script>" in text and "md5" in text
        assert record["title"] not in text and record["shop_name"] not in text and record["price"] not in text
        assert fetch(sandbox, record["url"], ua=DESKTOP_UA).status == 302


def test_pdd_ssr_search_api_and_goods(sandbox) -> None:
    page = fetch(sandbox, "https://mobile.yangkeduo.com/search_result.html?search_key=毛巾").text()
    raw = json.loads(re.search(r"window\.rawData= (\{.*?\});</script>", page).group(1))
    listed = raw["store"]["ssrListData"]["list"]
    assert len(listed) == 20 and {"goodsID", "goodsName", "price", "salesTip"} <= set(listed[0])
    desktop = fetch(
        sandbox, "https://mobile.yangkeduo.com/search_result.html?search_key=毛巾", ua=DESKTOP_UA
    ).text()
    assert (
        json.loads(re.search(r"window\.rawData= (\{.*?\});</script>", desktop).group(1))["store"][
            "ssrListData"
        ]["list"]
        == []
    )
    api = f"https://mobile.yangkeduo.com/proxy/api/search?q=毛巾&page=2&size=20&anti_content={anti_content(sandbox)}"
    assert fetch(sandbox, api).status == 403
    cookies = sandbox.session("pdd", "bureau-01")
    resp = fetch(sandbox, api, cookies=cookies, headers={"AccessToken": cookies["PDDAccessToken"]}).json()
    ids = [i["item_data"]["goods_model"]["goods_id"] for i in resp["items"]]
    assert ids and not {str(i) for i in ids} & {g["goodsID"] for g in listed}
    goods = fetch(sandbox, f"https://mobile.yangkeduo.com/goods.html?goods_id={listed[0]['goodsID']}").text()
    data = json.loads(re.search(r"window\.rawData= (\{.*?\});</script>", goods).group(1))["store"][
        "initDataObj"
    ]
    assert data["goods"]["goodsName"] == listed[0]["goodsName"] and data["mall"]["mallName"]
    assert {"key", "values"} <= set(data["goods"]["goodsProperty"][0])


def test_yhd_is_gbk_encoded(sandbox) -> None:
    kw = urllib.parse.quote("电吹风".encode("gbk"))
    resp = fetch(sandbox, f"https://search.m.yhd.com/search/k{kw}/p1-s1-si1-t1?req.ajaxFlag=1")
    assert resp.status == 200 and "charset=gbk" in resp.headers["Content-Type"].lower()
    with pytest.raises(UnicodeDecodeError):
        resp.body.decode("utf-8")
    text = resp.body.decode("gbk")
    assert "<html" not in text and 'class="pic_box"' in text and "<small>￥</small><i>" in text
    product = re.search(r'href="//item\.m\.yhd\.com/item/(\d+)"', text).group(1)
    page = fetch(sandbox, f"https://item.m.yhd.com/item/{product}")
    html = page.body.decode("gbk")
    assert 'id="pd_product-title"' in html and "detailparams={productId:" + product in html
    specs = fetch(
        sandbox, f"https://item.m.yhd.com/item/ajaxProductDesc.do?productId={product}&pmId=1&callback=jsonp7"
    )
    body = specs.body.decode("gbk")
    assert body.startswith("jsonp7(") and "descParamVoList" in body
    desktop = fetch(
        sandbox, f"https://search.m.yhd.com/search/k{kw}/p1-s1-si1-t1?req.ajaxFlag=1", ua=DESKTOP_UA
    )
    assert desktop.status == 302 and desktop.headers["Location"] == "https://www.yhd.com/"
    utf8 = urllib.parse.quote("电吹风")
    assert (
        fetch(sandbox, f"https://search.m.yhd.com/search/k{utf8}/p1-s1-si1-t1?req.ajaxFlag=1").body
        == resp.body
    )


def test_aliexpress_and_amazon_pages(sandbox) -> None:
    ali = fetch(
        sandbox, "https://www.aliexpress.com/w/wholesale-power-bank.html?SearchText=power+bank&page=1"
    ).text()
    assert 'id="hs-below-list-items"' in ali and ali.count('class="list-item') == 40
    item_url = re.search(r'<a  class="history-item product " href="([^"]+)"', ali).group(1)
    item = fetch(sandbox, "https:" + item_url).text()
    run = re.search(r"window\.runParams = \{\s*data: (\{.*?\}),\n", item, re.S)
    assert json.loads(run.group(1))["titleModule"]["subject"]
    amz = fetch(sandbox, "https://www.amazon.com/s?k=hair+dryer&page=2").text()
    asins = re.findall(
        r'data-asin="([A-Z0-9]{10})" data-index="\d+" data-uuid="[^"]+" data-component-type="s-search-result"',
        amz,
    )
    assert len(asins) == 24 and ".a-offscreen" not in amz and 'class="a-offscreen">$' in amz
    for path in (f"/dp/{asins[0]}", f"/gp/aw/d/{asins[0]}"):
        page = fetch(sandbox, "https://www.amazon.com" + path).text()
        assert 'id="productTitle"' in page and "productDetails_techSpec_section_1" in page
    assert fetch(sandbox, "https://www.amazon.com/dp/B000000000").status == 404


def test_ocj_json_and_item(sandbox) -> None:
    data = fetch(sandbox, "https://m.ocj.com.cn/api/search?keyword=电水壶&page=1&size=20").json()
    assert data["code"] == 200 and data["data"]["items"]
    item = data["data"]["items"][0]
    page = fetch(sandbox, item["itemUrl"]).text()
    assert 'class="item-name"' in page and f'data-price="{item["salePrice"]}"' in page
    assert fetch(sandbox, item["imgUrl"]).body[:2] == b"\xff\xd8"
    assert fetch(sandbox, item["itemUrl"], ua=DESKTOP_UA).status == 302


def test_session_endpoint_mints_cookies(sandbox) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=10)
    conn.request("GET", "/_sandbox/session?platform=jd&account=bureau-01")
    data = json.loads(conn.getresponse().read())
    assert data["cookies"] == sandbox.session("jd", "bureau-01") and data["domain"] == ".jd.com"
    conn.request("GET", "/_sandbox/session?platform=nowhere&account=bureau-01")
    assert conn.getresponse().status == 400
