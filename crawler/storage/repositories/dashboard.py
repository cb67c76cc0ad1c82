"""Figures for the dashboard: flags per day, crawl coverage of the latest run, purchases by status."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from crawler.crawling.monitors import alarms_of_run
from crawler.storage.models import Category, CrawlRun, CrawlStat, Flag, Listing, Platform, Purchase
from crawler.timeutil import Clock, to_local


@dataclass(frozen=True)
class CoverageCell:
    listings_seen: int
    pages_fetched: int
    errors: int
    blocked: bool
    block_reason: str | None
    #: Pages no known layout read, and the first one's layout and what was missing.
    layout_changed: int = 0
    layout_note: str | None = None


@dataclass
class Coverage:
    run: CrawlRun | None
    platforms: list[tuple[str, str]]
    categories: list[tuple[str, str, str]]
    cells: dict[tuple[str, str], CoverageCell]
    #: Field-coverage alarms of the run (``crawling.monitors``), as lines.
    alarms: list[str] = field(default_factory=list)


class DashboardRepository:
    def __init__(self, session: Session, clock: Clock, zone: str = "Asia/Shanghai") -> None:
        self.session = session
        self.clock = clock
        self.zone = zone

    def _local_day(self, column: Any) -> Any:
        if self.session.get_bind().dialect.name == "postgresql":
            return func.date(func.timezone(self.zone, column))
        offset = to_local(self.clock.now(), self.zone).utcoffset() or timedelta(0)
        return func.date(column, f"{int(offset.total_seconds()) // 60:+d} minutes")

    def days(self, count: int) -> list[date]:
        today = to_local(self.clock.now(), self.zone).date()
        return [today - timedelta(days=count - 1 - i) for i in range(count)]

    def flags_per_day(self, by: str, count: int = 30) -> dict[tuple[str, str, str], dict[date, int]]:
        """New flags per local day over the last ``count`` days, per category or per platform.

        Keys are (code, Chinese name, English name)."""
        days = self.days(count)
        since = datetime.combine(
            days[0], datetime.min.time(), tzinfo=to_local(self.clock.now(), self.zone).tzinfo
        )
        day = self._local_day(Flag.created_at).label("day")
        if by == "platform":
            key_cols = (Platform.code, Platform.name, Platform.name)
            join_on = Platform.id == Listing.platform_id
            target = Platform
        else:
            key_cols = (Category.code, Category.name_zh, Category.name_en)
            join_on = Category.id == Listing.category_id
            target = Category
        stmt = (
            select(*key_cols, day, func.count(Flag.id))
            .select_from(Flag)
            .join(Listing, Listing.id == Flag.listing_id)
            .join(target, join_on)
            .where(Flag.created_at >= since)
            .group_by(*key_cols, day)
        )
        out: dict[tuple[str, str, str], dict[date, int]] = defaultdict(dict)
        for code, zh, en, when, n in self.session.execute(stmt):
            when = date.fromisoformat(when) if isinstance(when, str) else when
            out[(code, zh, en)][when] = int(n)
        return dict(out)

    def coverage(self) -> Coverage:
        """Coverage of the newest run that recorded any platform × category figures."""
        run = self.session.scalar(
            select(CrawlRun)
            .where(exists().where(CrawlStat.run_id == CrawlRun.id))
            .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
            .limit(1)
        )
        platforms = [(p.code, p.name) for p in self.session.scalars(select(Platform).order_by(Platform.code))]
        categories = [
            (c.code, c.name_zh, c.name_en)
            for c in self.session.scalars(
                select(Category).where(Category.active.is_(True)).order_by(Category.priority, Category.code)
            )
        ]
        cells: dict[tuple[str, str], CoverageCell] = {}
        if run is not None:
            stmt = (
                select(CrawlStat, Platform.code, Category.code)
                .join(Platform, Platform.id == CrawlStat.platform_id)
                .join(Category, Category.id == CrawlStat.category_id)
                .where(CrawlStat.run_id == run.id)
            )
            for stat, pcode, ccode in self.session.execute(stmt):
                cells[(pcode, ccode)] = CoverageCell(
                    stat.listings_seen,
                    stat.pages_fetched,
                    stat.errors,
                    stat.blocked,
                    stat.block_reason,
                    layout_changed=stat.layout_changed,
                    layout_note=stat.layout_note,
                )
        alarms = alarms_of_run(run) if run is not None else []
        return Coverage(run, platforms, categories, cells, alarms)

    def purchases_by_status(self) -> dict[str, int]:
        stmt = select(Purchase.status, func.count(Purchase.id)).group_by(Purchase.status)
        return {str(status): int(n) for status, n in self.session.execute(stmt)}
