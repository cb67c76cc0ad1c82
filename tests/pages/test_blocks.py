"""Every block form the platforms are known to serve is recognised, and content is not mistaken for one."""

from __future__ import annotations

import json

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse

from crawler.pages.blocks import detect_block, is_token_failure


def _json(url: str, data: object, status: int = 200) -> TextResponse:
    return TextResponse(
        url=url, body=json.dumps(data, ensure_ascii=False).encode(), encoding="utf-8", status=status
    )


def _html(url: str, body: str, status: int = 200, headers: dict | None = None) -> HtmlResponse:
    return HtmlResponse(url=url, body=body.encode(), encoding="utf-8", status=status, headers=headers)


CASES = [
    (
        _json(
            "https://h5api.m.taobao.com/h5/x/1.0/",
            {
                "ret": ["FAIL_SYS_USER_VALIDATE", "RGV587_ERROR::SM::哎哟喂,被挤爆啦"],
                "data": {"url": "https://h5api.m.taobao.com/_____tmd_____/punish?x5secdata=1"},
            },
        ),
        "captcha",
    ),
    (
        _json("https://h5api.m.taobao.com/h5/x/1.0/", {"ret": ["FAIL_SYS_SESSION_EXPIRED::Session过期"]}),
        "login",
    ),
    (_json("https://h5api.m.taobao.com/h5/x/1.0/", {"ret": ["FAIL_SYS_TRAFFIC_LIMIT::限流"]}), "rate_limit"),
    (_html("https://www.amazon.com/errors/validateCaptcha?amzn=1", "<title>Robot Check</title>"), "captcha"),
    (
        _html(
            "https://www.amazon.com/s?k=x",
            '<title>Amazon.com</title><form action="/errors/validateCaptcha"><input id="captchacharacters"></form>',
        ),
        "captcha",
    ),
    (
        _html(
            "https://www.amazon.com/s?k=x",
            "<title>Amazon.com</title>",
            status=302,
            headers={"Location": "https://www.amazon.com/ap/signin?x=1"},
        ),
        "login",
    ),
    (
        _html(
            "https://cfe.m.jd.com/privatedomain/risk_handler/03101900/?returnurl=x&evtype=2",
            "<p>验证一下，购物无忧</p>",
        ),
        "risk",
    ),
    (
        _html(
            "https://item.m.jd.com/product/1.html",
            "<body>x</body>",
            status=302,
            headers={"Location": "https://trade.m.jd.com/common/limit.html"},
        ),
        "rate_limit",
    ),
    (_html("https://passport.jd.com/new/login.aspx?ReturnUrl=x", "<title>京东-欢迎登录</title>"), "login"),
    (_html("https://item.m.jd.com/product/1.html", "<title>请完成安全验证</title>"), "risk"),
    (_json("https://api.m.jd.com/api", {"code": "605", "echo": "the request needs to authenticate"}), "risk"),
    (_json("https://api.m.jd.com/api", {"code": "1", "echo": "no access"}), "login"),
    (
        _json(
            "https://mobile.yangkeduo.com/proxy/api/search", {"error_code": 54001, "verify_auth_token": "abc"}
        ),
        "captcha",
    ),
    (_json("https://mobile.yangkeduo.com/proxy/api/search", {"error_code": 40002}), "login"),
    (_html("https://mobile.yangkeduo.com/login.html?from=x", "<title>登录</title>"), "login"),
    (
        _html(
            "https://www.aliexpress.com/w/wholesale-x.html",
            '<script>location.href="https://www.aliexpress.com/_____tmd_____/punish?x5secdata=zz&action=captchacapslidev2"</script>',
        ),
        "captcha",
    ),
]


@pytest.mark.parametrize(("response", "kind"), CASES, ids=[f"{i}-{c[1]}" for i, c in enumerate(CASES)])
def test_block_forms_recognised(response: TextResponse, kind: str) -> None:
    block = detect_block(response)
    assert block is not None and block.kind == kind


@pytest.mark.parametrize(
    "response",
    [
        _json("https://api.m.jd.com/api", {"code": 0, "msg": "Success", "data": {"wareList": []}}),
        _json("https://h5api.m.taobao.com/h5/x/1.0/", {"ret": ["SUCCESS::调用成功"], "data": {}}),
        _html(
            "https://www.amazon.com/s?k=login", "<title>Amazon.com : login</title><div>sign in to see</div>"
        ),
        _html("https://search.m.yhd.com/search/k%E5%8F%A3%E7%BD%A9/p1", "<a class='item' href='x'>登录</a>"),
    ],
)
def test_content_is_not_a_block(response: TextResponse) -> None:
    assert detect_block(response) is None


def test_token_failures_are_not_blocks_but_token_renewals() -> None:
    empty = {"ret": ["FAIL_SYS_TOKEN_EMPTY::令牌为空"]}
    expired = {"ret": ["FAIL_SYS_TOKEN_EXOIRED::令牌过期"]}
    assert is_token_failure(empty) and is_token_failure(expired)
    assert detect_block(_json("https://h5api.m.taobao.com/h5/x/1.0/", empty)) is None
    assert Request  # the module's requests are built by spiders, not here
