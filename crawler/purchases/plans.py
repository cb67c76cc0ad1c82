"""Purchase plans as analysts use them: propose from the stored listings and flags, adjust, approve.

Approval schedules every pick: a due date spread over the rest of the period, a buyer account of the
platform, a lab that accepts the category, and a sample ID (样品编号) reserved for the parcel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from crawler.purchases.actors import Actor, actor_name, audit
from crawler.purchases.labs import choose_lab, ensure_labs
from crawler.purchases.sample_ids import format_sample_id, next_sequence
from crawler.purchases.settings import PurchasingSettings
from crawler.storage.models import (
    Category,
    Flag,
    FlagStatus,
    Purchase,
    PurchasePlan,
    PurchaseStatus,
    Sample,
    User,
)
from crawler.storage.repositories.catalogue import CategoryRepository
from crawler.storage.repositories.purchases import (
    CONFIRMED_STATES,
    CandidateRow,
    PurchaseRepository,
)
from crawler.timeutil import Clock, to_local
from scheduler.planning import (
    Candidate,
    CategoryInfo,
    Period,
    PlanProposal,
    UnknownPrice,
    parse_period,
    plan_purchases,
)

DRAFT = "draft"
APPROVED = "approved"


class PlanError(ValueError):
    """A plan operation that cannot be done, with the reason."""


@dataclass
class PlanResult:
    plan: PurchasePlan
    proposal: PlanProposal


def _flag_note(flag: Flag) -> str:
    entry = flag.entry
    if entry is not None:
        what = (entry.product_name or "").strip()[:60]
        return f"{flag.kind} on {flag.list_type or entry.list_type} entry {entry.ref_key}: {what}".strip()
    return "; ".join(str(x) for x in (flag.explanation or [])[:2])[:120] or flag.kind


def to_candidate(row: CandidateRow) -> Candidate:
    listing, category = row.listing, row.category
    confirmed = [f for f in row.flags if f.status in CONFIRMED_STATES]
    confirmed.sort(key=lambda f: (f.status != FlagStatus.PURCHASE_ORDERED, -f.risk_score, f.id))
    top = max(row.flags, key=lambda f: (f.risk_score, -f.id)) if row.flags else None
    signals = []
    if category.licence_required and not listing.licence_no:
        signals.append("production licence required, none claimed")
    if listing.price_masked:
        signals.append("price hidden")
    if not listing.brand:
        signals.append("no brand stated")
    note_flag = confirmed[0] if confirmed else top
    return Candidate(
        listing_id=listing.id,
        category=category.code,
        platform=row.platform,
        seller=row.seller_key,
        price=None if listing.price_masked else listing.price,
        title=listing.title,
        confirmed_flag_id=confirmed[0].id if confirmed else None,
        purchase_requested=bool(confirmed) and confirmed[0].status == FlagStatus.PURCHASE_ORDERED,
        flag_risk=float(max((f.risk_score for f in row.flags), default=0.0)),
        flag_note=_flag_note(note_flag) if note_flag else "",
        signals=tuple(signals),
    )


def _categories(session: Session, clock: Clock, codes: list[str] | None) -> list[Category]:
    cats = CategoryRepository(session, clock).active()
    if codes:
        known = {c.code for c in cats}
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise PlanError(f"unknown or inactive categories: {', '.join(unknown)}")
        cats = [c for c in cats if c.code in codes]
    return cats


def create_plan(
    session: Session,
    clock: Clock,
    actor: Actor,
    period: str,
    budget: Decimal,
    seed: int = 0,
    unknown_price: UnknownPrice | str = UnknownPrice.MEDIAN,
    categories: list[str] | None = None,
) -> PlanResult:
    """Propose a plan from the stored data and keep it as a draft."""
    try:
        parsed = parse_period(period)
    except ValueError as exc:
        raise PlanError(str(exc)) from exc
    if not isinstance(budget, Decimal) or budget <= 0:
        raise PlanError("the budget must be a positive amount")
    cats = _categories(session, clock, categories)
    repo = PurchaseRepository(session)
    done = repo.done_in_period(parsed.label)
    infos = [CategoryInfo(c.code, c.name_zh, c.yearly_quota, c.priority, done.get(c.id, 0)) for c in cats]
    rows = repo.candidates([c.id for c in cats])
    proposal = plan_purchases(
        [to_candidate(r) for r in rows], infos, parsed, budget, seed=seed, unknown_price=unknown_price
    )
    now = clock.now()
    plan = PurchasePlan(
        period=parsed.label,
        budget=budget,
        seed=seed,
        status=DRAFT,
        created_at=now,
        summary={
            "unknown_price": str(UnknownPrice(unknown_price)),
            "categories": [c.code for c in cats] if categories else "all",
            "quotas": [q.to_dict() for q in proposal.quotas.values()],
            "skipped": [
                {"listing_id": s.listing_id, "category": s.category, "reason": s.reason}
                for s in proposal.skipped
            ],
            "proposed_cost": str(proposal.spent),
        },
    )
    session.add(plan)
    session.flush()
    by_code = {c.code: c for c in cats}
    for pick in proposal.picks:
        session.add(
            Purchase(
                plan_id=plan.id,
                listing_id=pick.listing_id,
                flag_id=pick.flag_id,
                category_id=by_code[pick.category].id,
                status=PurchaseStatus.PLANNED,
                reason=pick.reason,
                expected_price=pick.cost,
                cost_basis=pick.cost_basis,
                created_at=now,
                updated_at=now,
            )
        )
    session.flush()
    audit(
        session,
        clock,
        actor,
        "plan.create",
        "purchase_plan",
        plan.id,
        {"period": plan.period, "budget": str(budget), "seed": seed, "picks": len(proposal.picks)},
    )
    return PlanResult(plan, proposal)


def _draft(session: Session, plan_id: int) -> PurchasePlan:
    plan = PurchaseRepository(session).plan(plan_id)
    if plan is None:
        raise PlanError(f"no purchase plan {plan_id}")
    if plan.status != DRAFT:
        raise PlanError(f"plan {plan_id} is {plan.status}; only a draft plan can be changed")
    return plan


def plan_cost(plan: PurchasePlan) -> Decimal:
    return sum(
        (p.expected_price or Decimal("0") for p in plan.purchases if p.status != PurchaseStatus.CANCELLED),
        Decimal("0.00"),
    )


def add_pick(
    session: Session,
    clock: Clock,
    actor: Actor,
    plan_id: int,
    listing_id: int,
    reason: str = "",
    allow_over_budget: bool = False,
) -> Purchase:
    """Add a listing to a draft plan; it is costed like the planner does (price, else category median)."""
    plan = _draft(session, plan_id)
    repo = PurchaseRepository(session)
    listing = repo.listing(listing_id)
    if listing is None:
        raise PlanError(f"no listing {listing_id}")
    if listing_id in repo.listings_in_live_purchases():
        raise PlanError(f"listing {listing_id} is already in a purchase that is not finished")
    if listing.price is not None and not listing.price_masked and listing.price > 0:
        cost, basis = listing.price, "listing price"
    else:
        median = repo.category_median_price(listing.category_id) if listing.category_id else None
        if median is None:
            raise PlanError(f"listing {listing_id} has no price and its category has no known price")
        cost, basis = median, "category median"
    total = plan_cost(plan) + cost
    if total > plan.budget and not allow_over_budget:
        raise PlanError(
            f"adding listing {listing_id} (¥{cost}) would bring the plan to ¥{total}, over its budget "
            f"¥{plan.budget}"
        )
    flag = next(
        (
            f
            for f in sorted(
                session.query(Flag).filter(Flag.listing_id == listing_id).all(),
                key=lambda f: (-f.risk_score, f.id),
            )
            if f.status in CONFIRMED_STATES
        ),
        None,
    )
    now = clock.now()
    text = f"added by {actor_name(actor)}" + (f": {reason}" if reason else "")
    if basis != "listing price":
        text += f"; price unknown or masked: costed at the category median ¥{cost}"
    purchase = Purchase(
        plan_id=plan.id,
        listing_id=listing_id,
        flag_id=flag.id if flag else None,
        category_id=listing.category_id,
        status=PurchaseStatus.PLANNED,
        reason=text,
        expected_price=cost,
        cost_basis=basis,
        created_at=now,
        updated_at=now,
    )
    session.add(purchase)
    session.flush()
    plan.purchases.append(purchase)
    audit(
        session,
        clock,
        actor,
        "plan.add_pick",
        "purchase_plan",
        plan.id,
        {"purchase_id": purchase.id, "listing_id": listing_id, "reason": reason, "cost": str(cost)},
    )
    return purchase


def remove_pick(
    session: Session, clock: Clock, actor: Actor, plan_id: int, purchase_id: int, reason: str = ""
) -> None:
    plan = _draft(session, plan_id)
    purchase = next((p for p in plan.purchases if p.id == purchase_id), None)
    if purchase is None:
        raise PlanError(f"purchase {purchase_id} is not in plan {plan_id}")
    details = {"purchase_id": purchase_id, "listing_id": purchase.listing_id, "reason": reason}
    plan.purchases.remove(purchase)
    session.delete(purchase)
    session.flush()
    audit(session, clock, actor, "plan.remove_pick", "purchase_plan", plan.id, details)


def spread_due_dates(period: Period, today: date, count: int) -> list[date]:
    """``count`` due dates spread evenly over what is left of the period (from ``today``)."""
    start = max(period.start, today)
    end = period.end if period.end >= start else start
    days = (end - start).days + 1
    return [start + timedelta(days=((2 * i + 1) * days) // (2 * count)) for i in range(count)]


def approve_plan(
    session: Session, clock: Clock, actor: Actor, plan_id: int, settings: PurchasingSettings
) -> PurchasePlan:
    """Approve a draft plan and schedule its purchases."""
    plan = _draft(session, plan_id)
    purchases = sorted(
        (p for p in plan.purchases if p.status == PurchaseStatus.PLANNED),
        key=lambda p: (p.flag_id is None, p.id),
    )
    if not purchases:
        raise PlanError(f"plan {plan_id} has no purchases to approve")
    period = parse_period(plan.period)
    today = to_local(clock.now()).date()
    if today > period.end:
        raise PlanError(f"plan {plan_id} is for {plan.period}, which is over")
    labs = ensure_labs(session, clock)
    repo = PurchaseRepository(session)
    load = repo.lab_load()
    series = f"{settings.sample_prefix}-{period.label}-{settings.region_code}-"
    sequence = next_sequence(repo.sample_codes_with_prefix(series), series)
    buyer_index: dict[str, int] = {}
    now = clock.now()
    for purchase, due in zip(purchases, spread_due_dates(period, today, len(purchases)), strict=True):
        listing = purchase.listing
        platform = listing.platform.code
        purchase.due_on = due
        purchase.buyer = settings.buyer_for(platform, buyer_index.get(platform, 0))
        buyer_index[platform] = buyer_index.get(platform, 0) + 1
        category = listing.category
        lab = choose_lab(labs, category.code if category else None, load)
        purchase.lab_id = lab.id if lab else None
        purchase.updated_at = now
        code = format_sample_id(settings.sample_prefix, period.label, settings.region_code, sequence)
        sequence += 1
        session.add(Sample(purchase_id=purchase.id, sample_code=code, lab_id=purchase.lab_id))
        details: dict[str, Any] = {
            "due_on": due.isoformat(),
            "buyer": purchase.buyer,
            "lab": lab.code if lab else None,
            "sample_code": code,
        }
        audit(session, clock, actor, "purchase.schedule", "purchase", purchase.id, details)
        if purchase.flag_id is not None:
            flag = session.get(Flag, purchase.flag_id)
            if flag is not None and flag.status in (FlagStatus.OPEN, FlagStatus.CONFIRMED):
                previous = flag.status
                flag.status = FlagStatus.PURCHASE_ORDERED
                flag.updated_at = now
                audit(
                    session,
                    clock,
                    actor,
                    "flag.purchase_ordered",
                    "flag",
                    flag.id,
                    {"from": str(previous), "purchase_id": purchase.id},
                )
    plan.status = APPROVED
    plan.approved_at = now
    plan.approved_by = actor_name(actor)
    plan.approved_by_id = actor.id if isinstance(actor, User) else None
    session.flush()
    audit(
        session,
        clock,
        actor,
        "plan.approve",
        "purchase_plan",
        plan.id,
        {"purchases": len(purchases), "cost": str(plan_cost(plan))},
    )
    return plan
