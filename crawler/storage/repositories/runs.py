"""Crawl runs and their per platform × category coverage."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from crawler import __version__
from crawler.storage.models import Category, CrawlRun, CrawlStat, Platform, RunStatus
from crawler.timeutil import Clock

COUNTERS = (
    "requests",
    "pages_fetched",
    "listings_seen",
    "new",
    "changed",
    "gone",
    "errors",
    "layout_changed",
)


class RunRepository:
    def __init__(self, session: Session, clock: Clock) -> None:
        self.session = session
        self.clock = clock

    def start(self, trigger: str = "manual", options: dict[str, Any] | None = None) -> CrawlRun:
        run = CrawlRun(
            started_at=self.clock.now(),
            trigger=trigger,
            software_version=__version__,
            options=options or {},
            status=RunStatus.RUNNING,
        )
        self.session.add(run)
        self.session.flush()
        return run

    def stat(self, run: CrawlRun, platform: Platform, category: Category) -> CrawlStat:
        row = self.session.scalar(
            select(CrawlStat).where(
                CrawlStat.run_id == run.id,
                CrawlStat.platform_id == platform.id,
                CrawlStat.category_id == category.id,
            )
        )
        if row is None:
            row = CrawlStat(
                run_id=run.id,
                platform_id=platform.id,
                category_id=category.id,
                **dict.fromkeys(COUNTERS, 0),
                blocked=False,
            )
            self.session.add(row)
            self.session.flush()
        return row

    def add_counts(self, stat: CrawlStat, **counts: int) -> None:
        unknown = set(counts) - set(COUNTERS)
        if unknown:
            raise ValueError(f"unknown counters: {', '.join(sorted(unknown))}")
        for name, value in counts.items():
            # An SQL increment (``SET n = n + value``): workers sharing a run never lose each other's counts.
            pending = stat.__dict__.get(name)
            base = pending if isinstance(pending, ColumnElement) else getattr(CrawlStat, name)
            setattr(stat, name, base + value)
        self.session.flush()

    def mark_blocked(self, stat: CrawlStat, reason: str) -> None:
        stat.blocked = True
        stat.block_reason = reason[:200]

    def note_layout(self, stat: CrawlStat, note: str) -> None:
        """The first changed layout of the platform × category in this run (its count is a counter)."""
        if not stat.layout_note:
            stat.layout_note = note[:200]

    def finish(
        self, run: CrawlRun, status: RunStatus | None = None, summary: dict[str, Any] | None = None
    ) -> None:
        if status is None:
            status = (
                RunStatus.PARTIAL
                if any(s.blocked or s.errors or s.layout_changed for s in run.stats)
                else RunStatus.FINISHED
            )
        run.status = status
        run.finished_at = self.clock.now()
        run.summary = summary or run.summary or {}
        self.session.flush()

    def get(self, run_id: int) -> CrawlRun | None:
        stmt = (
            select(CrawlRun)
            .where(CrawlRun.id == run_id)
            .options(
                selectinload(CrawlRun.stats).selectinload(CrawlStat.platform),
                selectinload(CrawlRun.stats).selectinload(CrawlStat.category),
            )
        )
        return self.session.scalar(stmt)

    def recent(self, limit: int = 20) -> list[CrawlRun]:
        return list(self.session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)))
