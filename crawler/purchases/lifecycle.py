"""The life of a purchase: planned → ordered → received → sent to lab → result (or cancelled before the
lab). Every step is checked against the allowed transitions and written to the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from crawler.purchases.actors import Actor, audit
from crawler.purchases.labs import accepts, turnaround_days
from crawler.purchases.plans import APPROVED
from crawler.storage.models import Purchase, PurchaseStatus
from crawler.storage.repositories.purchases import LabRepository, PurchaseRepository
from crawler.timeutil import Clock, to_local

S = PurchaseStatus
TRANSITIONS: dict[PurchaseStatus, tuple[PurchaseStatus, ...]] = {
    S.PLANNED: (S.ORDERED, S.CANCELLED),
    S.ORDERED: (S.RECEIVED, S.CANCELLED),
    S.RECEIVED: (S.SENT_TO_LAB, S.CANCELLED),
    S.SENT_TO_LAB: (S.RESULT,),
    S.RESULT: (),
    S.CANCELLED: (),
}


class LifecycleError(ValueError):
    """A step that cannot be taken, with the reason in words."""


class IllegalTransition(LifecycleError):
    pass


def _label(purchase: Purchase) -> str:
    code = purchase.sample.sample_code if purchase.sample else None
    return f"purchase {purchase.id}" + (f" ({code})" if code else "")


def check_transition(purchase: Purchase, target: PurchaseStatus) -> None:
    current = PurchaseStatus(purchase.status)
    allowed = TRANSITIONS[current]
    if target not in allowed:
        nxt = ", ".join(s.value for s in allowed) or "nothing (it is finished)"
        raise IllegalTransition(
            f"{_label(purchase)} is {current.value}; it cannot become {target.value}. Allowed next: {nxt}"
        )
    if current == S.PLANNED and (purchase.plan is None or purchase.plan.status != APPROVED):
        raise IllegalTransition(f"{_label(purchase)} belongs to a plan that is not approved yet")


def _load(session: Session, purchase_id: int) -> Purchase:
    purchase = PurchaseRepository(session).purchase(purchase_id)
    if purchase is None:
        raise LifecycleError(f"no purchase {purchase_id}")
    return purchase


def transition(
    session: Session,
    clock: Clock,
    actor: Actor,
    purchase: Purchase,
    target: PurchaseStatus,
    details: dict[str, Any],
) -> Purchase:
    previous = PurchaseStatus(purchase.status)
    check_transition(purchase, target)
    purchase.status = target
    purchase.updated_at = clock.now()
    session.flush()
    audit(
        session,
        clock,
        actor,
        f"purchase.{target.value}",
        "purchase",
        purchase.id,
        {"from": previous.value, "to": target.value, **details},
    )
    return purchase


def mark_ordered(
    session: Session,
    clock: Clock,
    actor: Actor,
    purchase_id: int,
    order_no: str,
    price_paid: Decimal | str | None = None,
    buyer: str | None = None,
) -> Purchase:
    purchase = _load(session, purchase_id)
    order_no = (order_no or "").strip()
    if not order_no:
        raise LifecycleError(f"{_label(purchase)}: the platform's order number is needed")
    paid = None
    if price_paid is not None and str(price_paid).strip():
        try:
            paid = Decimal(str(price_paid).strip()).quantize(Decimal("0.01"))
        except InvalidOperation as exc:
            raise LifecycleError(f"{_label(purchase)}: price paid {price_paid!r} is not an amount") from exc
        if paid < 0:
            raise LifecycleError(f"{_label(purchase)}: price paid must not be negative")
    check_transition(purchase, S.ORDERED)
    purchase.order_no = order_no
    purchase.price_paid = paid
    if buyer:
        purchase.buyer = buyer
    return transition(
        session,
        clock,
        actor,
        purchase,
        S.ORDERED,
        {
            "order_no": order_no,
            "price_paid": str(paid) if paid is not None else None,
            "buyer": purchase.buyer,
        },
    )


def mark_received(
    session: Session,
    clock: Clock,
    actor: Actor,
    purchase_id: int,
    condition: str,
    parcel_photos: list[str] | None = None,
) -> Purchase:
    purchase = _load(session, purchase_id)
    check_transition(purchase, S.RECEIVED)
    if purchase.sample is None:
        raise LifecycleError(f"{_label(purchase)} has no sample ID; approve its plan first")
    purchase.sample.received_at = clock.now()
    purchase.sample.condition = (condition or "").strip()
    purchase.sample.parcel_photos = list(parcel_photos or [])
    return transition(
        session,
        clock,
        actor,
        purchase,
        S.RECEIVED,
        {"condition": purchase.sample.condition, "parcel_photos": purchase.sample.parcel_photos},
    )


def send_to_lab(
    session: Session, clock: Clock, actor: Actor, purchase_id: int, lab_code: str | None = None
) -> Purchase:
    purchase = _load(session, purchase_id)
    check_transition(purchase, S.SENT_TO_LAB)
    labs = LabRepository(session)
    lab = labs.by_code(lab_code) if lab_code else purchase.lab
    if lab is None:
        raise LifecycleError(
            f"{_label(purchase)}: " + (f"no lab {lab_code!r}" if lab_code else "no lab assigned; name one")
        )
    category = purchase.listing.category
    if not accepts(lab, category.code if category else None):
        raise LifecycleError(
            f"{_label(purchase)}: lab {lab.code} does not accept category "
            f"{category.code if category else 'unknown'}"
        )
    purchase.lab_id = lab.id
    purchase.sample.lab_id = lab.id  # type: ignore[union-attr]
    purchase.sample.sent_at = clock.now()  # type: ignore[union-attr]
    return transition(session, clock, actor, purchase, S.SENT_TO_LAB, {"lab": lab.code})


def cancel(session: Session, clock: Clock, actor: Actor, purchase_id: int, reason: str) -> Purchase:
    purchase = _load(session, purchase_id)
    if not (reason or "").strip():
        raise LifecycleError(f"{_label(purchase)}: say why it is cancelled")
    return transition(session, clock, actor, purchase, S.CANCELLED, {"reason": reason.strip()})


@dataclass(frozen=True)
class OverdueItem:
    """A purchase behind schedule: ``stage`` says what is late (ordering, delivery, sending, the lab)."""

    purchase_id: int
    sample_code: str | None
    status: str
    stage: str
    due_on: date
    days_overdue: int
    platform: str
    title: str
    buyer: str
    lab: str | None

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "due_on": self.due_on.isoformat()}


_STAGE = {
    S.PLANNED: "not ordered",
    S.ORDERED: "not received",
    S.RECEIVED: "not sent to the lab",
    S.SENT_TO_LAB: "no lab result",
}


def overdue(session: Session, clock: Clock, zone: str | None = None) -> list[OverdueItem]:
    """Purchases past their due date (in the bureau's local date), and samples at a lab longer than the
    lab's turnaround; most overdue first."""
    now = clock.now()
    today = (to_local(now, zone) if zone else to_local(now)).date()
    repo = PurchaseRepository(session)
    items = []
    for p in repo.overdue(today):
        items.append((p, p.due_on))
    for p in repo.awaiting_results():
        if p.sample and p.sample.sent_at and p.lab:
            due = to_local(p.sample.sent_at).date() + timedelta(days=turnaround_days(p.lab))
            if due < today:
                items.append((p, due))
    out = [
        OverdueItem(
            purchase_id=p.id,
            sample_code=p.sample.sample_code if p.sample else None,
            status=PurchaseStatus(p.status).value,
            stage=_STAGE[PurchaseStatus(p.status)],
            due_on=due,
            days_overdue=(today - due).days,
            platform=p.listing.platform.code,
            title=p.listing.title,
            buyer=p.buyer,
            lab=p.lab.code if p.lab else None,
        )
        for p, due in items
    ]
    out.sort(key=lambda o: (-o.days_overdue, o.purchase_id))
    return out
