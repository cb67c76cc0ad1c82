"""Signals over the database: the fixture registry, allow-list and blacklist against hand-made listings."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.catalogue.schema import load_categories, load_platforms
from crawler.items import ListingItem
from crawler.references import read_records
from crawler.references.importer import store
from crawler.signals import load_weights, run_signals
from crawler.storage.engine import transaction
from crawler.storage.models import Flag, FlagStatus, Listing, ListType
from crawler.storage.repositories import CategoryRepository, ListingRepository, PlatformRepository

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "references"


@pytest.fixture
def loaded(sessions, clock):
    with transaction(sessions) as session:
        PlatformRepository(session).sync(load_platforms())
        CategoryRepository(session, clock).sync(load_categories().categories)
    for name, list_type in (
        ("licence_registry.csv", ListType.LICENCE),
        ("licensed_products.csv", ListType.LICENSED),
        ("company_blacklist.csv", ListType.BLACKLIST),
    ):
        result = read_records(FIXTURES / name, list_type=list_type)
        assert not result.errors, result.problems
        store(sessions, clock, result, list_type=list_type)
    return sessions


def _items() -> list[ListingItem]:
    items = [
        # cancelled licence number, written with full-width digits and no province
        ListingItem(
            platform="jd",
            item_id="lic",
            title="骏驰 新国标电动自行车 48V",
            category="electric_bicycle",
            specs={"生产许可证编号": "ＸＫ16-002-00456", "3C证书编号": "2023011606123456"},
            brand="骏驰",
            seller_name="骏驰车业商行",
            price=Decimal("2199"),
        ),
        # power bank without any CCC number, maker blacklisted under its short name
        ListingItem(
            platform="taobao",
            item_id="bl",
            title="快充 20000毫安 充电宝",
            category="power_bank",
            specs={"生产厂家": "快充科技"},
            seller_name="数码小铺",
            price=Decimal("59"),
        ),
        # claims the licensed brand, made by someone else
        ListingItem(
            platform="pdd",
            item_id="fake",
            title="宝行 儿童安全座椅 BX-Safe 9 同款",
            category="child_safety_seat",
            brand="宝行",
            specs={"生产厂家": "余姚市某某塑料厂", "3C证书编号": "2021031606000001"},
            seller_name="母婴好物店",
            price=Decimal("899"),
        ),
        # the licensed maker's own shop: no licensed-IP flag
        ListingItem(
            platform="jd",
            item_id="real",
            title="宝行 儿童安全座椅 BX-Safe 9",
            category="child_safety_seat",
            brand="宝行",
            specs={"生产厂家": "宁波宝行儿童用品有限公司", "3C证书编号": "2021031606000002"},
            seller_name="宝行官方旗舰店",
            price=Decimal("1299"),
        ),
    ]
    for n, price in enumerate([2100, 2250, 2300, 2199, 2050, 2400, None]):
        items.append(
            ListingItem(
                platform="jd",
                item_id=f"peer{n}",
                title="骏驰 电动自行车",
                category="electric_bicycle",
                brand="骏驰",
                specs={
                    "生产厂家": "天津骏驰车业有限公司",
                    "生产许可证编号": "(浙)XK06-001-00123",
                    "3C证书编号": f"202301160600000{n}",
                },
                price=Decimal(price) if price else None,
                price_masked=price is None,
                seller_name=f"车行{n}",
            )
        )
    items.append(
        ListingItem(
            platform="pdd",
            item_id="cheap",
            title="骏驰 电动自行车 清仓",
            category="electric_bicycle",
            brand="骏驰",
            specs={"生产许可证编号": "XK06-001-00123", "3C证书编号": "2023011606999999"},
            price=Decimal("399"),
            seller_name="清仓车行",
        )
    )
    items.append(
        ListingItem(
            platform="pdd",
            item_id="masked",
            title="骏驰 电动自行车",
            category="electric_bicycle",
            brand="骏驰",
            specs={"生产许可证编号": "XK06-001-00123", "3C证书编号": "2023011606999998"},
            price_masked=True,
            seller_name="车行x",
        )
    )
    for item in items:
        item.seller_id = item.seller_name
    return items


def _flags(sessions) -> dict[str, dict[str, Flag]]:
    out: dict[str, dict[str, Flag]] = {}
    with sessions() as session:
        for flag, item_id in session.execute(select(Flag, Listing.platform_item_id).join(Listing)):
            out.setdefault(item_id, {})[f"{flag.kind}|{flag.subject}"] = flag
    return out


def test_signals_flag_each_planted_case(loaded, clock):
    with transaction(loaded) as session:
        ListingRepository(session).upsert_batch(_items(), clock.now())
    summary = run_signals(loaded, clock)
    assert summary.problems == []
    flags = _flags(loaded)

    lic = flags["lic"]["licence|number:XK16-002-00456"]
    assert lic.list_type == ListType.LICENCE and lic.entry_id is not None
    assert "cancelled" in lic.explanation[0] and "2024-03-31" in lic.explanation[0]
    assert 0.8 < lic.risk_score <= 1

    assert set(flags["bl"]) >= {"ccc_missing|required:ccc"}
    black = next(f for k, f in flags["bl"].items() if k.startswith("blacklist|"))
    assert "深圳市快充科技有限公司" in black.explanation[0] and "拒绝抽样" in black.explanation[0]
    assert black.risk_score > flags["bl"]["ccc_missing|required:ccc"].risk_score * 0.99

    fake = next(k for k in flags["fake"] if k.startswith("licensed_ip|"))
    assert "宝行" in flags["fake"][fake].explanation[0]
    assert not any(k.startswith("licensed_ip|") for k in flags.get("real", {}))

    cheap = flags["cheap"]["price|price"]
    assert "median" in cheap.explanation[0] and "7 comparable" in cheap.explanation[0]
    assert not any(k.startswith("price|") for p in ("masked", "peer0", "peer1") for k in flags.get(p, {}))
    assert not any(k.startswith("licensed_ip|") for p in ("lic", "peer0") for k in flags.get(p, {}))
    assert any(k.startswith("licensed_ip|") for k in flags["masked"])
    assert not any(k.startswith("licence|") for p in ("peer0", "cheap") for k in flags.get(p, {}))

    # a rerun refreshes, never duplicates; a decided flag keeps its status and risk
    with transaction(loaded) as session:
        decided = session.get(Flag, lic.id)
        decided.status = FlagStatus.CONFIRMED
        decided.risk_score = 0.123
    clock.advance(timedelta(hours=1))
    again = run_signals(loaded, clock)
    assert again.flags_created == 0 and again.flags_updated == summary.flags_created
    with loaded() as session:
        assert session.get(Flag, lic.id).risk_score == 0.123


def test_weights_file_changes_scores(loaded, clock, tmp_path):
    with transaction(loaded) as session:
        ListingRepository(session).upsert_batch(_items()[:2], clock.now())
    path = tmp_path / "signal_weights.yaml"
    path.write_text("signals:\n  ccc_missing: 0.0\n  blacklist: 0.2\n", encoding="utf-8")
    weights = load_weights(data_dir=tmp_path)
    assert weights.of("ccc_missing") == 0.0 and weights.of("licence") == 0.9
    run_signals(loaded, clock, weights)
    flags = _flags(loaded)["bl"]
    black = next(f for k, f in flags.items() if k.startswith("blacklist|"))
    assert black.risk_score == pytest.approx(0.2)
    path.write_text("signals:\n  price: 2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="within 0..1"):
        load_weights(path)
