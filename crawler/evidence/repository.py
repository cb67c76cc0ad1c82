"""Queries for evidence: captures, their artefacts, the flags and listings they are about."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from crawler.storage.models import EvidenceArtefact, EvidenceCapture, Flag, Image, Listing, ListingImage


class EvidenceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def listing(self, listing_id: int) -> Listing | None:
        stmt = (
            select(Listing)
            .where(Listing.id == listing_id)
            .options(selectinload(Listing.platform), selectinload(Listing.images))
        )
        return self.session.scalar(stmt)

    def listing_by_url(self, url: str) -> Listing | None:
        variants = {url, url.rstrip("/")}
        for scheme_from, scheme_to in (("https://", "http://"), ("http://", "https://")):
            if url.startswith(scheme_from):
                variants.add(scheme_to + url[len(scheme_from) :])
        stmt = select(Listing).where(Listing.url.in_(variants)).order_by(Listing.id).limit(1)
        return self.session.scalar(stmt)

    def flags(self, flag_ids: Iterable[int]) -> list[Flag]:
        ids = sorted(set(flag_ids))
        if not ids:
            return []
        stmt = (
            select(Flag)
            .where(Flag.id.in_(ids))
            .options(selectinload(Flag.listing).selectinload(Listing.platform))
            .order_by(Flag.risk_score.desc(), Flag.id)
        )
        return list(self.session.scalars(stmt))

    def flag(self, flag_id: int) -> Flag | None:
        return self.session.get(Flag, flag_id)

    def flag_ids_for_listing(self, listing_id: int) -> list[int]:
        stmt = select(Flag.id).where(Flag.listing_id == listing_id).order_by(Flag.risk_score.desc(), Flag.id)
        return list(self.session.scalars(stmt))

    def photo_urls(self, listing: Listing) -> list[str]:
        stmt = (
            select(ListingImage.source_url)
            .where(ListingImage.listing_id == listing.id)
            .order_by(ListingImage.position, ListingImage.id)
        )
        return [u for u in self.session.scalars(stmt) if u]

    def stored_photos(self, listing: Listing) -> dict[str, tuple[str, str, str, str]]:
        stmt = (
            select(ListingImage.source_url, Image.sha256, Image.path, Image.mime, Image.created_at)
            .join(Image, ListingImage.image_id == Image.id)
            .where(ListingImage.listing_id == listing.id)
        )
        return {
            url: (sha, path, mime or "", created.isoformat())
            for url, sha, path, mime, created in self.session.execute(stmt)
        }

    def capture(self, capture_id: int) -> EvidenceCapture | None:
        stmt = (
            select(EvidenceCapture)
            .where(EvidenceCapture.id == capture_id)
            .options(selectinload(EvidenceCapture.artefacts))
        )
        return self.session.scalar(stmt)

    def captures(self, ids: Sequence[int] | None = None) -> list[EvidenceCapture]:
        stmt = (
            select(EvidenceCapture)
            .options(selectinload(EvidenceCapture.artefacts))
            .order_by(EvidenceCapture.id)
        )
        if ids is not None:
            stmt = stmt.where(EvidenceCapture.id.in_(list(ids)))
        return list(self.session.scalars(stmt))

    def captures_for_listing(self, listing_id: int) -> list[EvidenceCapture]:
        stmt = (
            select(EvidenceCapture)
            .where(EvidenceCapture.listing_id == listing_id)
            .options(selectinload(EvidenceCapture.artefacts))
            .order_by(EvidenceCapture.captured_at, EvidenceCapture.id)
        )
        return list(self.session.scalars(stmt))

    def listings_captured_since(self, since: datetime) -> set[int]:
        stmt = select(EvidenceCapture.listing_id).where(
            EvidenceCapture.captured_at >= since, EvidenceCapture.status != "failed"
        )
        return set(self.session.scalars(stmt))

    def expired_unflagged(self, before: datetime) -> list[EvidenceCapture]:
        """Captures older than ``before`` whose listing has no flag at all."""
        flagged = select(Flag.listing_id)
        stmt = (
            select(EvidenceCapture)
            .where(
                EvidenceCapture.captured_at < before,
                EvidenceCapture.flag_id.is_(None),
                EvidenceCapture.listing_id.not_in(flagged),
            )
            .options(selectinload(EvidenceCapture.artefacts))
            .order_by(EvidenceCapture.id)
        )
        return list(self.session.scalars(stmt))

    def referenced_hashes(self) -> set[str]:
        artefacts = set(self.session.scalars(select(EvidenceArtefact.sha256)))
        manifests = set(self.session.scalars(select(EvidenceCapture.manifest_sha256)))
        return {h for h in artefacts | manifests if h}

    def status_counts(self) -> dict[str, int]:
        """Captures per status (complete, partial, failed, unlogged)."""
        stmt = select(EvidenceCapture.status, func.count(EvidenceCapture.id)).group_by(EvidenceCapture.status)
        return {str(status): int(n) for status, n in self.session.execute(stmt)}

    def reason_counts(self) -> dict[str, int]:
        """Partial and failed captures per content-check reason."""
        stmt = (
            select(EvidenceCapture.check_reason, func.count(EvidenceCapture.id))
            .where(EvidenceCapture.check_reason.is_not(None))
            .group_by(EvidenceCapture.check_reason)
        )
        return {str(reason): int(n) for reason, n in self.session.execute(stmt)}

    def checked_captures_since(self, since: datetime, statuses: Sequence[str]) -> list[EvidenceCapture]:
        """Captures made since ``since`` with one of ``statuses`` (for the morning digest)."""
        stmt = (
            select(EvidenceCapture)
            .where(EvidenceCapture.captured_at >= since, EvidenceCapture.status.in_(list(statuses)))
            .order_by(EvidenceCapture.id)
        )
        return list(self.session.scalars(stmt))

    def counts(self) -> dict[str, int]:
        captures = self.session.scalar(select(func.count(EvidenceCapture.id))) or 0
        flagged = (
            self.session.scalar(
                select(func.count(EvidenceCapture.id)).where(EvidenceCapture.flag_id.is_not(None))
            )
            or 0
        )
        artefacts = self.session.scalar(select(func.count(EvidenceArtefact.id))) or 0
        logical = self.session.scalar(select(func.coalesce(func.sum(EvidenceArtefact.size), 0))) or 0
        distinct = self.session.scalar(select(func.count(func.distinct(EvidenceArtefact.sha256)))) or 0
        return {
            "captures": int(captures),
            "flagged_captures": int(flagged),
            "artefacts": int(artefacts),
            "distinct_artefacts": int(distinct),
            "artefact_bytes_logical": int(logical),
        }
