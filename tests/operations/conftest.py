"""A small surveillance dataset on disk and in the database, for backups and metrics."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.config import Settings
from crawler.context import AppContext
from crawler.evidence.service import EvidenceService
from crawler.storage.engine import transaction
from crawler.storage.models import (
    EvidenceArtefact,
    EvidenceCapture,
    EvidenceLogEntry,
    Flag,
    FlagStatus,
    Image,
    Lab,
    Purchase,
    PurchaseStatus,
    ReviewDecision,
    Sample,
)
from crawler.timeutil import FixedClock
from tests.evidence.conftest import add_listing, page_capture, png
from tests.web.seeding import add_flag, add_reference_entries


@dataclass(frozen=True, kw_only=True)
class Dataset:
    data_dir: Path
    database_url: str
    capture_id: int


def seed(context: AppContext) -> Dataset:
    """Flags (one confirmed), a decision, an evidence capture with its log entry, a purchase with a lab
    result, a stored photo, a takedown export and a kept crawl page."""
    clock = context.clock
    now = clock.now()
    data_dir = Path(context.settings.data_dir)
    listing_id, flag_id = add_listing(context)
    other_id, _ = add_listing(context, "100099999999", flagged=False)
    entries = add_reference_entries(
        context.sessions, clock, [{"ref_key": "2026-001", "models": ["KS-2024A"]}]
    )
    photo = png((10, 120, 200))
    sha = hashlib.sha256(photo).hexdigest()
    (data_dir / "images" / sha[:2]).mkdir(parents=True, exist_ok=True)
    (data_dir / "images" / sha[:2] / sha).write_bytes(photo)
    with transaction(context.sessions) as session:
        match_flag = add_flag(
            session, other_id, entries[0], 0.93, now - timedelta(hours=2), [{"field": "model"}]
        )
        flag = session.get(Flag, flag_id)
        flag.status = FlagStatus.CONFIRMED
        session.add(ReviewDecision(flag_id=flag_id, decision="confirm", note="型号一致", decided_at=now))
        session.add(
            Image(
                sha256=sha, size=len(photo), mime="image/png", path=f"images/{sha[:2]}/{sha}", created_at=now
            )
        )
        lab = Lab(code="sgs", name="SGS 通标标准技术服务有限公司")
        session.add(lab)
        session.flush()
        purchase = Purchase(
            listing_id=other_id,
            flag_id=match_flag.id,
            status=PurchaseStatus.RESULT,
            lab_id=lab.id,
            created_at=now,
            updated_at=now,
        )
        session.add(purchase)
        session.flush()
        session.add(
            Sample(
                purchase_id=purchase.id,
                sample_code="YP-2026-0001",
                lab_id=lab.id,
                result="fail",
                report_no="SGS-R-7731",
                result_on=date(2026, 11, 30),
                verdicts={"输出电压": "不合格"},
            )
        )
    service = EvidenceService(context)
    outcome = service.record(service.target_for_listing(listing_id, flag_id=flag_id), page_capture())
    assert outcome.capture_id is not None and outcome.log_seq is not None
    (data_dir / "takedown").mkdir(parents=True, exist_ok=True)
    (data_dir / "takedown" / "jd-2026-12-01.csv").write_text("reference,listing\nTD-1,1\n", encoding="utf-8")
    (data_dir / "runs" / "1" / "pages").mkdir(parents=True, exist_ok=True)
    (data_dir / "runs" / "1" / "pages" / "jd-1.warc.gz").write_bytes(b"\x1f\x8b kept page")
    return Dataset(
        data_dir=data_dir, database_url=context.settings.resolved_database_url, capture_id=outcome.capture_id
    )


def snapshot(session: Session) -> dict[str, list[tuple[object, ...]]]:
    """What must come back from a restore, as comparable rows."""
    return {
        "flags": [
            (f.id, f.listing_id, f.kind, f.subject, f.status.value, f.risk_score)
            for f in session.scalars(select(Flag).order_by(Flag.id))
        ],
        "decisions": [
            (d.id, d.flag_id, d.decision, d.note)
            for d in session.scalars(select(ReviewDecision).order_by(ReviewDecision.id))
        ],
        "captures": [
            (c.id, c.listing_id, c.flag_id, c.manifest_sha256, c.log_sequence, c.status)
            for c in session.scalars(select(EvidenceCapture).order_by(EvidenceCapture.id))
        ],
        "artefacts": [
            (a.capture_id, a.name, a.sha256, a.size)
            for a in session.scalars(select(EvidenceArtefact).order_by(EvidenceArtefact.id))
        ],
        "log": [
            (e.seq, e.entry_sha256, e.line)
            for e in session.scalars(select(EvidenceLogEntry).order_by(EvidenceLogEntry.seq))
        ],
        "purchases": [
            (p.id, p.listing_id, p.status.value, p.lab_id)
            for p in session.scalars(select(Purchase).order_by(Purchase.id))
        ],
        "lab_results": [
            (s.sample_code, s.result, s.report_no, s.result_on, s.verdicts)
            for s in session.scalars(select(Sample).order_by(Sample.id))
        ],
    }


@pytest.fixture
def clock() -> FixedClock:
    from datetime import UTC, datetime

    return FixedClock(datetime(2026, 12, 1, 19, 0, tzinfo=UTC))


@pytest.fixture
def make_context(clock: FixedClock) -> Iterator:
    made: list[AppContext] = []

    def make(data_dir: Path, database_url: str) -> AppContext:
        context = AppContext(settings=Settings(data_dir=data_dir, database_url=database_url), clock=clock)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()
