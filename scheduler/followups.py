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
        from crawler.takedown.recheck import RecheckState

        def count(state: RecheckState) -> int:
            return sum(1 for c in self.checked if c["state"] == state.value)

        return {
            "checked": len(self.checked),
            "removed": count(RecheckState.REMOVED),
            "still_online": count(RecheckState.STILL_ONLINE),
            "unknown": count(RecheckState.UNKNOWN),
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


def captured_page(context: AppContext, capture_id: int | None) -> tuple[int | None, str]:
    """The HTTP status the product page answered with (from the capture's manifest) and its HTML."""
    import json

    from crawler.evidence.layout import EvidenceLayout
    from crawler.storage.models import EvidenceArtefact, EvidenceCapture

    if capture_id is None:
        return None, ""
    store = EvidenceLayout.from_settings(context.settings).store
    with context.sessions() as session:
        capture = session.get(EvidenceCapture, capture_id)
        digest = capture.manifest_sha256 if capture else ""
        html_sha = session.scalar(
            select(EvidenceArtefact.sha256).where(
                EvidenceArtefact.capture_id == capture_id, EvidenceArtefact.kind == "html"
            )
        )
    if not digest:
        return None, ""
    status = json.loads(store.get(digest)).get("http_status")
    html = store.get(html_sha).decode("utf-8", errors="replace") if html_sha else ""
    return (int(status) if status is not None else None), html


def takedown_recheck(context: AppContext, after_days: int, capture: bool = True) -> RecheckResult:
    """Capture each reported listing again (evidence of what is online now) and record what the capture
    shows: removed (404/410 or a delisted page), still online, or unknown when the re-capture failed
    (``crawler.takedown.recheck`` has the rules). Without ``capture`` the last crawl decides."""
    from crawler.evidence.service import EvidenceService
    from crawler.takedown.recheck import RecheckState, judge, page_reads_gone
    from crawler.takedown.status import record_recheck

    result = RecheckResult()
    due = due_for_recheck(context, after_days)
    outcomes: dict[int, Any] = {}
    if capture and due:
        service = EvidenceService(context)
        targets: dict[int, Any] = {}
        for flag_id, listing_id in due:
            if listing_id in targets:
                targets[listing_id].flag_ids.append(flag_id)
                continue
            target = service.target_for_listing(listing_id, flag_id=flag_id)
            if target is not None:
                targets[listing_id] = target
        # One browser and one capture per listing for the whole batch; a capture that could not be
        # stored has capture_id None.
        outcomes = {o.listing_id: o for o in service.capture(list(targets.values()))}
    for flag_id, listing_id in due:
        outcome = outcomes.get(listing_id)
        capture_id = outcome.capture_id if outcome is not None else None
        answered, html = captured_page(context, capture_id)
        with transaction(context.sessions) as session:
            listing = session.get(Listing, listing_id)
            page_gone = (
                page_reads_gone(
                    listing.platform.code if listing.platform else "",
                    listing.url or "",
                    html,
                    listing.platform_item_id,
                )
                if html and answered is not None
                else None
            )
            verdict = judge(
                captured=capture,
                http_status=answered,
                page_gone=page_gone,
                listing_gone=listing.gone_at is not None or not listing.available,
                capture_ok=outcome is not None and outcome.status in ("complete", "partial", "unlogged"),
            )
            if verdict.state is RecheckState.REMOVED and capture and listing.gone_at is None:
                listing.gone_at = context.clock.now()
                listing.available = False
            AuditRepository(session, context.clock).record(
                "takedown.recheck",
                "flag",
                flag_id,
                actor="scheduler",
                details={
                    "listing_id": listing_id,
                    "state": verdict.state.value,
                    "reason": verdict.reason,
                    "http_status": answered,
                    "capture_id": capture_id,
                    "capture_status": outcome.status if outcome is not None else None,
                },
            )
            record_recheck(session, context.clock, flag_id, verdict.state, capture_id, verdict.reason)
        result.checked.append(
            {
                "flag_id": flag_id,
                "listing_id": listing_id,
                "state": verdict.state.value,
                "reason": verdict.reason,
                "capture_id": capture_id,
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
