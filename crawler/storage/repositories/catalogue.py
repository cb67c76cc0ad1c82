"""Categories and platforms: upserted from the shipped data, listed for spiders and reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.catalogue.schema import CategorySpec, PlatformSpec
from crawler.storage.models import Category, Platform
from crawler.timeutil import Clock

SPEC_FIELDS = tuple(CategorySpec.model_fields)


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)


class CategoryRepository:
    def __init__(self, session: Session, clock: Clock) -> None:
        self.session = session
        self.clock = clock

    def sync(self, specs: list[CategorySpec]) -> SyncReport:
        """Make the stored catalogue equal ``specs``; categories absent from it are deactivated, not
        deleted, since listings and purchases still refer to them."""
        report = SyncReport()
        existing = {c.code: c for c in self.session.scalars(select(Category))}
        now = self.clock.now()
        for spec in specs:
            values = spec.model_dump()
            row = existing.pop(spec.code, None)
            if row is None:
                self.session.add(Category(**values, active=True, updated_at=now))
                report.added.append(spec.code)
                continue
            current = {name: getattr(row, name) for name in SPEC_FIELDS}
            if current == values and row.active:
                report.unchanged.append(spec.code)
                continue
            for name, value in values.items():
                setattr(row, name, value)
            row.active = True
            row.updated_at = now
            report.changed.append(spec.code)
        for code, row in existing.items():
            if row.active:
                row.active = False
                row.updated_at = now
                report.deactivated.append(code)
        self.session.flush()
        return report

    def active(self) -> list[Category]:
        stmt = select(Category).where(Category.active.is_(True)).order_by(Category.priority, Category.code)
        return list(self.session.scalars(stmt))

    def all(self) -> list[Category]:
        return list(self.session.scalars(select(Category).order_by(Category.priority, Category.code)))

    def by_code(self, code: str) -> Category | None:
        return self.session.scalar(select(Category).where(Category.code == code))

    def as_specs(self) -> list[CategorySpec]:
        return [
            CategorySpec.model_validate({name: getattr(row, name) for name in SPEC_FIELDS})
            for row in self.active()
        ]


class PlatformRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def sync(self, specs: list[PlatformSpec]) -> list[Platform]:
        """Add missing platforms and refresh names and allow-lists; administrator switches
        (``enabled``, ``obey_robots``, ``settings``) are left as they are."""
        existing = {p.code: p for p in self.session.scalars(select(Platform))}
        rows = []
        for spec in specs:
            row = existing.get(spec.code)
            if row is None:
                row = Platform(
                    code=spec.code,
                    name=spec.name,
                    allowed_hosts=spec.allowed_hosts,
                    settings={"language": spec.language},
                )
                self.session.add(row)
            else:
                row.name = spec.name
                row.allowed_hosts = spec.allowed_hosts
                row.settings = {**(row.settings or {}), "language": spec.language}
            rows.append(row)
        self.session.flush()
        return rows

    def by_code(self, code: str) -> Platform | None:
        return self.session.scalar(select(Platform).where(Platform.code == code))

    def all(self) -> list[Platform]:
        return list(self.session.scalars(select(Platform).order_by(Platform.code)))
