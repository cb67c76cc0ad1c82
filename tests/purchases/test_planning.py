"""The pure planner: priorities, quotas, spread, budget, unknown prices, determinism."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from scheduler.planning import (
    Candidate,
    CategoryInfo,
    PeriodError,
    median_price,
    parse_period,
    period_target,
    plan_purchases,
)

D = Decimal


def _cands() -> list[Candidate]:
    out = []
    n = 0
    for cat in ("toys", "mask"):
        for platform in ("jd", "taobao", "pdd"):
            for k in range(6):
                n += 1
                out.append(
                    Candidate(
                        listing_id=n,
                        category=cat,
                        platform=platform,
                        seller=f"{platform}:s{k % 4}",
                        price=D("50.00") + n,
                        flag_risk=0.1 * (k % 3),
                    )
                )
    return out


CATS = [
    CategoryInfo("toys", "玩具", yearly_quota=48, priority=1),
    CategoryInfo("mask", "口罩", yearly_quota=24, priority=2),
]


def test_periods() -> None:
    assert parse_period("2026-12").start.isoformat() == "2026-12-01"
    assert parse_period("2026-12").end.isoformat() == "2026-12-31"
    assert parse_period("2026-q4").label == "2026-Q4"
    assert parse_period("2026-H1").end.isoformat() == "2026-06-30"
    assert parse_period("2026").days == 365
    with pytest.raises(PeriodError):
        parse_period("2026-13")
    with pytest.raises(PeriodError):
        parse_period("December")


def test_quota_prorated_cumulatively_adds_up_to_the_year() -> None:
    for quota in (0, 5, 7, 10, 40):
        months = sum(period_target(quota, parse_period(f"2026-{m:02d}")) for m in range(1, 13))
        assert months == quota
        quarters = sum(period_target(quota, parse_period(f"2026-Q{q}")) for q in range(1, 5))
        assert quarters == quota
    assert period_target(5, parse_period("2026-12")) == 1
    assert period_target(40, parse_period("2026-12")) == 4


def test_median() -> None:
    assert median_price([]) is None
    assert median_price([D("3"), D("1"), D("2")]) == D("2.00")
    assert median_price([D("1"), D("2")]) == D("1.50")


def test_confirmed_flags_first_then_quota_spread_and_sellers() -> None:
    cands = _cands()
    cands[0] = Candidate(1, "toys", "jd", "jd:s0", D("99.00"), confirmed_flag_id=7, flag_risk=0.9)
    # a second confirmed flag from the same seller: allowed twice because both are flagged
    cands[1] = Candidate(2, "toys", "jd", "jd:s0", D("10.00"), confirmed_flag_id=8, flag_risk=0.5)
    plan = plan_purchases(cands, CATS, parse_period("2026-12"), D("100000"), seed=3)
    kinds = [p.kind for p in plan.picks]
    assert kinds[:2] == ["confirmed_flag", "confirmed_flag"]
    assert [p.flag_id for p in plan.picks[:2]] == [7, 8]
    assert "flag #7 confirmed" in plan.picks[0].reason
    sampled = [p for p in plan.picks if p.kind == "risk_sample"]
    per_cat = Counter(p.category for p in sampled)
    # toys: 4 due in December, 2 taken by the flags; mask: 2 due
    assert per_cat == {"toys": 2, "mask": 2}
    assert plan.quotas["toys"].slots == 2
    sellers = [p.seller for p in sampled]
    assert len(sellers) == len(set(sellers))
    assert "jd:s0" not in sellers
    for cat in ("toys", "mask"):
        platforms = [p.platform for p in sampled if p.category == cat]
        assert len(platforms) == len(set(platforms)), platforms
    assert all("risk-ranked sample" in p.reason and "yearly quota" in p.reason for p in sampled)


def test_deterministic_for_a_seed_and_varies_with_it() -> None:
    cands = _cands()
    period = parse_period("2026-Q4")
    a = plan_purchases(cands, CATS, period, D("100000"), seed=11)
    b = plan_purchases(list(reversed(cands)), CATS, period, D("100000"), seed=11)
    assert [(p.listing_id, p.reason) for p in a.picks] == [(p.listing_id, p.reason) for p in b.picks]
    seen = {
        tuple(p.listing_id for p in plan_purchases(cands, CATS, period, D("100000"), seed=s).picks)
        for s in range(8)
    }
    assert len(seen) > 1


def test_budget_is_respected_in_decimal() -> None:
    cands = _cands()
    plan = plan_purchases(cands, CATS, parse_period("2026-Q4"), D("200.00"), seed=1)
    assert plan.spent <= D("200.00")
    assert isinstance(plan.spent, Decimal)
    assert plan.picks, "something cheap enough fits"
    assert any("of the budget left" in s.reason for s in plan.skipped)
    assert plan.remaining == D("200.00") - sum(p.cost for p in plan.picks)


def test_unknown_price_costed_at_median_or_skipped() -> None:
    cands = [
        Candidate(1, "mask", "jd", "a", D("10.00")),
        Candidate(2, "mask", "jd", "b", D("30.00")),
        Candidate(3, "mask", "pdd", "c", None, confirmed_flag_id=5, flag_risk=0.8),
        Candidate(4, "toys", "pdd", "d", None, confirmed_flag_id=6, flag_risk=0.8),
    ]
    plan = plan_purchases(cands, CATS, parse_period("2026"), D("1000"), seed=0)
    pick3 = next(p for p in plan.picks if p.listing_id == 3)
    assert pick3.cost == D("20.00") and pick3.cost_basis == "category median"
    assert "category median ¥20.00" in pick3.reason
    skip4 = next(s for s in plan.skipped if s.listing_id == 4)
    assert "no known price" in skip4.reason
    plan2 = plan_purchases(cands, CATS, parse_period("2026"), D("1000"), seed=0, unknown_price="skip")
    assert 3 not in {p.listing_id for p in plan2.picks}
    assert any(s.listing_id == 3 and "skipped" in s.reason for s in plan2.skipped)


def test_already_planned_in_period_reduces_slots() -> None:
    cats = [CategoryInfo("toys", "玩具", yearly_quota=48, priority=1, done_in_period=3)]
    plan = plan_purchases(_cands(), cats, parse_period("2026-12"), D("100000"))
    assert len(plan.picks) == 1
    assert plan.quotas["toys"].slots == 1


def test_budget_must_be_decimal() -> None:
    with pytest.raises(TypeError):
        plan_purchases([], CATS, parse_period("2026-12"), 100)  # type: ignore[arg-type]


def test_budget_exhaustion_does_not_list_every_listing() -> None:
    cands = [Candidate(i, "toys", "jd", f"s{i}", D("500.00")) for i in range(1, 500)]
    cats = [CategoryInfo("toys", "玩具", yearly_quota=1200, priority=1)]
    plan = plan_purchases(cands, cats, parse_period("2026-12"), D("1200.00"), seed=2)
    assert len(plan.picks) == 2
    assert len(plan.skipped) == 20
    assert "not tried" in plan.quotas["toys"].note
