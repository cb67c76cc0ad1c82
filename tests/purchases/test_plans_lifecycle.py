"""Plans from stored data, adjustment and approval, the lifecycle with its audit trail, overdue items."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from crawler.purchases import lifecycle
from crawler.purchases.labs import ensure_labs
from crawler.purchases.plans import PlanError, add_pick, approve_plan, create_plan, remove_pick
from crawler.purchases.sample_ids import format_sample_id, next_sequence, parse_sample_id
from crawler.purchases.settings import load_purchasing_settings
from crawler.storage.engine import transaction
from crawler.storage.models import Flag, FlagStatus, Purchase, PurchaseStatus, Sample
from crawler.storage.repositories import AuditRepository
from crawler.storage.repositories.purchases import PurchaseRepository


def _plan(sessions, clock, seed=5, budget="20000"):
    with transaction(sessions) as s:
        return create_plan(s, clock, "analyst1", "2026-12", Decimal(budget), seed=seed).plan.id


def test_sample_ids() -> None:
    code = format_sample_id("WG", "2026-12", "SH", 1)
    assert code == "WG-2026-12-SH-0001"
    parsed = parse_sample_id(code)
    assert (parsed.prefix, parsed.period, parsed.region, parsed.sequence) == ("WG", "2026-12", "SH", 1)
    assert parse_sample_id("WG-2026-Q4-SH-0012").sequence == 12
    with pytest.raises(ValueError):
        parse_sample_id("WG-2026-12-0001")
    assert next_sequence(["WG-2026-12-SH-0007", "WG-2026-11-SH-0099", "junk"], "WG-2026-12-SH-") == 8


def test_plan_from_stored_data(sessions, clock, demo) -> None:
    plan_id = _plan(sessions, clock)
    with sessions() as s:
        purchases = PurchaseRepository(s).plan_purchases(plan_id)
        flagged = [p for p in purchases if p.flag_id]
        assert {p.flag_id for p in flagged} == {
            demo.flag_ids["jd:toys-jd-0"],
            demo.flag_ids["taobao:toys-taobao-1"],
        }
        assert all("confirmed" in p.reason for p in flagged)
        cats = Counter(p.listing.category.code for p in purchases)
        # December share of the yearly quota: toys 4 (2 of them the flags), children's clothing 4,
        # power banks 3
        assert cats == {"toys": 4, "children_clothing": 4, "power_bank": 3}
        assert all(p.reason for p in purchases)
        assert sum(p.expected_price for p in purchases) <= Decimal("20000")
        plan = PurchaseRepository(s).plan(plan_id)
        assert plan.status == "draft" and plan.summary["quotas"]
    # a second plan for the same period only tops up, and never repeats a listing being bought
    again = _plan(sessions, clock)
    with sessions() as s:
        repo = PurchaseRepository(s)
        first = {p.listing_id for p in repo.plan_purchases(plan_id)}
        second = {p.listing_id for p in repo.plan_purchases(again)}
        assert first and not second, "the period's quota is already planned; flagged listings are taken"
        quotas = {q["code"]: q for q in repo.plan(again).summary["quotas"]}
        assert quotas["toys"]["done_in_period"] == 4 and quotas["toys"]["slots"] == 0


def test_adjust_approve_and_lifecycle(sessions, clock, demo) -> None:
    plan_id = _plan(sessions, clock)
    settings = load_purchasing_settings()
    with transaction(sessions) as s:
        purchases = PurchaseRepository(s).plan_purchases(plan_id)
        removed = next(p for p in purchases if p.flag_id is None)
        remove_pick(s, clock, "analyst1", plan_id, removed.id, "duplicate of last month")
        taken = {p.listing_id for p in purchases}
        extra_listing = next(v for k, v in demo.listing_ids.items() if v not in taken and "toys" in k)
        added = add_pick(s, clock, "analyst1", plan_id, extra_listing, reason="complaint via 12365")
        assert "complaint via 12365" in added.reason
        with pytest.raises(PlanError, match="already in a purchase"):
            add_pick(s, clock, "analyst1", plan_id, extra_listing)
    with transaction(sessions) as s, pytest.raises(PlanError, match="over its budget"):
        tiny = create_plan(s, clock, "a", "2026-12", Decimal("25"), seed=1).plan
        spare = next(
            v
            for v in demo.listing_ids.values()
            if v not in PurchaseRepository(s).listings_in_live_purchases()
        )
        add_pick(s, clock, "a", tiny.id, spare)
    with transaction(sessions) as s:
        plan = approve_plan(s, clock, "chief", plan_id, settings)
        assert plan.status == "approved" and plan.approved_by == "chief"
        with pytest.raises(PlanError, match="only a draft"):
            remove_pick(s, clock, "analyst1", plan_id, added.id)
    with sessions() as s:
        purchases = PurchaseRepository(s).plan_purchases(plan_id)
        codes = sorted(p.sample.sample_code for p in purchases)
        assert codes[0] == "WG-2026-12-SH-0001"
        assert codes == [f"WG-2026-12-SH-{i:04d}" for i in range(1, len(purchases) + 1)]
        dues = sorted(p.due_on for p in purchases)
        assert dues[0] >= clock.now().date() and dues[-1].isoformat() <= "2026-12-31"
        assert dues[0].isoformat() >= "2026-12-01" and len(set(dues)) > 1
        assert all(p.buyer.startswith("shqts_buyer_") for p in purchases)
        assert all(p.lab_id is not None for p in purchases)
        flag = s.get(Flag, demo.flag_ids["jd:toys-jd-0"])
        assert flag.status == FlagStatus.PURCHASE_ORDERED
        target = next(p for p in purchases if p.flag_id == demo.flag_ids["jd:toys-jd-0"])
        pid = target.id

    with (
        transaction(sessions) as s,
        pytest.raises(lifecycle.IllegalTransition, match="is planned; it cannot become received"),
    ):
        lifecycle.mark_received(s, clock, "liaison", pid, "intact")
    clock.advance(timedelta(days=12))
    with transaction(sessions) as s:
        lifecycle.mark_ordered(s, clock, "buyer1", pid, "JD-889900", "23.50")
    clock.advance(timedelta(days=3))
    with transaction(sessions) as s:
        lifecycle.mark_received(s, clock, "liaison", pid, "box intact, seal unbroken", ["parcel/1.jpg"])
        lifecycle.send_to_lab(s, clock, "liaison", pid)
        with pytest.raises(lifecycle.IllegalTransition, match="Allowed next: result"):
            lifecycle.cancel(s, clock, "liaison", pid, "changed mind")
    with sessions() as s:
        p = s.get(Purchase, pid)
        assert p.status == PurchaseStatus.SENT_TO_LAB
        assert p.order_no == "JD-889900" and p.price_paid == Decimal("23.50")
        sample = s.scalar(select(Sample).where(Sample.purchase_id == pid))
        assert sample.condition.startswith("box intact") and sample.parcel_photos == ["parcel/1.jpg"]
        trail = AuditRepository(s, clock).trail("purchase", pid)
        assert [t.action for t in trail] == [
            "purchase.schedule",
            "purchase.ordered",
            "purchase.received",
            "purchase.sent_to_lab",
        ]
        assert [t.actor for t in trail][1:] == ["buyer1", "liaison", "liaison"]
        assert trail[1].at < trail[2].at


def test_overdue(sessions, clock, demo) -> None:
    plan_id = _plan(sessions, clock)
    with transaction(sessions) as s:
        approve_plan(s, clock, "chief", plan_id, load_purchasing_settings())
    with sessions() as s:
        assert lifecycle.overdue(s, clock) == []
        first_due = min(p.due_on for p in PurchaseRepository(s).plan_purchases(plan_id))
    clock.advance(timedelta(days=(first_due - clock.now().date()).days + 3))
    with sessions() as s:
        items = lifecycle.overdue(s, clock)
        assert items and all(i.stage == "not ordered" for i in items)
        assert items[0].days_overdue >= 1
        assert all(i.sample_code.startswith("WG-2026-12-SH-") for i in items)


def test_labs_imported_on_first_use(sessions, clock, demo) -> None:
    with transaction(sessions) as s:
        labs = ensure_labs(s, clock)
        assert {lab.code for lab in labs} == {"sgs", "tuv_rheinland", "intertek", "dekra", "sqi"}
        assert len(ensure_labs(s, clock)) == 5
