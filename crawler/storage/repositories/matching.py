"""List matching: runs, the listings a run must look at, and match/flag upserts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from crawler.storage.models import (
    Decision,
    Flag,
    FlagStatus,
    Listing,
    ListingImage,
    Match,
    MatchRun,
    ReferenceEntry,
    ReferenceListVersion,
    ReviewDecision,
)
from crawler.storage.repositories.audit import AuditRepository
from crawler.storage.repositories.review import listing_state
from crawler.timeutil import Clock

FLAG_KIND = "match"


class MatchRepository:
    def __init__(self, session: Session, clock: Clock) -> None:
        self.session = session
        self.clock = clock
        self.reopened = 0

    def _changed_since_dismissal(self, flag: Flag) -> bool:
        state = self.session.scalar(
            select(ReviewDecision.listing_state)
            .where(ReviewDecision.flag_id == flag.id, ReviewDecision.decision == "dismiss")
            .order_by(ReviewDecision.decided_at.desc(), ReviewDecision.id.desc())
            .limit(1)
        )
        if state is None:
            return False  # dismissed before states were kept: nothing to compare with
        listing = self.session.get(Listing, flag.listing_id)
        return listing is not None and listing_state(listing) != state

    def last_run(self) -> MatchRun | None:
        stmt = (
            select(MatchRun)
            .where(MatchRun.finished_at.is_not(None))
            .order_by(MatchRun.finished_at.desc(), MatchRun.id.desc())
            .limit(1)
        )
        return self.session.scalar(stmt)

    def start_run(self, matcher_version: str, mode: str) -> MatchRun:
        run = MatchRun(
            started_at=self.clock.now(),
            matcher_version=matcher_version,
            mode=mode,
            version_ids=[],
            summary={},
        )
        self.session.add(run)
        self.session.flush()
        return run

    def finish_run(
        self, run: MatchRun, until: datetime | None, version_ids: list[int], summary: dict[str, Any]
    ) -> None:
        run.finished_at = self.clock.now()
        run.listings_changed_until = until
        run.version_ids = sorted(version_ids)
        run.summary = summary
        self.session.flush()

    def active_version_ids(self) -> list[int]:
        stmt = select(ReferenceListVersion.id).where(ReferenceListVersion.active.is_(True))
        return sorted(self.session.scalars(stmt))

    def entries_of_versions(self, version_ids: list[int]) -> list[ReferenceEntry]:
        if not version_ids:
            return []
        stmt = (
            select(ReferenceEntry)
            .where(ReferenceEntry.version_id.in_(version_ids))
            .options(selectinload(ReferenceEntry.category))
            .order_by(ReferenceEntry.id)
        )
        return list(self.session.scalars(stmt))

    def latest_change(self) -> datetime | None:
        return self.session.scalar(select(func.max(Listing.last_changed_at)))

    def listing_ids(self, changed_after: datetime | None = None) -> list[int]:
        stmt = select(Listing.id).where(Listing.gone_at.is_(None)).order_by(Listing.id)
        if changed_after is not None:
            stmt = stmt.where(Listing.last_changed_at > changed_after)
        return list(self.session.scalars(stmt))

    def listings(self, ids: list[int], batch: int = 500) -> Iterator[Listing]:
        for start in range(0, len(ids), batch):
            stmt = (
                select(Listing)
                .where(Listing.id.in_(ids[start : start + batch]))
                .options(
                    selectinload(Listing.images).selectinload(ListingImage.image),
                    selectinload(Listing.seller),
                    selectinload(Listing.platform),
                    selectinload(Listing.category),
                )
                .order_by(Listing.id)
            )
            yield from self.session.scalars(stmt)

    def upsert_match(
        self,
        listing_id: int,
        entry_id: int,
        score: float,
        decision: Decision,
        reasons: list[str],
        version: str,
    ) -> tuple[Match, bool]:
        now = self.clock.now()
        row = self.session.scalar(
            select(Match).where(Match.listing_id == listing_id, Match.entry_id == entry_id)
        )
        created = row is None
        if row is None:
            row = Match(listing_id=listing_id, entry_id=entry_id, created_at=now)
            self.session.add(row)
        row.score = score
        row.decision = decision
        row.reasons = reasons
        row.matcher_version = version
        row.updated_at = now
        self.session.flush()
        return row, created

    def upsert_flag(
        self, match: Match, entry: ReferenceEntry, risk: float, explanation: list[str]
    ) -> tuple[Flag, bool]:
        """Create the flag of a match, or refresh an open one; a flag an analyst has decided keeps its
        status and risk, and only its explanation is refreshed. A dismissed flag is raised again (open,
        with a fresh risk) only when the listing's title, model or photos changed since the dismissal;
        ``reopened`` counts those."""
        now = self.clock.now()
        subject = f"entry:{entry.id}"
        row = self.session.scalar(
            select(Flag).where(
                Flag.listing_id == match.listing_id, Flag.kind == FLAG_KIND, Flag.subject == subject
            )
        )
        created = row is None
        if row is None:
            row = Flag(
                listing_id=match.listing_id,
                kind=FLAG_KIND,
                subject=subject,
                status=FlagStatus.OPEN,
                created_at=now,
            )
            self.session.add(row)
        row.match_id = match.id
        row.entry_id = entry.id
        row.list_type = entry.list_type
        if row.status == FlagStatus.DISMISSED and self._changed_since_dismissal(row):
            row.status = FlagStatus.OPEN
            self.reopened += 1
            AuditRepository(self.session, self.clock).record(
                "flag.reopened", "flag", row.id, details={"why": "listing changed since the dismissal"}
            )
        if created or row.status == FlagStatus.OPEN:
            row.risk_score = risk
        row.explanation = explanation
        row.updated_at = now
        self.session.flush()
        return row, created
