"""The analysts' review queue: flags ranked by risk, their detail, and the decisions taken on them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression

from crawler.storage.models import (
    Category,
    DismissReason,
    EvidenceCapture,
    Flag,
    FlagStatus,
    Listing,
    ListingImage,
    ListType,
    Platform,
    Purchase,
    PurchaseStatus,
    ReferenceEntry,
    ReferenceListVersion,
    ReviewDecision,
    Seller,
    User,
)
from crawler.storage.repositories.audit import AuditRepository
from crawler.timeutil import Clock

#: How far the queue counts before it says "more than".
COUNT_CAP = 2_000


class ReviewError(ValueError):
    """A decision that cannot be taken; ``code`` names the reason for the screens' translations."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class QueueFilter:
    status: FlagStatus | None = FlagStatus.OPEN
    category: str | None = None
    platform: str | None = None
    list_type: ListType | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Cursor:
    """Keyset position: the last row shown (risk descending, then id descending)."""

    risk: float
    flag_id: int

    def encode(self) -> str:
        return f"{self.risk!r}_{self.flag_id}"

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        if not text:
            return None
        try:
            risk, flag_id = text.split("_", 1)
            return cls(float(risk), int(flag_id))
        except ValueError:
            return None


@dataclass(frozen=True)
class QueueRow:
    flag_id: int
    risk_score: float
    status: str
    kind: str
    list_type: str | None
    reasons: list[Any]
    created_at: datetime
    listing_id: int
    title: str
    price: Decimal | None
    price_masked: bool
    currency: str
    platform_code: str
    platform_name: str
    category_code: str | None
    category_zh: str | None
    category_en: str | None
    seller_id: int | None
    seller_name: str | None


@dataclass
class QueuePage:
    rows: list[QueueRow]
    next_cursor: Cursor | None
    total: int
    total_capped: bool


@dataclass
class FlagDetail:
    flag: Flag
    listing: Listing
    captures: list[EvidenceCapture]
    purchases: list[Purchase]
    other_flags: list[Flag] = field(default_factory=list)


ACTIONS = ("confirm", "dismiss", "purchase")


