"""The outcome contract on every platform: a page with a key or element renamed is LayoutChanged, a
captcha served where JSON was expected is blocked (recognised before any parsing), a page with no rows
is empty only with its own word for it, and each named layout reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.pages.base import LayoutChanged, PageOutcome
from crawler.pages.outcome import platforms, read_page
from tests.conftest import shared_data

CAPTURES = ("listings", "real_captures")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
OCJ_SEARCH = {
    "data": {
        "items": [
            {"itemCode": "301", "itemName": "儿童口罩 10只", "salePrice": "19.90", "shopName": "东方购物"}
        ],
        "total": 1,
    }
}


def _capture(*parts: str) -> bytes:
    return shared_data(*CAPTURES, *parts).read_bytes()


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _renamed(body: bytes, *pairs: tuple[str, str]) -> bytes:
    text = body.decode("utf-8")
    for old, new in pairs:
        assert old in text, f"{old!r} is not in the page, so renaming it tests nothing"
        text = text.replace(old, new)
    return text.encode("utf-8")


# (platform, kind, page source, renames, url): the page reads before the rename and is LayoutChanged after.
MUTATIONS = [
    ("jd", "search", ("jd", "jd_searchm_robam_trimmed5of40.json"), [('"wareid"', '"ware_id"')], None),
    ("jd", "search", ("jd", "jd_searchm_robam_trimmed5of40.json"), [('"Paragraph"', '"Paragraphs"')], None),
    ("jd", "search", ("jd", "jd_searchm_robam_trimmed5of40.json"), [('"dredisprice"', '"price_x"')], None),
    (
        "jd",
        "item",
        "jd/item_logged_in.html",
        [("window._itemOnly", "window._itemSolo"), ("window._itemInfo", "window._iInfo")],
        None,
    ),
    (
        "amazon",
        "search",
        ("amazon", "amazon_in_search_cmf_buds_pricetag.html"),
        [("<h2", "<h5"), ("</h2>", "</h5>")],
        "https://www.amazon.in/s",
    ),
    (
        "amazon",
        "search",
        ("amazon", "amazon_in_search_cmf_buds_pricetag.html"),
        [("a-price", "a-cost")],
        "https://www.amazon.in/s",
    ),
    (
        "amazon",
        "item",
        "amazon/item.html",
        [('id="productTitle"', 'id="productName"'), ('id="title"', 'id="heading"')],
        "https://www.amazon.com/dp/B04EQ35GRI",
    ),
    (
        "aliexpress",
        "search",
        ("aliexpress", "ae_itemList_searchShorts.js"),
        [('"productId"', '"productID"')],
        None,
    ),
    (
        "aliexpress",
        "search",
        ("aliexpress", "ae_itemList_searchShorts.js"),
        [('"displayTitle"', '"shownTitle"')],
        None,
    ),
    (
        "aliexpress",
        "search",
        ("aliexpress", "ae_itemList_searchShorts.js"),
        [('"content"', '"contents"')],
        None,
    ),
    ("aliexpress", "search", "aliexpress/search.html", [('class="list-item', 'class="list-cell')], None),
    (
        "pdd",
        "search",
        ("pdd", "pdd_m_search_result_nextdata_2019-10-10.html"),
        [('"goodsID"', '"goodsId"')],
        None,
    ),
    (
        "pdd",
        "search",
        ("pdd", "pdd_proxy_api_search_2019-06-15_page2.json"),
        [('"goods_id"', '"goodsId"')],
        None,
    ),
    (
        "pdd",
        "search",
        ("pdd", "pdd_apiv3_goods_list_compares_0.json"),
        [('"goods_list"', '"goodsList"')],
        None,
    ),
    ("pdd", "search", "pdd/search_ssr.html", [('"ssrListData"', '"listData"')], None),
    ("pdd", "item", "pdd/goods.html", [('"goods"', '"product"')], None),
    ("taobao", "item", ("taobao", "tmall_h5_detail_item-data.js"), [("_DATA_Detail", "_DATA_Item")], None),
    ("taobao", "item", ("taobao", "tmall_h5_detail_item-data.js"), [('"priceText"', '"priceLabel"')], None),
    (
        "taobao",
        "item",
        ("taobao", "mtop_taobao_pcdetail_data_get_728560310370_2024-09.json"),
        [('"priceVO"', '"priceV2"')],
        None,
    ),
    (
        "taobao",
        "search",
        ("taobao", "mtop_taobao_shop_simple_item_fetch_2024-09.json"),
        [('"itemId"', '"auctionId"')],
        None,
    ),
    ("taobao", "item", "taobao/detail.json", [('"item"', '"goods"')], None),
    (
        "yhd",
        "search",
        "yhd/search_gbk.html",
        [('class="item"', 'class="goods"')],
        "https://search.m.yhd.com/search/k/p1",
    ),
    (
        "yhd",
        "item",
        "yhd/item.html",
        [('id="pd_product-title"', 'id="pd_title"')],
        "https://item.m.yhd.com/item/35016704",
    ),
    (
        "aliexpress",
        "item",
        "aliexpress/item.html",
        [("priceModule", "costModule")],
        "https://www.aliexpress.com/item/33973953806.html",
    ),
    (
        "yhd",
        "item",
        "yhd/item.html",
        [("pd_product-price-num", "pd_product-cost")],
        "https://item.m.yhd.com/item/35016704",
    ),
    ("ocj", "search", json.dumps(OCJ_SEARCH), [('"itemCode"', '"code"')], None),
    ("ocj", "search", json.dumps(OCJ_SEARCH), [('"items"', '"goods"')], None),
]


def _source(source: object) -> bytes:
    if isinstance(source, tuple):
        return _capture(*source)
    if isinstance(source, str) and source.startswith("{"):
        return source.encode("utf-8")
    return _fixture(str(source))


def _mutation_id(case: tuple) -> str:
    platform, kind, source, pairs, _ = case
    name = source[1] if isinstance(source, tuple) else ("inline" if str(source).startswith("{") else source)
    return f"{platform}-{kind}-{Path(str(name)).stem}-{pairs[0][0].strip(chr(34) + '<')}"


def _decode_gbk(body: bytes) -> bytes:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return (
            body.decode("gbk")
            .replace('charset="gbk"', 'charset="utf-8"')
            .replace("charset=gbk", "charset=utf-8")
            .encode("utf-8")
        )
    return body


@pytest.mark.parametrize("case", MUTATIONS, ids=[_mutation_id(c) for c in MUTATIONS])
def test_a_renamed_key_or_element_is_layout_changed(case: tuple) -> None:
    platform, kind, source, pairs, url = case
    body = _decode_gbk(_source(source))
    before = read_page(platform, kind, body, url)
    assert before.status in (PageOutcome.OK, PageOutcome.EMPTY), before.problems
    after = read_page(platform, kind, _renamed(body, *pairs), url)
    assert after.status is PageOutcome.LAYOUT_CHANGED, after.to_dict()
    assert after.problems and not after.unreadable
    assert after.rows == []


CAPTCHAS = {
    "jd": "<html><head><title>京东验证</title></head><body>验证一下，购物无忧</body></html>",
    "yhd": "<html><head><title>京东验证</title></head><body>验证一下，购物无忧</body></html>",
    "taobao": "<html><script>location.href='https://h5api.m.taobao.com/_____tmd_____/punish?x5secdata=x'</script></html>",
    "aliexpress": "<html><script>window.location.href='/_____tmd_____/punish?x5secdata=abc'</script></html>",
    "pdd": "<html><head><title>安全验证</title></head><body><div class='verify'>请完成安全验证，拖动滑块</div></body></html>",
    "amazon": "<html><head><title>Robot Check</title></head><body><form action='/errors/validateCaptcha'>"
    "<input id='captchacharacters'></form></body></html>",
}
JSON_ENDPOINTS = {
    "jd": "https://api.m.jd.com/api?functionId=pc_search_searchWare",
    "yhd": "https://search.m.yhd.com/search/k/p1-s1-si1-t1?req.ajaxFlag=1",
    "taobao": "https://h5api.m.taobao.com/h5/mtop.relationrecommend.wirelessrecommend.recommend/2.0/",
    "aliexpress": "https://www.aliexpress.com/fn/search-pc/index",
    "pdd": "https://mobile.yangkeduo.com/proxy/api/search?q=x",
    "amazon": "https://www.amazon.com/s/query?k=x",
    "ocj": "https://m.ocj.com.cn/api/search?keyword=x",
}
SLIDER = "<html><head><title>OCJ</title></head><body><div class='captcha-box'>请拖动滑块完成验证</div></body></html>"


@pytest.mark.parametrize("platform", platforms())
@pytest.mark.parametrize("kind", ["search", "item"])
def test_a_captcha_where_json_was_expected_is_blocked(platform: str, kind: str) -> None:
    page = CAPTCHAS.get(platform, SLIDER)
    result = read_page(platform, kind, page, JSON_ENDPOINTS[platform])
    assert result.status is PageOutcome.BLOCKED, result.to_dict()
    assert result.block is not None and result.block.kind in ("captcha", "risk")
    assert result.rows == [] and result.layout == ""


@pytest.mark.parametrize("platform", platforms())
def test_an_unknown_html_page_where_json_was_expected_is_layout_changed(platform: str) -> None:
    page = "<html><head><title>Welcome</title></head><body><div id='app'>Download our app</div></body></html>"
    result = read_page(platform, "search", page, JSON_ENDPOINTS[platform])
    assert result.status is PageOutcome.LAYOUT_CHANGED, result.to_dict()


def test_login_stub_and_redirect_url_are_blocked() -> None:
    stub = "<script>window.location.href='https://passport.jd.com/uc/login'</script>"
    assert read_page("jd", "search", stub).block.kind == "login"
    landed = read_page(
        "pdd", "item", "<html><body>登录</body></html>", "https://mobile.yangkeduo.com/login.html"
    )
    assert landed.status is PageOutcome.BLOCKED and landed.block.kind == "login"


EMPTY_PAGES = [
    ("jd", '{"code":"0","data":{"resultCount":0,"wareList":[]}}', "resultCount"),
    (
        "jd",
        'searchCB({"data":{"searchm":{"Head":{"Summary":{"ResultCount":"0"}},"Paragraph":[]}}})',
        "ResultCount",
    ),
    ("jd", '{"value": "{\\"wareList\\": {\\"wareCount\\": 0, \\"wareList\\": []}}"}', "wareCount"),
    (
        "taobao",
        '{"ret":["SUCCESS::调用成功"],"data":{"itemsArray":[],"mainInfo":{"totalResults":0}}}',
        "totalResults",
    ),
    (
        "taobao",
        '{"ret":["SUCCESS::调用成功"],"data":{"totalCnt":0,"page":1,"pageSize":30,"data":[]}}',
        "totalCnt",
    ),
    ("pdd", '{"items":[],"total":0,"has_more":false}', "total"),
    ("pdd", '<script>window.rawData={"store":{"ssrListData":{"list":[],"total":0}}};</script>', "total"),
    (
        "aliexpress",
        '{"data":{"root":{"fields":{"pageInfo":{"totalResults":0},"mods":{"itemList":{"content":[]}}}}}}',
        "totalResults",
    ),
    ("yhd", "<div class='no_result'>抱歉，没有找到相关的商品</div>", "没有找到"),
    ("ocj", '{"data":{"items":[],"total":0}}', "total"),
]


@pytest.mark.parametrize(
    "platform, body, word", EMPTY_PAGES, ids=[f"{p}-{i}" for i, (p, _, _) in enumerate(EMPTY_PAGES)]
)
def test_empty_only_with_the_pages_own_word(platform: str, body: str, word: str) -> None:
    result = read_page(platform, "search", body)
    assert result.status is PageOutcome.EMPTY, result.to_dict()
    assert word in result.evidence


SILENT_EMPTY = [
    ("jd", '{"code":"0","data":{"wareList":[]}}'),
    ("taobao", '{"ret":["SUCCESS::调用成功"],"data":{"itemsArray":[]}}'),
    ("pdd", '{"items":[]}'),
    ("aliexpress", '{"data":{"mods":{"itemList":{"content":[]}}}}'),
    ("jd", '{"code":"0","data":{"resultCount":40,"wareList":[]}}'),
    (
        "aliexpress",
        '{"data":{"root":{"fields":{"pageInfo":{"totalResults":500},"mods":{"itemList":{"content":[]}}}}}}',
    ),
]


@pytest.mark.parametrize(
    "platform, body", SILENT_EMPTY, ids=[f"{p}-{i}" for i, (p, _) in enumerate(SILENT_EMPTY)]
)
def test_no_rows_without_a_word_or_despite_a_claimed_count_is_layout_changed(
    platform: str, body: str
) -> None:
    result = read_page(platform, "search", body)
    assert result.status is PageOutcome.LAYOUT_CHANGED, result.to_dict()


def test_truncated_json_is_unreadable_not_empty() -> None:
    body = _capture("jd", "jd_searchm_robam_trimmed5of40.json")[:3000]
    result = read_page("jd", "search", body)
    assert result.status is PageOutcome.LAYOUT_CHANGED and result.unreadable


def test_pdd_raw_data_layouts_read_the_same_list() -> None:
    """``window.rawData`` at ``store.data.ssrListData`` and ``stores.store.data.ssrListData`` (what other
    crawlers read in 2023–2026), built from the real server-rendered list."""
    html = _capture("pdd", "pdd_m_search_result_nextdata_2019-10-10.html").decode("utf-8")
    start = html.index(">", html.index('id="__NEXT_DATA__"')) + 1
    ssr = json.loads(html[start : html.index("</script>", start)])["props"]["pageProps"]["data"][
        "ssrListData"
    ]
    for raw, layout in (
        ({"store": {"data": {"ssrListData": ssr}}}, "pdd-rawdata-2023"),
        ({"stores": {"store": {"data": {"ssrListData": ssr}}}}, "pdd-rawdata-2023"),
        ({"store": {"ssrListData": ssr}}, "pdd-rawdata-2020"),
    ):
        page = f"<html><script>window.rawData= {json.dumps(raw, ensure_ascii=False)};</script></html>"
        result = read_page("pdd", "search", page)
        assert result.status is PageOutcome.OK and result.layout == layout
        assert [str(r.price) for r in result.rows[:2]] == ["5.50", "2.80"]  # yuan strings stay yuan
        assert len(result.rows) == 20


def test_taobao_recommend_items_array() -> None:
    body = {
        "api": "mtop.relationrecommend.wirelessrecommend.recommend",
        "ret": ["SUCCESS::调用成功"],
        "data": {
            "itemsArray": [
                {
                    "item_id": "689060712786",
                    "title": "童佳乐<span class=H>口罩</span>KN95",
                    "priceShow": {"price": "52.00"},
                    "shopInfo": {"title": "汕头生活馆专营店"},
                    "auctionURL": "//detail.tmall.com/item.htm?id=689060712786",
                    "realSales": "100+人付款",
                }
            ],
            "mainInfo": {"totalResults": 1, "totalPage": 1, "page": 1},
        },
    }
    result = read_page("taobao", "search", "mtopjsonp3(" + json.dumps(body, ensure_ascii=False) + ")")
    assert result.status is PageOutcome.OK and result.layout == "taobao-recommend-2023"
    row = result.rows[0]
    assert (row.item_id, row.title, str(row.price), row.seller_name) == (
        "689060712786",
        "童佳乐口罩KN95",
        "52.00",
        "汕头生活馆专营店",
    )
    assert row.url == "https://detail.tmall.com/item.htm?id=689060712786" and row.sales_count == 100


def test_layout_changed_names_the_layout_and_the_problem() -> None:
    from crawler.pages import jd
    from crawler.pages.outcome import make_response

    body = json.dumps(
        {"data": {"searchm": {"Head": {"Summary": {"ResultCount": "5"}}, "Paragraph": [{"x": 1}]}}}
    )
    with pytest.raises(LayoutChanged) as caught:
        jd.parse_search(make_response(body, "https://so.m.jd.com/"))
    assert caught.value.layout == "jd-searchm-2019"
    assert caught.value.problems == ["1 entries, none with an item id"]


def test_token_failure_is_a_token_block_for_the_command() -> None:
    body = (FIXTURES / "taobao" / "detail_token_empty.json").read_bytes()
    result = read_page("taobao", "item", body)
    assert result.status is PageOutcome.BLOCKED and result.block.kind == "token"


@pytest.mark.parametrize(
    "url, price, currency",
    [
        ("https://www.amazon.de/s?k=x", "29,99 €", "EUR"),
        ("https://www.amazon.co.uk/s?k=x", "£12.49", "GBP"),
        ("https://www.amazon.co.jp/s?k=x", "￥1,980", "JPY"),
        ("https://www.amazon.cn/s?k=x", "￥59.00", "CNY"),
        ("https://www.amazon.in/s?k=x", "₹1,499", "INR"),
        ("https://www.amazon.com/s?k=x", "$7.00", "USD"),
    ],
)
def test_amazon_currency_from_marketplace_and_symbol(url: str, price: str, currency: str) -> None:
    page = (
        '<html><body><div class="s-result-item" data-component-type="s-search-result" data-asin="B04EQ35GRI">'
        '<a href="/dp/B04EQ35GRI"><h2><span>Face Mask</span></h2></a>'
        f'<span class="a-price"><span class="a-offscreen">{price}</span></span></div></body></html>'
    )
    result = read_page("amazon", "search", page, url)
    assert result.status is PageOutcome.OK and result.layout == "amazon-2025"
    assert result.rows[0].currency == currency and result.rows[0].title == "Face Mask"


def test_aliexpress_item_list_wherever_it_appears() -> None:
    """The real ``mods.itemList`` object read in every wrapper the search has served it in."""
    text = _capture("aliexpress", "ae_itemList_searchShorts.js").decode("utf-8")
    item_list = json.loads(text[text.index("{") : text.rindex("}") + 1])
    inner = json.dumps({"data": {"root": {"fields": {"mods": {"itemList": item_list}}}}})
    wrapped = {
        "bare JSON": json.dumps({"data": {"mods": {"itemList": item_list}}}),
        "JSONP": "mtopjsonp2(" + inner + ")",
        "export default": "export default " + json.dumps({"mods": {"itemList": item_list}}) + ";",
        "_init_data_": "<html><script>/*!-->init-data-start--*/\nwindow._dida_config_._init_data_= { data: "
        + inner
        + " }\n/*!-->init-data-end--*/</script></html>",
        "window.runParams": "<html><script>window.runParams = {" + inner[1:] + ";</script></html>",
        "assignment": "<html><script>var searchData = "
        + json.dumps({"mods": {"itemList": item_list}})
        + ";</script></html>",
    }
    for name, body in wrapped.items():
        result = read_page("aliexpress", "search", body)
        assert result.status is PageOutcome.OK, (name, result.problems)
        assert len(result.rows) == 60 and result.layout == "aliexpress-itemlist-2020", name
