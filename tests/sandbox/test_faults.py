"""Fault profiles in the platforms' own forms; deterministic, predictable, and survivable by retrying."""

from __future__ import annotations

import json
import socket
import urllib.parse

import pytest

from crawler.sandbox import faults
from tests.sandbox.client import Mtop, anti_content, fetch, jd_search

JD_KEYWORDS = [
    "口罩",
    "童装",
    "毛巾",
    "花洒",
    "泳衣",
    "电吹风",
    "充电宝",
    "取暖器",
    "电水壶",
    "儿童玩具",
    "凉席",
    "头盔",
]


def _jd_key(keyword: str, page: int = 1) -> str:
    body = json.dumps(
        {"keyword": keyword, "page": page, "s": (page - 1) * 30 + 1, "enc": "utf-8"}, ensure_ascii=False
    )
    return f"jd|api|pc_search_searchWare|{body}"


def _predicted(sandbox, key: str, attempt: int = 0) -> str | None:
    cfg = sandbox.config
    return faults.decide(cfg.seed, cfg.faults, key, attempt, cfg.fault_rate)


def test_profile_names() -> None:
    assert faults.parse_profiles("all") == frozenset(faults.EPISODIC + faults.BEHAVIOURAL)
    assert faults.parse_profiles("all,layout") == frozenset(faults.PROFILES)
    assert faults.parse_profiles("ratelimit, 5xx") == {"ratelimit", "5xx"}
    assert faults.parse_profiles(None) == frozenset()
    with pytest.raises(faults.FaultError, match="unknown fault profile"):
        faults.parse_profiles("ratelimit,meteor")


def test_decisions_are_pure_and_episodes_end() -> None:
    active = frozenset(faults.EPISODIC)
    keys = [f"k{i}" for i in range(2000)]
    first = [faults.decide(9, active, k, 0, 0.2) for k in keys]
    assert first == [faults.decide(9, active, k, 0, 0.2) for k in keys]
    hit = [k for k, f in zip(keys, first, strict=True) if f]
    assert 250 < len(hit) < 550
    assert {f for f in first if f} == set(faults.EPISODIC)
    assert all(faults.decide(9, active, k, 3, 0.2) is None for k in keys)


@pytest.mark.sandbox(faults="ratelimit,5xx,captcha,malformed", fault_rate=0.5, size=3000)
def test_served_faults_match_predictions_and_retries_get_everything(sandbox) -> None:
    seen = set()
    for keyword in JD_KEYWORDS:
        key = _jd_key(keyword)
        for attempt in range(4):
            resp = jd_search(sandbox, keyword)
            expected = _predicted(sandbox, key, attempt)
            if expected == "ratelimit":
                assert resp.status == 429 and resp.headers["Retry-After"].isdigit()
            elif expected == "5xx":
                assert resp.status >= 500
            elif expected == "captcha":
                assert resp.status == 200 and resp.json() == {
                    "code": "605",
                    "echo": "the request needs to authenticate",
                }
            elif expected == "malformed":
                assert resp.status == 200
                with pytest.raises(ValueError):
                    json.loads(resp.body)
            else:
                assert resp.status == 200 and len(resp.json()["data"]["wareList"]) == 30
                break
            seen.add(expected)
        else:
            pytest.fail(f"{keyword}: still failing after 4 attempts")
    assert len(seen) >= 2


@pytest.mark.sandbox(faults="captcha", fault_rate=1.0, size=600)
def test_captcha_pages_are_recognisable_on_every_platform(sandbox) -> None:
    jd_page = fetch(sandbox, "https://item.m.jd.com/product/" + sandbox.market.item_id("jd", 3) + ".html")
    assert jd_page.status == 302 and jd_page.headers["Location"].startswith(
        "https://cfe.m.jd.com/privatedomain/risk_handler/"
    )
    assert "验证一下，购物无忧" in fetch(sandbox, jd_page.headers["Location"]).text()
    mtop = Mtop(sandbox)
    mtop.cookies["_m_h5_tk"] = ""
    data = mtop.search("口罩").json()  # challenged at once, before any token, as datacenter clients are
    assert data["ret"][1].startswith("RGV587_ERROR::SM::") and "_____tmd_____/punish" in data["data"]["url"]
    amazon = fetch(sandbox, "https://www.amazon.com/s?k=face+mask")
    assert amazon.status == 200 and 'action="/errors/validateCaptcha"' in amazon.text()
    assert "Enter the characters you see below" in amazon.text() and len(amazon.body) < 6000
    ali = fetch(sandbox, "https://www.aliexpress.com/w/wholesale-face-mask.html?SearchText=face+mask")
    assert ali.status == 302 and "/_____tmd_____/punish" in ali.headers["Location"]
    pdd = fetch(sandbox, "https://mobile.yangkeduo.com/search_result.html?search_key=口罩")
    assert pdd.status == 302 and "psnl_verification" in pdd.headers["Location"]
    ocj = fetch(sandbox, "https://m.ocj.com.cn/api/search?keyword=口罩").json()
    assert ocj["captcha"] is True and ocj["data"] is None
    kw = urllib.parse.quote("口罩")
    yhd = fetch(sandbox, f"https://search.m.yhd.com/search/k{kw}/p1-s1-si1-t1?req.ajaxFlag=1")
    assert yhd.status == 302 and "risk_handler" in yhd.headers["Location"]
    # a second attempt of the same request passes
    assert (
        fetch(sandbox, "https://www.amazon.com/s?k=face+mask")
        .text()
        .count('data-component-type="s-search-result"')
        == 20
    )


