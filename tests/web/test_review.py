"""Queue, flag page, decisions and dashboard through the app on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from crawler.storage.models import AuditEntry, Flag, FlagStatus, Purchase, PurchaseStatus, ReviewDecision
from crawler.storage.repositories.review import Cursor, QueueFilter, ReviewError, ReviewRepository
from tests.web.seeding import demo_dataset


@pytest.fixture
def demo(web_context, web_sessions):
    return demo_dataset(web_sessions, web_context.clock, web_context.settings.data_dir)


def _flag_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<tr data-flag="(\d+)">', html)]


def _risks(web_context, ids):
    with web_context.sessions() as session:
        found = dict(session.execute(select(Flag.id, Flag.risk_score).where(Flag.id.in_(ids))).all())
    return [found[i] for i in ids]


def test_queue_is_ordered_by_risk_and_pages_by_keyset(analyst, demo, web_context):
    client, _ = analyst
    seen: list[int] = []
    url = "/queue"
    while url:
        page = client.get(url)
        assert page.status_code == 200
        ids = _flag_ids(page.text)
        assert 0 < len(ids) <= 20
        seen += ids
        nxt = re.search(r'href="(/queue\?[^"]*after=[^"]+)" id="page-next"', page.text)
        url = nxt.group(1).replace("&amp;", "&") if nxt else ""
    assert len(seen) == len(set(seen)) == len(demo.flag_ids)
    risks = _risks(web_context, seen)
    assert risks == sorted(risks, reverse=True)
    assert seen[0] == demo.top_flag
    assert f"共 {len(demo.flag_ids)} 条" in client.get("/queue").text


def test_queue_filters(analyst, demo, web_context):
    client, _ = analyst
    power = _flag_ids(client.get("/queue?category=power_bank").text)
    assert power and demo.top_flag in power
    with web_context.sessions() as session:
        for fid in power:
            assert session.get(Flag, fid).listing.category.code == "power_bank"
    jd = _flag_ids(client.get("/queue?platform=jd&list_type=noncompliant").text)
    with web_context.sessions() as session:
        assert jd and all(
            session.get(Flag, f).listing.platform.code == "jd"
            and session.get(Flag, f).list_type == "noncompliant"
            for f in jd
        )
    # flags are dated in Shanghai days: the demo's match flags were raised on 2026-11-20/21 local
    today = _flag_ids(client.get("/queue?list_type=noncompliant&from=2026-11-20&to=2026-11-21").text)
    assert set(today) == set(demo.flag_ids[:8])
    assert _flag_ids(client.get("/queue?from=2030-01-01").text) == []
    assert "没有符合条件的标记" in client.get("/queue?from=2030-01-01").text
    assert _flag_ids(client.get("/queue?status=confirmed").text) == []
    assert len(_flag_ids(client.get("/queue?status=any&category=nonexistent").text)) == 0
    # nonsense values fall back instead of failing
    assert client.get("/queue?status=bogus&list_type=zzz&from=notadate&after=garbage").status_code == 200


def test_bulk_confirm_and_dismiss_with_one_note(analyst, demo, web_context):
    client, token = analyst
    picked = demo.flag_ids[10:13]
    response = client.post(
        "/queue/bulk",
        data={
            "csrf_token": token,
            "action": "dismiss",
            "note": "同款已下架",
            "flag_ids": picked,
            "back": "category=power_bank",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/queue?category=power_bank&done=3"
    refused = client.post(
        "/queue/bulk", data={"csrf_token": token, "action": "dismiss", "flag_ids": demo.flag_ids[13:15]}
    )
    assert refused.status_code == 400 and "驳回需要填写原因" in refused.text
    confirmed = client.post(
        "/queue/bulk",
        data={"csrf_token": token, "action": "confirm", "note": "", "flag_ids": demo.flag_ids[13:15]},
    )
    assert confirmed.status_code == 303
    with web_context.sessions() as session:
        statuses = {f: session.get(Flag, f).status for f in demo.flag_ids[10:15]}
        notes = list(session.scalars(select(ReviewDecision.note).where(ReviewDecision.flag_id.in_(picked))))
        audits = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "flag.dismiss")))
    assert [statuses[f] for f in picked] == [FlagStatus.DISMISSED] * 3
    assert statuses[demo.flag_ids[13]] == statuses[demo.flag_ids[14]] == FlagStatus.CONFIRMED
    assert notes == ["同款已下架"] * 3
    assert sorted(int(a.object_id) for a in audits) == sorted(picked)
    assert all(a.actor == "analyst" and a.details["note"] == "同款已下架" for a in audits)
    remaining = set(_flag_ids(client.get("/queue").text))
    assert not remaining & set(demo.flag_ids[10:15])


def test_flag_page_shows_listing_reference_history_and_capture(analyst, demo):
    client, _ = analyst
    html = client.get(f"/flags/{demo.top_flag}").text
    assert "20000毫安 快充移动电源" in html
    assert 'id="capture-screenshot"' in html and "no-capture" not in html
    shot = re.search(r'id="capture-screenshot" src="([^"]+)"', html).group(1)
    image = client.get(shot)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    assert '<a href="/sellers/' in html and "极速数码专营店" in html
    assert "<mark>model: KD-P20 ↔ KD-P20 (1.00)</mark>" in html
    assert html.count('class="hit"') >= 3  # model, brand and barcodes highlighted on both sides
    assert 'href="https://www.samr.gov.cn/zljds/cjjg/art/2026/art_001.html"' in html
    history = html[html.index('id="history"') :]
    assert "¥97.90" in history and "¥89.00" in history  # two nights, two prices
    photos = re.findall(r'<img src="(/media/(?:images|reference)/[^"]+)"', html)
    assert any("/media/images/" in p for p in photos) and any("/media/reference/" in p for p in photos)
    assert all(client.get(p).status_code == 200 for p in photos)
    other = client.get(f"/flags/{demo.flag_ids[3]}").text
    assert 'id="no-capture"' in other and "尚无取证截图" in other


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_masked_price_is_unknown_not_zero(analyst, demo):
    client, _ = analyst
    html = client.get(f"/flags/{demo.masked_flag}").text
    price = re.search(r'id="listing-price">(.*?)</td>', html, re.S).group(1)
    assert "价格未知" in price and "¥" not in price
    assert "Price unknown" in client.get(f"/flags/{demo.masked_flag}?lang=en").text


def test_decisions_write_the_audit_trail_and_a_planned_purchase(analyst, demo, web_context):
    client, token = analyst
    fid = demo.flag_ids[1]
    r = client.post(
        f"/flags/{fid}/decision", data={"csrf_token": token, "action": "confirm", "note": "型号一致"}
    )
    assert r.status_code == 303 and r.headers["location"] == f"/flags/{fid}?done=confirm"
    web_context.clock.advance(timedelta(minutes=5))
    r = client.post(
        f"/flags/{fid}/decision", data={"csrf_token": token, "action": "purchase", "note": "送检"}
    )
    assert r.status_code == 303
    again = client.post(f"/flags/{fid}/decision", data={"csrf_token": token, "action": "purchase"})
    assert again.status_code == 400
    assert (
        client.post(f"/flags/{fid}/decision", data={"csrf_token": token, "action": "dismiss"}).status_code
        == 400
    )
    assert (
        client.post("/flags/999999/decision", data={"csrf_token": token, "action": "confirm"}).status_code
        == 404
    )
    assert (
        client.post(f"/flags/{fid}/decision", data={"csrf_token": token, "action": "delete"}).status_code
        == 400
    )
    with web_context.sessions() as session:
        flag = session.get(Flag, fid)
        purchase = session.scalar(select(Purchase).where(Purchase.flag_id == fid))
        assert flag.status == FlagStatus.PURCHASE_ORDERED
        assert purchase.status == PurchaseStatus.PLANNED and purchase.listing_id == flag.listing_id
        assert purchase.expected_price is None  # this listing hides its price
        trail = list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.object_type == "flag", AuditEntry.object_id == str(fid))
                .order_by(AuditEntry.id)
            )
        )
    assert [e.action for e in trail] == ["flag.confirm", "flag.purchase"]
    assert trail[1].details["purchase_id"] == purchase.id and trail[1].at - trail[0].at == timedelta(
        minutes=5
    )
    html = client.get(f"/flags/{fid}").text
    table = html[html.index('id="audit-trail"') :]
    assert "analyst" in table and "型号一致" in table and "确认" in table and "安排抽样购买" in table
    assert "2026-11-21 02:00:00" in table  # 18:00 UTC shown in Asia/Shanghai
    assert 'id="purchases"' in html and "计划中" in html


def test_dashboard_draws_svg_and_tells_blocked_from_empty(analyst, demo):
    client, _ = analyst
    html = client.get("/dashboard").text
    assert html.count("<svg") == 4
    assert 'data-state="被拦截"' in html and 'data-state="无结果"' in html and 'data-state="有结果"' in html
    assert "url(#hatch)" in html and "✕" in html
    blocked = re.search(r'<g class="cell-blocked".*?</g>', html, re.S).group(0)
    assert "slider captcha" in blocked
    assert "京东" in html and "移动电源" in html  # the grid names its platform and category
    assert re.search(r"已下单</text>.*?<text[^>]*>2</text>", html, re.S)
    assert not re.search(r'(src|href)="https?://', html.split("<main>")[1].split("chart-purchases")[0])
    en = client.get("/dashboard?lang=en").text
    assert "Blocked" in en and "No results" in en and "Test purchases by status" in en


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_dashboard_without_data(analyst):
    client, _ = analyst
    html = client.get("/dashboard").text
    assert "尚无爬取记录" in html and "暂无数据" in html


def test_repository_rejects_bad_decisions_and_pages_without_n_plus_one(web_context, web_sessions, demo):
    engine = web_context.engine
    with web_context.sessions() as session:
        repo = ReviewRepository(session, web_context.clock)
        with pytest.raises(ReviewError):
            repo.decide([], "confirm", None)  # type: ignore[arg-type]
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            small = repo.queue(QueueFilter(status=None), limit=3)
            n_small = len(statements)
            statements.clear()
            big = repo.queue(QueueFilter(status=None), limit=40)
            n_big = len(statements)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert len(small.rows) == 3 and len(big.rows) == 40
        assert n_small == n_big <= 3
        rest = repo.queue(QueueFilter(status=None), after=Cursor.decode(big.next_cursor.encode()), limit=100)
        assert {r.flag_id for r in rest.rows}.isdisjoint({r.flag_id for r in big.rows})
        assert len(rest.rows) + 40 == session.scalar(select(func.count(Flag.id)))
