"""Purchase plans, purchases, samples and labs: the queries the planner, the lifecycle and the exports use."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from crawler.storage.models import (
    Category,
    Flag,
    FlagStatus,
    Lab,
    Listing,
    Platform,
    Purchase,
    PurchasePlan,
    PurchaseStatus,
    Sample,
    Seller,
)

#: Flag states that make a listing a "confirmed" candidate for a test buy.
CONFIRMED_STATES = (FlagStatus.CONFIRMED, FlagStatus.PURCHASE_ORDERED)
#: Flag states whose risk still counts when ranking a listing for sampling.
LIVE_STATES = (FlagStatus.OPEN, FlagStatus.CONFIRMED, FlagStatus.PURCHASE_ORDERED)
#: Purchases that still tie up a listing (a listing is not bought twice while one of these exists).
LIVE_PURCHASES = (
    PurchaseStatus.PLANNED,
    PurchaseStatus.ORDERED,
    PurchaseStatus.RECEIVED,
    PurchaseStatus.SENT_TO_LAB,
)


@dataclass(frozen=True)
class CandidateRow:
    """A listing with what the planner needs about it, read in a few queries."""

    listing: Listing
    platform: str
    category: Category
    seller_key: str | None
    flags: tuple[Flag, ...]


class PurchaseRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- plans ----------------------------------------------------------------------------------

    def plan(self, plan_id: int) -> PurchasePlan | None:
        stmt = (
            select(PurchasePlan)
            .where(PurchasePlan.id == plan_id)
            .options(
                selectinload(PurchasePlan.purchases).selectinload(Purchase.listing),
                selectinload(PurchasePlan.purchases).selectinload(Purchase.sample),
            )
        )
        return self.session.scalar(stmt)

    def plans(self, period: str | None = None) -> list[PurchasePlan]:
        stmt = select(PurchasePlan).order_by(PurchasePlan.id.desc())
        if period:
            stmt = stmt.where(PurchasePlan.period == period)
        return list(self.session.scalars(stmt))

    def plan_purchases(self, plan_id: int) -> list[Purchase]:
        stmt = (
            select(Purchase)
            .where(Purchase.plan_id == plan_id)
            .options(selectinload(Purchase.listing), selectinload(Purchase.sample))
            .order_by(Purchase.id)
        )
        return list(self.session.scalars(stmt))

    def done_in_period(self, period: str, exclude_plan_id: int | None = None) -> dict[int, int]:
        """Batches per category id already in other plans of ``period`` (cancelled ones excluded)."""
        stmt = (
            select(Purchase.category_id, func.count(Purchase.id))
            .join(PurchasePlan, Purchase.plan_id == PurchasePlan.id)
            .where(PurchasePlan.period == period, Purchase.status != PurchaseStatus.CANCELLED)
            .group_by(Purchase.category_id)
        )
        if exclude_plan_id is not None:
            stmt = stmt.where(PurchasePlan.id != exclude_plan_id)
        return {cat: n for cat, n in self.session.execute(stmt) if cat is not None}

    # --- candidates -----------------------------------------------------------------------------

    def listings_in_live_purchases(self) -> set[int]:
        stmt = select(Purchase.listing_id).where(Purchase.status.in_(LIVE_PURCHASES))
        return set(self.session.scalars(stmt))

    def candidates(self, category_ids: Iterable[int]) -> list[CandidateRow]:
        """Listings still online in the given categories, not already being bought, with their live
        flags; ordered by listing id."""
        ids = list(category_ids)
        if not ids:
            return []
        busy = self.listings_in_live_purchases()
        stmt = (
            select(Listing, Platform.code, Seller.platform_seller_id)
            .join(Platform, Listing.platform_id == Platform.id)
            .outerjoin(Seller, Listing.seller_id == Seller.id)
            .where(
                Listing.category_id.in_(ids),
                Listing.gone_at.is_(None),
                Listing.available.is_(True),
                Platform.enabled.is_(True),
            )
            .options(selectinload(Listing.category))
            .order_by(Listing.id)
        )
        rows = [(lst, plat, sel) for lst, plat, sel in self.session.execute(stmt) if lst.id not in busy]
        flags: dict[int, list[Flag]] = {}
        listing_ids = [r[0].id for r in rows]
        for chunk_start in range(0, len(listing_ids), 500):
            chunk = listing_ids[chunk_start : chunk_start + 500]
            fstmt = (
                select(Flag)
                .where(Flag.listing_id.in_(chunk), Flag.status.in_(LIVE_STATES))
                .options(selectinload(Flag.entry))
                .order_by(Flag.id)
            )
            for flag in self.session.scalars(fstmt):
                flags.setdefault(flag.listing_id, []).append(flag)
        return [
            CandidateRow(
                listing=lst,
                platform=plat,
                category=lst.category,  # type: ignore[arg-type]
                seller_key=f"{plat}:{sel}" if sel else None,
                flags=tuple(flags.get(lst.id, ())),
            )
            for lst, plat, sel in rows
        ]

    def listing(self, listing_id: int) -> Listing | None:
        stmt = (
            select(Listing)
            .where(Listing.id == listing_id)
            .options(selectinload(Listing.category), selectinload(Listing.seller))
        )
        return self.session.scalar(stmt)

    def category_median_price(self, category_id: int) -> Decimal | None:
        prices = sorted(
            self.session.scalars(
                select(Listing.price).where(
                    Listing.category_id == category_id,
                    Listing.price.is_not(None),
                    Listing.price > 0,
                    Listing.gone_at.is_(None),
                )
            )
        )
        if not prices:
            return None
        mid = len(prices) // 2
        value = prices[mid] if len(prices) % 2 else (prices[mid - 1] + prices[mid]) / 2
        return Decimal(value).quantize(Decimal("0.01"))

    # --- purchases and samples ------------------------------------------------------------------

    def purchase(self, purchase_id: int) -> Purchase | None:
        stmt = (
            select(Purchase)
            .where(Purchase.id == purchase_id)
            .options(
                selectinload(Purchase.sample),
                selectinload(Purchase.plan),
                selectinload(Purchase.listing),
                selectinload(Purchase.lab),
            )
        )
        return self.session.scalar(stmt)

    def sample_by_code(self, code: str) -> Sample | None:
        stmt = (
            select(Sample)
            .where(Sample.sample_code == code)
            .options(selectinload(Sample.purchase).selectinload(Purchase.listing))
        )
        return self.session.scalar(stmt)

    def sample_codes_with_prefix(self, prefix: str) -> list[str]:
        stmt = select(Sample.sample_code).where(Sample.sample_code.like(f"{prefix}%"))
        return list(self.session.scalars(stmt))

    def purchases_for_lab(self, lab_id: int, states: Iterable[PurchaseStatus]) -> list[Purchase]:
        stmt = (
            select(Purchase)
            .join(Sample, Sample.purchase_id == Purchase.id)
            .where(Purchase.lab_id == lab_id, Purchase.status.in_(list(states)))
            .options(
                selectinload(Purchase.sample),
                selectinload(Purchase.listing).selectinload(Listing.category),
                selectinload(Purchase.listing).selectinload(Listing.seller),
                selectinload(Purchase.listing).selectinload(Listing.platform),
                selectinload(Purchase.listing).selectinload(Listing.images),
            )
            .order_by(Sample.sample_code)
        )
        return list(self.session.scalars(stmt))

    def overdue(self, today: date) -> list[Purchase]:
        """Purchases past their due date that have not yet reached the lab."""
        stmt = (
            select(Purchase)
            .where(
                Purchase.due_on.is_not(None),
                Purchase.due_on < today,
                Purchase.status.in_(
                    [PurchaseStatus.PLANNED, PurchaseStatus.ORDERED, PurchaseStatus.RECEIVED]
                ),
            )
            .options(
                selectinload(Purchase.sample),
                selectinload(Purchase.listing).selectinload(Listing.platform),
                selectinload(Purchase.plan),
            )
            .order_by(Purchase.due_on, Purchase.id)
        )
        return list(self.session.scalars(stmt))

    def awaiting_results(self) -> list[Purchase]:
        stmt = (
            select(Purchase)
            .where(Purchase.status == PurchaseStatus.SENT_TO_LAB)
            .options(
                selectinload(Purchase.sample),
                selectinload(Purchase.lab),
                selectinload(Purchase.listing).selectinload(Listing.platform),
            )
            .order_by(Purchase.id)
        )
        return list(self.session.scalars(stmt))

    def lab_load(self) -> dict[int, int]:
        """Live purchases assigned to each lab, to spread new samples."""
        stmt = (
            select(Purchase.lab_id, func.count(Purchase.id))
            .where(Purchase.lab_id.is_not(None), Purchase.status.in_(LIVE_PURCHASES))
            .group_by(Purchase.lab_id)
        )
        return {lab: n for lab, n in self.session.execute(stmt)}


class LabRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> list[Lab]:
        return list(self.session.scalars(select(Lab).order_by(Lab.code)))

    def by_code(self, code: str) -> Lab | None:
        return self.session.scalar(select(Lab).where(Lab.code == code))

    def count(self) -> int:
        return self.session.scalar(select(func.count(Lab.id))) or 0

    def add(self, lab: Lab) -> Lab:
        self.session.add(lab)
        self.session.flush()
        return lab