@pytest.mark.sandbox(faults="slow", fault_rate=1.0, slow_seconds=1.5, size=600)
def test_slow_responses_pass_timeouts_then_recover(sandbox) -> None:
    with pytest.raises((TimeoutError, socket.timeout, OSError)):
        fetch(sandbox, "https://m.ocj.com.cn/api/search?keyword=毛巾", timeout=0.5)
    assert fetch(sandbox, "https://m.ocj.com.cn/api/search?keyword=毛巾", timeout=30).json()["code"] == 200


@pytest.mark.sandbox(faults="token_expiry", token_uses=3)
def test_mtop_token_expires_mid_crawl_with_a_new_cookie(sandbox) -> None:
    mtop = Mtop(sandbox)
    mtop.search("口罩")
    token = mtop.cookies["_m_h5_tk"]
    rets = [
        mtop.call("mtop.taobao.detail.getdetail", "6.0", {"itemNumId": "1"}, retry=False).json()["ret"][0]
        for _ in range(3)
    ]
    assert any(r.startswith("FAIL_SYS_TOKEN_EXOIRED::令牌过期") for r in rets)
    assert mtop.cookies["_m_h5_tk"] != token
    assert mtop.search("毛巾").json()["ret"] == ["SUCCESS::调用成功"]


@pytest.mark.sandbox(faults="anti_content")
def test_pdd_anti_content_is_one_time(sandbox) -> None:
    cookies = sandbox.session("pdd", "bureau-01")
    url = "https://mobile.yangkeduo.com/proxy/api/search?q=毛巾&page=1&size=20&anti_content="
    token = anti_content(sandbox, "0123456789abcdef")
    assert fetch(sandbox, url + token, cookies=cookies).json()["items"]
    again = fetch(sandbox, url + token, cookies=cookies).json()
    assert again["error_code"] == 54001 and again["verify_auth_token"]
    assert fetch(sandbox, url, cookies=cookies).json()["error_code"] == 54001
    assert fetch(sandbox, url + anti_content(sandbox, "fedcba9876543210"), cookies=cookies).json()["items"]


@pytest.mark.sandbox(faults="limit_page", limit_per_minute=5)
def test_jd_limit_page_after_too_many_requests_a_minute(sandbox) -> None:
    statuses = [jd_search(sandbox, "口罩").status for _ in range(6)]
    assert statuses[:5] == [200] * 5
    over = jd_search(sandbox, "口罩")
    assert over.status == 302 and over.headers["Location"] == "https://trade.m.jd.com/common/limit.html"
    assert "访问过于频繁" in fetch(sandbox, over.headers["Location"]).text()
    assert fetch(sandbox, "https://www.amazon.com/s?k=face+mask").status == 200  # JD's limit only


@pytest.mark.sandbox(faults="session_expiry", session_uses=2)
def test_sessions_expire(sandbox) -> None:
    cookies = sandbox.session("jd", "bureau-01")
    assert jd_search(sandbox, "口罩", cookies=cookies).json()["code"] == 0
    assert jd_search(sandbox, "口罩", cookies=cookies).json()["code"] == 0
    assert jd_search(sandbox, "口罩", cookies=cookies).json() == {
        "code": "3",
        "echo": "not login",
        "msg": "登录已失效",
    }
    pdd = sandbox.session("pdd", "bureau-02")
    url = "https://mobile.yangkeduo.com/proxy/api/search?q=毛巾&page=2&size=20"
    fetch(sandbox, url, cookies=pdd)
    fetch(sandbox, url, cookies=pdd)
    assert fetch(sandbox, url, cookies=pdd).status == 403
    fresh = sandbox.session("jd", "bureau-01", serial=1)
    assert jd_search(sandbox, "口罩", cookies=fresh).json()["code"] == 0


@pytest.mark.sandbox(faults="all", size=600)
def test_all_profiles_at_once_still_serve_every_page_to_a_patient_client(sandbox) -> None:
    cookies = sandbox.session("jd", "bureau-01")
    for keyword in JD_KEYWORDS[:6]:
        for _attempt in range(5):
            resp = jd_search(sandbox, keyword, cookies=cookies)
            if resp.status == 200 and resp.body.startswith(b'{"code":0'):
                try:
                    assert resp.json()["data"]["wareList"]
                    break
                except ValueError:
                    continue
        else:
            pytest.fail(keyword)
