"""The morning digest: what needs people today, cut per role, as text, HTML and JSON."""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from crawler.crawling.monitors import alarms_of_run
from crawler.storage.repositories.digest import DigestRepository
from crawler.timeutil import format_local, to_local

SECTIONS = (
    "high_risk_flags",
    "layout_changed",
    "field_alarms",
    "blocked",
    "failed_runs",
    "overdue_purchases",
)
ROLE_SECTIONS: dict[str, tuple[str, ...]] = {
    "admin": SECTIONS,
    "analyst": ("high_risk_flags", "layout_changed", "field_alarms", "blocked", "failed_runs"),
    "officer": ("high_risk_flags",),
    "lab": ("overdue_purchases",),
}
TITLES = {
    "high_risk_flags": "新的高风险线索 New high-risk flags",
    "layout_changed": "页面改版的平台 Platforms that changed their pages",
    "field_alarms": "字段覆盖下降 Fields that stopped coming",
    "blocked": "被拦截的平台 Blocked platforms",
    "failed_runs": "失败或不完整的运行 Failed or partial runs",
    "overdue_purchases": "逾期的购样 Overdue purchases",
}


@dataclass
class Digest:
    generated_at: str
    since: str
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: The evidence log head (entry number and SHA-256 of its line): every mailbox keeps an anchor.
    evidence_log_head: dict[str, Any] | None = None

    def for_role(self, role: str) -> Digest:
        keep = ROLE_SECTIONS.get(role, SECTIONS)
        return Digest(
            self.generated_at,
            self.since,
            {k: v for k, v in self.sections.items() if k in keep},
            self.evidence_log_head,
        )

    def _head_line(self) -> str:
        head = self.evidence_log_head
        return f"证据日志 evidence log head: {head['line']}" if head else ""

    @property
    def empty(self) -> bool:
        return not any(self.sections.values())

    def subject(self) -> str:
        counts = ", ".join(f"{len(v)} {k.replace('_', ' ')}" for k, v in self.sections.items() if v)
        return (
            f"[surveil] 晨报 morning digest {self.generated_at[:10]}: {counts or 'nothing needs attention'}"
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def to_text(self) -> str:
        lines = [self.subject(), f"since {self.since}", ""]
        for name, rows in self.sections.items():
            lines.append(f"== {TITLES[name]} ({len(rows)})")
            lines += [f"  - {row['text']}" for row in rows] or ["  (none)"]
            lines.append("")
        if self.evidence_log_head:
            lines.append(self._head_line())
        return "\n".join(lines)

    def to_html(self) -> str:
        parts = [f"<h1>{html.escape(self.subject())}</h1>", f"<p>since {html.escape(self.since)}</p>"]
        for name, rows in self.sections.items():
            parts.append(f"<h2>{html.escape(TITLES[name])} ({len(rows)})</h2><ul>")
            parts += [f"<li>{html.escape(row['text'])}</li>" for row in rows] or ["<li>(none)</li>"]
            parts.append("</ul>")
        if self.evidence_log_head:
            parts.append(f"<p><code>{html.escape(self._head_line())}</code></p>")
        return "<!doctype html><meta charset='utf-8'>" + "".join(parts)


def build_digest(
    session: Session, now: datetime, min_risk: float, window: timedelta = timedelta(days=1)
) -> Digest:
    """Everything since ``now - window``; all times shown in Asia/Shanghai."""
    since = now - window
    repo = DigestRepository(session)
    flags = [
        {
            "flag_id": f.id,
            "risk": round(f.risk_score, 3),
            "platform": f.listing.platform.code,
            "category": f.listing.category.code if f.listing.category else None,
            "text": f"#{f.id} risk {f.risk_score:.2f} [{f.listing.platform.code}] {f.listing.title[:80]}",
        }
        for f in repo.new_flags(since, min_risk)
    ]
    blocked = [
        {
            "run_id": s.run_id,
            "platform": s.platform.code,
            "category": s.category.code,
            "reason": s.block_reason,
            "text": f"run {s.run_id}: {s.platform.code} × {s.category.code}: {s.block_reason or 'blocked'}",
        }
        for s in repo.blocked_stats(since)
    ]
    changed = [
        {
            "run_id": s.run_id,
            "platform": s.platform.code,
            "category": s.category.code,
            "pages": s.layout_changed,
            "note": s.layout_note,
            "text": (
                f"run {s.run_id}: {s.platform.code} × {s.category.code}: {s.layout_changed} page(s) in a layout "
                f"no page object reads ({s.layout_note or 'unknown'}); see surveil pages replay {s.run_id}"
            ),
        }
        for s in repo.layout_changed_stats(since)
    ]
    alarms = [
        {"run_id": run.id, "text": f"run {run.id}: {line}"}
        for run in repo.crawl_runs(since)
        for line in alarms_of_run(run)
    ]
    failed = [
        {
            "kind": "crawl",
            "id": r.id,
            "status": r.status.value,
            "text": f"crawl run {r.id} {r.status.value} (started {format_local(r.started_at)})",
        }
        for r in repo.unhealthy_crawl_runs(since)
    ] + [
        {
            "kind": "job",
            "id": j.id,
            "job_id": j.job_id,
            "status": j.outcome,
            "text": f"job {j.job_id} {j.outcome} at {format_local(j.started_at)}: {str(j.detail.get('error', ''))[:120]}",
        }
        for j in repo.failed_jobs(since)
    ]
    today = to_local(now).date()
    overdue = [
        {
            "purchase_id": p.id,
            "due_on": p.due_on.isoformat() if p.due_on else None,
            "status": p.status.value,
            "text": f"purchase {p.id} due {p.due_on} ({p.status.value}): {p.listing.title[:60]}",
        }
        for p in repo.overdue_purchases(today)
    ]
    return Digest(
        generated_at=format_local(now),
        since=format_local(since),
        sections={
            "high_risk_flags": flags,
            "layout_changed": changed,
            "field_alarms": alarms,
            "blocked": blocked,
            "failed_runs": failed,
            "overdue_purchases": overdue,
        },
        evidence_log_head=_evidence_log_head(session, now),
    )


def _evidence_log_head(session: Session, now: datetime) -> dict[str, Any] | None:
    """The newest entry of the evidence log's database copy, as an anchor line (None when empty)."""
    from sqlalchemy import select

    from crawler.evidence.anchors import Anchor
    from crawler.storage.models import EvidenceLogEntry

    row = session.scalar(select(EvidenceLogEntry).order_by(EvidenceLogEntry.seq.desc()).limit(1))
    if row is None:
        return None
    anchor = Anchor(seq=row.seq, head_sha256=row.entry_sha256, at=now.isoformat())
    return {"seq": row.seq, "head_sha256": row.entry_sha256, "line": anchor.line()}
