"""Space: how much evidence is kept (logical vs stored bytes) and retention for unflagged captures.

Pruning removes captures older than the retention period whose listing has never been flagged, and
the objects no remaining capture uses. The removal is itself an entry of the evidence log, written in
the same transaction that deletes the rows, so the chain stays whole and says what went and why.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from crawler.evidence.hashing import sha256_bytes
from crawler.evidence.layout import EvidenceLayout
from crawler.evidence.repository import EvidenceRepository
from crawler.storage.models import EvidenceCapture, EvidenceLogEntry


@dataclass
class PruneResult:
    cutoff: datetime | None
    captures: list[int] = field(default_factory=list)
    objects_removed: int = 0
    bytes_freed: int = 0
    log_seq: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "cutoff": self.cutoff.isoformat() if self.cutoff else None,
            "captures": self.captures,
            "objects_removed": self.objects_removed,
            "bytes_freed": self.bytes_freed,
            "log_seq": self.log_seq,
        }


def _token_hash(capture: EvidenceCapture) -> str | None:
    if not capture.timestamp_token:
        return None
    try:
        return sha256_bytes(base64.b64decode(capture.timestamp_token, validate=True))
    except (binascii.Error, ValueError):
        return None


def _capture_hashes(capture: EvidenceCapture) -> set[str]:
    hashes = {a.sha256 for a in capture.artefacts} | {capture.manifest_sha256}
    token = _token_hash(capture)
    if token:
        hashes.add(token)
    return {h for h in hashes if h}


def prune(
    layout: EvidenceLayout, sessions: sessionmaker[Session], now: datetime, retention_days: int
) -> PruneResult:
    """Remove unflagged captures older than ``retention_days`` (0 keeps everything)."""
    if retention_days <= 0:
        return PruneResult(cutoff=None)
    cutoff = now - timedelta(days=retention_days)
    result = PruneResult(cutoff=cutoff)
    with sessions() as session:
        repo = EvidenceRepository(session)
        expired = repo.expired_unflagged(cutoff)
        if not expired:
            return result
        expired_ids = {c.id for c in expired}
        kept: set[str] = set()
        for capture in repo.captures():
            if capture.id not in expired_ids:
                kept |= _capture_hashes(capture)
        removable = set().union(*(_capture_hashes(c) for c in expired)) - kept
        body = {
            "reason": f"retention: unflagged captures older than {retention_days} days (before {cutoff.isoformat()})",
            "captures": [
                {
                    "capture_id": c.id,
                    "listing_id": c.listing_id,
                    "captured_at": c.captured_at.isoformat(),
                    "manifest_sha256": c.manifest_sha256,
                }
                for c in expired
            ],
            "objects_removed": sorted(removable),
        }

    def delete_rows(session: Session, _row: EvidenceLogEntry) -> None:
        for capture_id in sorted(expired_ids):
            capture = session.get(EvidenceCapture, capture_id)
            if capture is not None:
                session.delete(capture)

    entry = layout.log.append(sessions, "prune", now, body, also=delete_rows)
    result.log_seq = entry.seq
    result.captures = sorted(expired_ids)
    store = layout.store
    for sha in sorted(removable):
        if store.exists(sha):
            result.bytes_freed += store.size(sha)
            store.delete(sha)
            result.objects_removed += 1
    return result


def stats(layout: EvidenceLayout, session: Session, now: datetime, retention_days: int) -> dict[str, Any]:
    """Counts and bytes: artefacts as captured (logical) against objects on disk (stored)."""
    repo = EvidenceRepository(session)
    counts = repo.counts()
    store = layout.store
    objects = 0
    stored_bytes = 0
    for sha in store:
        objects += 1
        stored_bytes += store.size(sha)
    logical = counts["artefact_bytes_logical"]
    expired = len(repo.expired_unflagged(now - timedelta(days=retention_days))) if retention_days > 0 else 0
    log_entries = session.scalar(select(func.count(EvidenceLogEntry.seq))) or 0
    prunes = (
        session.scalar(select(func.count(EvidenceLogEntry.seq)).where(EvidenceLogEntry.kind == "prune")) or 0
    )
    return {
        **counts,
        "objects": objects,
        "stored_bytes": stored_bytes,
        "logical_bytes": logical,
        "saved_by_dedup_bytes": max(logical - stored_bytes, 0),
        "dedup_ratio": round(logical / stored_bytes, 3) if stored_bytes else None,
        "log_entries": int(log_entries),
        "prune_entries": int(prunes),
        "retention_days": retention_days,
        "expired_unflagged_captures": expired,
        "captures_by_status": repo.status_counts(),
        "captures_by_check_reason": repo.reason_counts(),
    }
