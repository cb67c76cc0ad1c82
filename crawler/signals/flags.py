"""Signal flags: one per (listing, kind, subject), with the listing's combined risk score."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.storage.models import Flag, FlagStatus, ListType
from crawler.timeutil import Clock
from matchers.risk_signals.findings import Finding

LIST_TYPE_OF = {
    "licence": ListType.LICENCE,
    "licensed_ip": ListType.LICENSED,
    "blacklist": ListType.BLACKLIST,
}
SIGNAL_KINDS = ("licence", "licence_missing", "ccc_missing", "licensed_ip", "blacklist", "price")


def upsert_signal_flag(
    session: Session, clock: Clock, listing_id: int, finding: Finding, risk: float, explanation: list[str]
) -> tuple[Flag, bool]:
    """Create the flag, or refresh it; a flag an analyst has decided keeps its status and risk."""
    now = clock.now()
    row = session.scalar(
        select(Flag).where(
            Flag.listing_id == listing_id, Flag.kind == finding.kind, Flag.subject == finding.subject[:200]
        )
    )
    created = row is None
    if row is None:
        row = Flag(
            listing_id=listing_id,
            kind=finding.kind,
            subject=finding.subject[:200],
            status=FlagStatus.OPEN,
            created_at=now,
        )
        session.add(row)
    entry_id = finding.details.get("entry_id")
    row.entry_id = int(entry_id) if entry_id and str(entry_id).isdigit() else None
    row.list_type = LIST_TYPE_OF.get(finding.kind)
    if created or row.status == FlagStatus.OPEN:
        row.risk_score = risk
    row.explanation = explanation
    row.updated_at = now
    return row, created
