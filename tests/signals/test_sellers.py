"""Sellers: flags across nights on the seller page, links across platforms, repeat offenders."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from crawler.items import ListingItem
from crawler.references import read_records
from crawler.references.importer import store
from crawler.signals import run_signals
from crawler.signals.sellers import linked_sellers, repeat_offenders
from crawler.storage.engine import transaction
from crawler.storage.models import Flag, FlagStatus, Listing, ListType, Seller
from crawler.storage.repositories import ListingRepository
from tests.web.conftest import sign_in

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "references"


def _item(platform, item_id, seller_id, seller, maker, title="快充 充电宝 20000mAh"):
    return ListingItem(
        platform=platform,
        item_id=item_id,
        title=title,
        category="power_bank",
        seller_id=seller_id,
        seller_name=seller,
        specs={"生产厂家": maker, "3C证书编号": "2023011606123456"},
        price=Decimal("59"),
    )


def test_seller_page_links_and_ranking(web_context, web_sessions, client, clock):
    sessions = web_sessions
    result = read_records(FIXTURES / "company_blacklist.csv", list_type=ListType.BLACKLIST)
    store(sessions, clock, result, list_type=ListType.BLACKLIST)
    with transaction(sessions) as session:
        ListingRepository(session).upsert_batch(
            [
                _item("jd", "1", "jd-s", "快充数码旗舰店", "深圳市快充科技有限公司"),
                _item("taobao", "2", "tb-s", "快充数码专营店", "某某电子厂"),
                _item("pdd", "3", "pdd-s", "好物小铺", "快充科技"),
                _item("pdd", "4", "pdd-x", "无关小店", "远方电子厂"),
            ],
            clock.now(),
        )
    run_signals(sessions, clock)
    clock.advance(timedelta(days=1))
    with transaction(sessions) as session:
        ListingRepository(session).upsert_batch(
            [_item("jd", "5", "jd-s", "快充数码旗舰店", "快充科技有限公司", "快充 快充宝 10000mAh")],
            clock.now(),
        )
    run_signals(sessions, clock)
    with transaction(sessions) as session:
        ids = {s.platform_seller_id: s.id for s in session.scalars(select(Seller))}
        links = {s.seller_id: s.reasons for s in linked_sellers(session, ids["jd-s"])}
        assert set(links) == {ids["tb-s"], ids["pdd-s"]}
        assert any("same shop name" in r for r in links[ids["tb-s"]])
        assert any("same manufacturer" in r for r in links[ids["pdd-s"]])
        assert linked_sellers(session, ids["pdd-x"]) == []
        pdd_flag = session.scalar(
            select(Flag).join(Listing).where(Flag.kind == "blacklist", Listing.seller_id == ids["pdd-s"])
        )
        pdd_flag.status = FlagStatus.DISMISSED
        ranking = repeat_offenders(session)
        assert ranking[0].seller_id == ids["jd-s"] and ranking[0].nights == 2 and ranking[0].linked == 2
        assert ranking[0].flagged_listings == 2
        assert {o.seller_id for o in ranking} == {ids["jd-s"]}

    sign_in(client)
    page = client.get(f"/sellers/{ids['jd-s']}")
    assert page.status_code == 200
    html = page.text
    flags_table = html.split('id="seller-flags"')[1].split("</table>")[0]
    assert flags_table.count("<tr>") == 3  # header and two nights' blacklist flags
    assert "blacklist" in flags_table and "深圳市快充科技有限公司" in flags_table
    linked = html.split('id="seller-linked"')[1].split("</ul>")[0]
    assert f"/sellers/{ids['tb-s']}" in linked and f"/sellers/{ids['pdd-s']}" in linked
    assert "same manufacturer" in linked