def listing_state(listing: Listing) -> str:
    """What of a listing a decision rests on, as one SHA-256: its title (spacing and case aside), its
    model and its photos (perceptual hashes, or the file's hash where none). A price, sales count or
    re-downloaded photo leaves it unchanged; a new title, model or picture changes it."""
    photos = sorted(
        str(img.image.phash if img.image.phash is not None else img.image.sha256)
        for img in listing.images
        if img.image is not None
    )
    shown = {
        "title": " ".join((listing.title or "").split()).casefold(),
        "model": " ".join((listing.model or "").split()).casefold(),
        "photos": photos,
    }
    return hashlib.sha256(json.dumps(shown, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def dismiss_reason(value: str | DismissReason | None) -> DismissReason | None:
    """A dismissal's reason code from a form or command line value (empty: none given)."""
    if value is None or isinstance(value, DismissReason):
        return value
    text = value.strip().lower().replace("-", "_")
    if not text:
        return None
    try:
        return DismissReason(text)
    except ValueError:
        raise ReviewError("unknown_reason", f"unknown dismissal reason {value!r}") from None


class ReviewRepository:
    def __init__(self, session: Session, clock: Clock) -> None:
        self.session = session
        self.clock = clock

    # --- the queue ---------------------------------------------------------------------------

    def _filtered(self, stmt: Select[Any], filt: QueueFilter, ranked: bool = False) -> Select[Any]:
        created: Any = Flag.created_at
        if ranked and self.session.get_bind().dialect.name == "sqlite":
            # Unary plus keeps SQLite on the risk index for a page (stopping after one page) instead of
            # taking the date index and sorting the whole date range by risk.
            created = UnaryExpression(
                Flag.created_at, operator=operators.custom_op("+"), type_=Flag.created_at.type
            )
        if filt.status is not None:
            stmt = stmt.where(Flag.status == filt.status)
        if filt.list_type is not None:
            stmt = stmt.where(Flag.list_type == filt.list_type)
        if filt.since is not None:
            stmt = stmt.where(created >= filt.since)
        if filt.until is not None:
            stmt = stmt.where(created < filt.until)
        if filt.platform:
            stmt = stmt.where(
                Listing.platform_id
                == select(Platform.id).where(Platform.code == filt.platform).scalar_subquery()
            )
        if filt.category:
            stmt = stmt.where(
                Listing.category_id
                == select(Category.id).where(Category.code == filt.category).scalar_subquery()
            )
        return stmt

    def queue(self, filt: QueueFilter, after: Cursor | None = None, limit: int = 50) -> QueuePage:
        """One page of flags, highest risk first, in a single query (keyset paging)."""
        stmt = (
            select(
                Flag.id,
                Flag.risk_score,
                Flag.status,
                Flag.kind,
                Flag.list_type,
                Flag.explanation,
                Flag.created_at,
                Listing.id,
                Listing.title,
                Listing.price,
                Listing.price_masked,
                Listing.currency,
                Platform.code,
                Platform.name,
                Category.code,
                Category.name_zh,
                Category.name_en,
                Seller.id,
                Seller.name,
            )
            .select_from(Flag)
            .join(Listing, Listing.id == Flag.listing_id)
            .join(Platform, Platform.id == Listing.platform_id)
            .outerjoin(Category, Category.id == Listing.category_id)
            .outerjoin(Seller, Seller.id == Listing.seller_id)
        )
        stmt = self._filtered(stmt, filt, ranked=True)
        if after is not None:
            stmt = stmt.where(
                or_(
                    Flag.risk_score < after.risk,
                    and_(Flag.risk_score == after.risk, Flag.id < after.flag_id),
                )
            )
        stmt = stmt.order_by(Flag.risk_score.desc(), Flag.id.desc()).limit(limit + 1)
        raw = self.session.execute(stmt).all()
        rows = [
            QueueRow(
                flag_id=r[0],
                risk_score=r[1],
                status=str(r[2]),
                kind=r[3],
                list_type=str(r[4]) if r[4] is not None else None,
                reasons=list(r[5] or []),
                created_at=r[6],
                listing_id=r[7],
                title=r[8],
                price=r[9],
                price_masked=r[10],
                currency=r[11],
                platform_code=r[12],
                platform_name=r[13],
                category_code=r[14],
                category_zh=r[15],
                category_en=r[16],
                seller_id=r[17],
                seller_name=r[18],
            )
            for r in raw[:limit]
        ]
        next_cursor = Cursor(rows[-1].risk_score, rows[-1].flag_id) if len(raw) > limit and rows else None
        total = self.count(filt)
        return QueuePage(rows, next_cursor, min(total, COUNT_CAP), total > COUNT_CAP)

    def count(self, filt: QueueFilter, cap: int = COUNT_CAP) -> int:
        inner = select(Flag.id).select_from(Flag)
        if filt.platform or filt.category:
            inner = inner.join(Listing, Listing.id == Flag.listing_id)
        inner = self._filtered(inner, filt).limit(cap + 1).subquery()
        return self.session.scalar(select(func.count()).select_from(inner)) or 0

    # --- detail ------------------------------------------------------------------------------

    def flag_detail(self, flag_id: int) -> FlagDetail | None:
        flag = self.session.scalar(
            select(Flag)
            .where(Flag.id == flag_id)
            .options(
                selectinload(Flag.listing).selectinload(Listing.platform),
                selectinload(Flag.listing).selectinload(Listing.category),
                selectinload(Flag.listing).selectinload(Listing.seller),
                selectinload(Flag.listing).selectinload(Listing.snapshots),
                selectinload(Flag.listing).selectinload(Listing.images).selectinload(ListingImage.image),
                selectinload(Flag.match),
                selectinload(Flag.entry)
                .selectinload(ReferenceEntry.version)
                .selectinload(ReferenceListVersion.reference_list),
                selectinload(Flag.decisions).selectinload(ReviewDecision.user),
            )
        )
        if flag is None:
            return None
        return FlagDetail(
            flag=flag,
            listing=flag.listing,
            captures=self.captures_for(flag.listing_id, flag.id),
            purchases=list(
                self.session.scalars(
                    select(Purchase).where(Purchase.flag_id == flag.id).order_by(Purchase.id)
                )
            ),
            other_flags=list(
                self.session.scalars(
                    select(Flag)
                    .where(Flag.listing_id == flag.listing_id, Flag.id != flag.id)
                    .order_by(Flag.risk_score.desc())
                )
            ),
        )

    def captures_for(self, listing_id: int, flag_id: int | None = None) -> list[EvidenceCapture]:
        """Evidence captures of the listing, the flag's own first, newest first."""
        rows = list(
            self.session.scalars(
                select(EvidenceCapture)
                .where(EvidenceCapture.listing_id == listing_id)
                .options(selectinload(EvidenceCapture.artefacts))
                .order_by(EvidenceCapture.captured_at.desc(), EvidenceCapture.id.desc())
            )
        )
        return sorted(rows, key=lambda c: c.flag_id != flag_id) if flag_id is not None else rows

    def listing(self, listing_id: int) -> Listing | None:
        return self.session.scalar(
            select(Listing)
            .where(Listing.id == listing_id)
            .options(
                selectinload(Listing.platform),
                selectinload(Listing.category),
                selectinload(Listing.seller),
                selectinload(Listing.snapshots),
                selectinload(Listing.images).selectinload(ListingImage.image),
            )
        )

    def flags_of_listing(self, listing_id: int) -> list[Flag]:
        return list(
            self.session.scalars(
                select(Flag).where(Flag.listing_id == listing_id).order_by(Flag.risk_score.desc(), Flag.id)
            )
        )

    def seller(self, seller_id: int) -> Seller | None:
        return self.session.get(Seller, seller_id)

    def seller_listings(self, seller_id: int, limit: int = 200) -> list[tuple[Listing, int]]:
        """The seller's listings with their number of open flags, most flagged first."""
        open_flags = (
            select(Flag.listing_id, func.count(Flag.id).label("n"))
            .where(Flag.status == FlagStatus.OPEN)
            .group_by(Flag.listing_id)
            .subquery()
        )
        stmt = (
            select(Listing, func.coalesce(open_flags.c.n, 0))
            .outerjoin(open_flags, open_flags.c.listing_id == Listing.id)
            .where(Listing.seller_id == seller_id)
            .options(selectinload(Listing.platform), selectinload(Listing.category))
            .order_by(func.coalesce(open_flags.c.n, 0).desc(), Listing.id)
            .limit(limit)
        )
        return [(row[0], int(row[1])) for row in self.session.execute(stmt)]

    # --- decisions ---------------------------------------------------------------------------

    def decide(
        self,
        flag_ids: list[int],
        action: str,
        user: User,
        note: str = "",
        reason: str | DismissReason | None = None,
    ) -> list[Flag]:
        """Confirm, dismiss or order a test purchase for each flag; each decision is audited.

        A dismissal carries a reason code (``other`` when none is given, and then the note must say
        why) and records what the listing showed, so matching raises the pair again only when the
        listing's title, model or photos change.
        """
        if action not in ACTIONS:
            raise ReviewError("unknown_action", f"unknown decision {action!r}")
        note = note.strip()
        code = dismiss_reason(reason) if action == "dismiss" else None
        if action == "dismiss":
            code = code or DismissReason.OTHER
            if code is DismissReason.OTHER and not note:
                raise ReviewError("needs_reason", "a dismissal needs a reason")
        ids = sorted(set(flag_ids))
        if not ids:
            raise ReviewError("no_flags", "no flags selected")
        flags = list(
            self.session.scalars(
                select(Flag)
                .where(Flag.id.in_(ids))
                .options(
                    selectinload(Flag.listing).selectinload(Listing.images).selectinload(ListingImage.image)
                )
                .order_by(Flag.id)
            )
        )
        missing = set(ids) - {f.id for f in flags}
        if missing:
            raise ReviewError("unknown_flags", f"unknown flags: {', '.join(map(str, sorted(missing)))}")
        now = self.clock.now()
        audit = AuditRepository(self.session, self.clock)
        open_purchases = set()
        if action == "purchase":
            open_purchases = set(
                self.session.scalars(
                    select(Purchase.flag_id).where(
                        Purchase.flag_id.in_(ids), Purchase.status != PurchaseStatus.CANCELLED
                    )
                )
            )
            if open_purchases:
                raise ReviewError(
                    "purchase_exists",
                    "a test purchase is already planned for flag "
                    + ", ".join(map(str, sorted(open_purchases))),
                )
        for flag in flags:
            before = flag.status
            details: dict[str, Any] = {"note": note, "from": str(before)}
            if code is not None:
                details["reason"] = str(code)
            if action == "confirm":
                flag.status = FlagStatus.CONFIRMED
            elif action == "dismiss":
                flag.status = FlagStatus.DISMISSED
            else:
                listing = flag.listing
                purchase = Purchase(
                    listing_id=listing.id,
                    flag_id=flag.id,
                    category_id=listing.category_id,
                    status=PurchaseStatus.PLANNED,
                    reason=note,
                    expected_price=None if listing.price_masked else listing.price,
                    created_at=now,
                    updated_at=now,
                )
                self.session.add(purchase)
                self.session.flush()
                details["purchase_id"] = purchase.id
                flag.status = FlagStatus.PURCHASE_ORDERED
            flag.updated_at = now
            details["to"] = str(flag.status)
            self.session.add(
                ReviewDecision(
                    flag_id=flag.id,
                    user_id=user.id,
                    decision=action,
                    note=note,
                    reason_code=code,
                    listing_state=listing_state(flag.listing) if flag.listing is not None else None,
                    decided_at=now,
                )
            )
            audit.record(f"flag.{action}", "flag", flag.id, user=user, details=details)
        self.session.flush()
        return flags
