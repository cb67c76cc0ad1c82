"""The queries behind the morning digest."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crawler.storage.models import (
    CrawlRun,
    CrawlStat,
    Flag,
    FlagStatus,
    JobRun,
    Listing,
    Purchase,
    PurchaseStatus,
    RunStatus,
)

OPEN_PURCHASE_STATES = (
    PurchaseStatus.PLANNED,
    PurchaseStatus.ORDERED,
    PurchaseStatus.RECEIVED,
    PurchaseStatus.SENT_TO_LAB,
)


class DigestRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def new_flags(self, since: datetime, min_risk: float, limit: int = 50) -> list[Flag]:
        stmt = (
            select(Flag)
            .where(Flag.created_at >= since, Flag.risk_score >= min_risk, Flag.status == FlagStatus.OPEN)
            .order_by(Flag.risk_score.desc(), Flag.id)
            .limit(limit)
            .options(
                selectinload(Flag.listing).selectinload(Listing.platform),
                selectinload(Flag.listing).selectinload(Listing.category),
            )
        )
        return list(self.session.scalars(stmt))

    def blocked_stats(self, since: datetime) -> list[CrawlStat]:
        stmt = (
            select(CrawlStat)
            .join(CrawlRun)
            .where(CrawlRun.started_at >= since, CrawlStat.blocked.is_(True))
            .options(selectinload(CrawlStat.platform), selectinload(CrawlStat.category))
            .order_by(CrawlStat.id)
        )
        return list(self.session.scalars(stmt))

    def layout_changed_stats(self, since: datetime) -> list[CrawlStat]:
        stmt = (
            select(CrawlStat)
            .join(CrawlRun)
            .where(CrawlRun.started_at >= since, CrawlStat.layout_changed > 0)
            .options(selectinload(CrawlStat.platform), selectinload(CrawlStat.category))
            .order_by(CrawlStat.id)
        )
        return list(self.session.scalars(stmt))

    def crawl_runs(self, since: datetime) -> list[CrawlRun]:
        stmt = select(CrawlRun).where(CrawlRun.started_at >= since).order_by(CrawlRun.id)
        return list(self.session.scalars(stmt))

    def unhealthy_crawl_runs(self, since: datetime) -> list[CrawlRun]:
        stmt = (
            select(CrawlRun)
            .where(
                CrawlRun.started_at >= since,
                CrawlRun.status.in_([RunStatus.FAILED, RunStatus.PARTIAL, RunStatus.RUNNING]),
            )
            .order_by(CrawlRun.id)
        )
        return list(self.session.scalars(stmt))

    def failed_jobs(self, since: datetime) -> list[JobRun]:
        stmt = (
            select(JobRun)
            .where(JobRun.started_at >= since, JobRun.outcome.in_(["failed", "partial"]))
            .order_by(JobRun.started_at)
        )
        return list(self.session.scalars(stmt))

    def overdue_purchases(self, today: date) -> list[Purchase]:
        stmt = (
            select(Purchase)
            .where(Purchase.due_on < today, Purchase.status.in_(OPEN_PURCHASE_STATES))
            .order_by(Purchase.due_on, Purchase.id)
            .options(selectinload(Purchase.listing))
        )
        return list(self.session.scalars(stmt))
