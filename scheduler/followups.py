"""After a flag is acted on: re-check reported listings for takedown, and look for relisted copies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crawler.context import AppContext
from crawler.storage.engine import transaction
from crawler.storage.models import Flag, FlagStatus, Image, Listing, ListingImage, ReviewDecision
from crawler.storage.repositories import AuditRepository
from matchers.photos import HashIndex

#: Perceptual-hash distance (of 64 bits) under which two photos are taken as the same product photo.
PHOTO_RADIUS = 8
REPORTED = (FlagStatus.CONFIRMED, FlagStatus.PURCHASE_ORDERED, FlagStatus.CLOSED)


@dataclass
class RecheckResult:
    checked: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        removed = sum(1 for c in self.checked if c["state"] == "removed")
        return {
            "checked": len(self.checked),
            "removed": removed,
            "still_online": len(self.checked) - removed,
            "listings": self.checked[:50],
        }


def due_for_recheck(context: AppContext, after_days: int) -> list[tuple[int, int]]:
    """(flag id, listing id) of confirmed flags decided at least ``after_days`` ago."""
    cutoff = context.clock.now() - timedelta(days=after_days)
    with context.sessions() as session:
        stmt = (
            select(Flag.id, Flag.listing_id)
            .join(ReviewDecision, ReviewDecision.flag_id == Flag.id)
            .where(
                Flag.status.in_(REPORTED),
                ReviewDecision.decision == "confirm",
                ReviewDecision.decided_at <= cutoff,
            )
            .distinct()
            .order_by(Flag.id)
        )
        return [(flag_id, listing_id) for flag_id, listing_id in session.execute(stmt)]


GONE_STATUSES = (404, 410)


def captured_http_status(context: AppContext, capture_id: int | None) -> int | None:
    """The HTTP status the product page answered with, as recorded in the capture's manifest."""
    import json

    from crawler.evidence.layout import EvidenceLayout
    from crawler.storage.models import EvidenceCapture

    if capture_id is None:
        return None
    with context.sessions() as session:
        capture = session.get(EvidenceCapture, capture_id)
        digest = capture.manifest_sha256 if capture else ""
    if not digest:
        return None
    manifest = json.loads(EvidenceLayout.from_settings(context.settings).store.get(digest))
    status = manifest.get("http_status")
    return int(status) if status is not None else None


def takedown_recheck(context: AppContext, after_days: int, capture: bool = True) -> RecheckResult:
    """Capture each reported listing again (evidence of what is online now) and record whether it was
    taken down: gone from the last crawl, or the page no longer answers."""
    from crawler.evidence.service import capture_listing
    from crawler.takedown.status import record_recheck

    result = RecheckResult()
    for flag_id, listing_id in due_for_recheck(context, after_days):
        outcome = None
        if capture:
            outcome = capture_listing(context, listing_id, flag_id=flag_id)
        answered = captured_http_status(context, outcome.capture_id) if outcome else None
        with transaction(context.sessions) as session:
            listing = session.get(Listing, listing_id)
            if answered in GONE_STATUSES and listing.gone_at is None:
                listing.gone_at = context.clock.now()
                listing.available = False
            removed = (
                listing.gone_at is not None
                or not listing.available
                or (outcome is not None and outcome.status == "failed")
            )
            state = "removed" if removed else "still online"
            AuditRepository(session, context.clock).record(
                "takedown.recheck",
                "flag",
                flag_id,
                actor="scheduler",
                details={
                    "listing_id": listing_id,
                    "state": state,
                    "http_status": answered,
                    "capture_id": outcome.capture_id if outcome else None,
                },
            )
            record_recheck(session, context.clock, flag_id, state, outcome.capture_id if outcome else None)
        result.checked.append(
            {
                "flag_id": flag_id,
                "listing_id": listing_id,
                "state": state,
                "capture_id": outcome.capture_id if outcome else None,
            }
        )
    return result


def _unsigned(value: int) -> int:
    return int(value) & 0xFFFFFFFFFFFFFFFF


def relisting_search(context: AppContext, radius: int = PHOTO_RADIUS) -> dict[str, Any]:
    """For taken-down listings of reported flags, find live listings with the same photo or the same seller
    and model, and flag them as possible relistings (one flag per original and copy)."""
    now = context.clock.now()
    created, seen = 0, 0
    with transaction(context.sessions) as session:
        originals = list(
            session.scalars(
                select(Flag)
                .join(Listing, Flag.listing_id == Listing.id)
                .where(Flag.status.in_(REPORTED), Listing.gone_at.is_not(None), Flag.kind != "relisting")
                .options(
                    selectinload(Flag.listing).selectinload(Listing.images).selectinload(ListingImage.image)
                )
            )
        )
        if not originals:
            return {"taken_down": 0, "candidates": 0, "flags_created": 0}
        live_rows = session.execute(
            select(Listing.id, Listing.seller_id, Listing.model, ListingImage.image_id)
            .join(ListingImage, ListingImage.listing_id == Listing.id, isouter=True)
            .where(Listing.gone_at.is_(None))
        ).all()
        phash_of = dict(session.execute(select(Image.id, Image.phash).where(Image.phash.is_not(None))).all())
        owners: list[int] = []
        hashes: list[int] = []
        by_seller_model: dict[tuple[int, str], set[int]] = {}
        for listing_id, seller_id, model, image_id in live_rows:
            if image_id in phash_of:
                owners.append(listing_id)
                hashes.append(_unsigned(phash_of[image_id]))
            if seller_id and model:
                by_seller_model.setdefault((seller_id, model.strip().lower()), set()).add(listing_id)
        index = HashIndex(hashes) if hashes else None
        for flag in originals:
            original = flag.listing
            reasons: dict[int, list[str]] = {}
            for img in original.images:
                if img.image is None or img.image.phash is None or index is None:
                    continue
                query = _unsigned(img.image.phash)
                for position, distance in index.search(query, radius):
                    reasons.setdefault(owners[position], []).append(f"photo distance {distance}/64")
            if original.seller_id and original.model:
                for other in by_seller_model.get((original.seller_id, original.model.strip().lower()), ()):
                    reasons.setdefault(other, []).append(f"same seller, model {original.model}")
            reasons.pop(original.id, None)
            seen += len(reasons)
            for copy_id, why in sorted(reasons.items()):
                subject = f"listing:{original.id}"
                exists = session.scalar(
                    select(Flag.id).where(
                        Flag.listing_id == copy_id, Flag.kind == "relisting", Flag.subject == subject
                    )
                )
                if exists:
                    continue
                session.add(
                    Flag(
                        listing_id=copy_id,
                        kind="relisting",
                        subject=subject,
                        entry_id=flag.entry_id,
                        list_type=flag.list_type,
                        risk_score=flag.risk_score,
                        created_at=now,
                        updated_at=now,
                        explanation=[
                            f"possible relisting of taken-down listing {original.id} "
                            f"({original.platform_item_id})",
                            *sorted(set(why)),
                        ],
                    )
                )
                created += 1
    return {"taken_down": len(originals), "candidates": seen, "flags_created": created}
