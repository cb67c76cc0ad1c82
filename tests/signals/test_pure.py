from datetime import date

import pytest

from matchers.risk_signals import (
    company_core,
    extract_claims,
    normalise_number,
    price_anomaly,
    robust_stats,
    same_company,
)
from matchers.risk_signals.checks import (
    BlacklistEntry,
    LicensedEntry,
    ListingFacts,
    RegistryEntry,
    check_blacklist,
    check_claims,
    check_licensed,
    check_required,
    registry_index,
)
from matchers.risk_signals.licences import claims_in_listing


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("生产许可证编号：XK16-204-01234", "XK16-204-01234"),
        ("(浙)XK06-001-00123 电线", "XK06-001-00123"),
        ("（津）ＸＫ１６－００２－００４５６", "XK16-002-00456"),
        ("许可证 XK 16 204 01234", "XK16-204-01234"),
        ("xk16—204—01234", "XK16-204-01234"),
        ("食品生产许可证 SC10144030500123", "SC10144030500123"),
    ],
)
def test_licence_number_forms(text, number):
    claims = extract_claims(text)
    assert [c.number for c in claims] == [number]
    assert claims[0].kind == "licence"
    assert normalise_number(text) == number


@pytest.mark.parametrize(
    "text",
    ["XK16-204-0123", "AXK16-204-01234", "XK16-204-012345", "型号 XK-200", "条码 6901234567892"],
)
def test_not_licence_numbers(text):
    assert [c for c in extract_claims(text) if c.kind == "licence"] == []


def test_ccc_numbers_need_sixteen_digits_unless_labelled():
    assert [c.number for c in extract_claims("CCC证书 2020011606123456")] == ["2020011606123456"]
    assert [c.number for c in extract_claims("编号2020011606123456号")] == ["2020011606123456"]
    assert extract_claims("订单 20200116061234") == []
    assert [c.number for c in extract_claims("20200116061234", labelled_ccc=True)] == ["20200116061234"]
    assert extract_claims("条码 6901234567892 销量 20200116061234567") == []
    claims = claims_in_listing("电暖器", {"3C证书编号": "20230512345678", "生产许可证编号": "XK10-100-10000"})
    assert {(c.kind, c.number) for c in claims} == {("ccc", "20230512345678"), ("licence", "XK10-100-10000")}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("义乌彩虹文具厂", "彩虹文具"),
        ("义乌彩虹文具厂", "义乌市彩虹文具有限公司"),
        ("深圳市快充科技有限公司", "快充科技旗舰店"),
        ("深圳市快充科技有限公司", "广东省深圳市快充科技股份有限公司"),
        ("天津骏驰车业有限公司", "骏驰车业商行"),
        ("宁波宝行儿童用品有限公司", "宝行儿童用品（宁波）有限公司"),
        ("Shenzhen Fastcharge Co., Ltd.", "shenzhen fastcharge"),
    ],
)
def test_company_forms_match(a, b):
    assert same_company(a, b)[0], (company_core(a), company_core(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("义乌彩虹文具厂", "义乌星光文具厂"),
        ("快充科技", "慢充科技"),
        ("", "快充科技"),
        ("小米", "小米粒文具"),
    ],
)
def test_company_forms_differ(a, b):
    assert not same_company(a, b)[0]


def test_robust_stats_ignore_unknown_prices():
    stats = robust_stats([100, 110, None, 90, 0, 105])
    assert stats.n == 4 and stats.median == pytest.approx(102.5)


def test_price_anomaly_shows_comparison():
    peers = [100.0, 105, 95, 110, 98, 102, None]
    finding = price_anomaly(20.0, peers, "category toys, brand x")
    assert finding is not None
    assert finding.details["n"] == 6 and finding.details["ratio"] == pytest.approx(20 / 101, rel=1e-3)
    assert "median" in finding.reasons[0] and "MAD" in finding.reasons[0]
    assert price_anomaly(80.0, peers, "g") is None
    assert price_anomaly(None, peers, "g") is None
    assert price_anomaly(20.0, peers[:3], "g") is None


def test_registry_states():
    registry = registry_index(
        [
            RegistryEntry(
                "XK-002", "(津)XK16-002-00456", "天津骏驰车业有限公司", "cancelled", date(2024, 3, 31)
            ),
            RegistryEntry("XK-003", "XK16-204-00789", "河南护佑", "valid", valid_until=date(2024, 1, 1)),
            RegistryEntry("XK-001", "XK06-001-00123", "杭州永通", "valid"),
        ]
    )
    facts = ListingFacts(
        "1", claims=extract_claims("XK16-002-00456 XK16-204-00789 XK06-001-00123 XK99-999-99999")
    )
    found = {f.subject: f for f in check_claims(facts, registry, date(2025, 1, 1))}
    assert set(found) == {"number:XK16-002-00456", "number:XK16-204-00789", "number:XK99-999-99999"}
    assert found["number:XK16-002-00456"].details["state"] == "cancelled"
    assert "2024-03-31" in found["number:XK16-002-00456"].reasons[0]
    assert found["number:XK16-204-00789"].details["state"] == "expired"
    assert found["number:XK99-999-99999"].details["state"] == "unknown"


def test_required_licensed_and_blacklist():
    facts = ListingFacts(
        "1", title="奥特曼正版授权玩具", seller="小明玩具店", manufacturer="汕头市乐玩玩具厂", category="toys"
    )
    assert [f.kind for f in check_required(facts, True, True)] == ["licence_missing", "ccc_missing"]
    entry = LicensedEntry("LP-9", ["奥特曼"], ["广州奥飞玩具有限公司"])
    assert [f.kind for f in check_licensed(facts, [entry])] == ["licensed_ip"]
    facts.manufacturer = "奥飞玩具厂"
    assert check_licensed(facts, [entry]) == []
    black = [BlacklistEntry("BL-1", "汕头市乐玩玩具有限公司", "抽查不合格")]
    facts.manufacturer = "乐玩玩具厂"
    found = check_blacklist(facts, black)
    assert len(found) == 1 and "BL-1" in found[0].reasons[0] and "抽查不合格" in found[0].reasons[0]


def test_unknown_numbers_need_a_registry_of_that_kind():
    facts = ListingFacts("1", claims=extract_claims("XK16-002-00456 CCC 2020011606123456"))
    assert check_claims(facts, {}, date(2025, 1, 1)) == []
    registry = registry_index([RegistryEntry("X", "XK06-001-00123")])
    assert [f.details["number"] for f in check_claims(facts, registry, date(2025, 1, 1))] == [
        "XK16-002-00456"
    ]


def test_price_peers_spread_too_wide_are_not_comparable():
    peers = [100.0, 160, 60, 100, 140, 70]
    assert price_anomaly(5.0, peers, "g") is None
    assert price_anomaly(5.0, peers, "g", max_spread=10, min_z=1.0) is not None
