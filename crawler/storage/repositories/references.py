"""Reference lists, their versions and entries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from crawler.storage.models import Category, ListType, ReferenceEntry, ReferenceList, ReferenceListVersion
from crawler.timeutil import Clock


class ReferenceRepository:
    def __init__(self, session: Session, clock: Clock) -> None:
        self.session = session
        self.clock = clock

    def get_or_create_list(
        self, code: str, name: str, list_type: ListType, source: str = ""
    ) -> ReferenceList:
        row = self.session.scalar(select(ReferenceList).where(ReferenceList.code == code))
        if row is None:
            row = ReferenceList(
                code=code, name=name, list_type=list_type, source=source, created_at=self.clock.now()
            )
            self.session.add(row)
            self.session.flush()
        return row

    def latest_version(self, reference_list: ReferenceList) -> ReferenceListVersion | None:
        stmt = (
            select(ReferenceListVersion)
            .where(ReferenceListVersion.list_id == reference_list.id)
            .order_by(ReferenceListVersion.number.desc())
            .limit(1)
        )
        return self.session.scalar(stmt)

    def add_version(
        self, reference_list: ReferenceList, entries: list[ReferenceEntry], **meta: object
    ) -> ReferenceListVersion:
        """Store a new version holding ``entries``; older versions stop being active."""
        version = self._next_version(reference_list, len(entries), meta)
        version.entries = entries
        reference_list.versions.append(version)
        self.session.flush()
        return version

    def _next_version(
        self, reference_list: ReferenceList, record_count: int, meta: dict[str, object]
    ) -> ReferenceListVersion:
        """The list's next version, the only active one; not yet added to the session."""
        previous = self.latest_version(reference_list)
        self.session.execute(
            update(ReferenceListVersion)
            .where(ReferenceListVersion.list_id == reference_list.id)
            .values(active=False)
            .execution_options(synchronize_session="fetch")
        )
        return ReferenceListVersion(
            list_id=reference_list.id,
            number=(previous.number + 1) if previous else 1,
            imported_at=self.clock.now(),
            record_count=record_count,
            active=True,
            **meta,
        )

    def active_entries(self) -> list[ReferenceEntry]:
        stmt = (
            select(ReferenceEntry)
            .join(ReferenceListVersion)
            .where(ReferenceListVersion.active.is_(True))
            .order_by(ReferenceEntry.id)
        )
        return list(self.session.scalars(stmt))

    def count_entries(self) -> int:
        return self.session.scalar(select(func.count(ReferenceEntry.id))) or 0

    # --- reading lists, versions and entries ---------------------------------------------------------

    def get_list(self, code: str) -> ReferenceList | None:
        return self.session.scalar(select(ReferenceList).where(ReferenceList.code == code))

    def lists(self) -> list[ReferenceList]:
        return list(self.session.scalars(select(ReferenceList).order_by(ReferenceList.code)))

    def versions(self, reference_list: ReferenceList) -> list[ReferenceListVersion]:
        stmt = (
            select(ReferenceListVersion)
            .where(ReferenceListVersion.list_id == reference_list.id)
            .order_by(ReferenceListVersion.number)
        )
        return list(self.session.scalars(stmt))

    def version(self, reference_list: ReferenceList, number: int) -> ReferenceListVersion | None:
        stmt = select(ReferenceListVersion).where(
            ReferenceListVersion.list_id == reference_list.id, ReferenceListVersion.number == number
        )
        return self.session.scalar(stmt)

    def entries(self, version: ReferenceListVersion) -> list[ReferenceEntry]:
        stmt = (
            select(ReferenceEntry)
            .where(ReferenceEntry.version_id == version.id)
            .order_by(ReferenceEntry.ref_key)
        )
        return list(self.session.scalars(stmt))

    def entry_hashes(self, version: ReferenceListVersion) -> dict[str, str]:
        """``ref_key -> entry_hash`` of a version: what a diff compares."""
        stmt = select(ReferenceEntry.ref_key, ReferenceEntry.entry_hash).where(
            ReferenceEntry.version_id == version.id
        )
        return {key: digest for key, digest in self.session.execute(stmt)}

    def entry_counts(self) -> dict[int, int]:
        """Entries per version id."""
        stmt = select(ReferenceEntry.version_id, func.count(ReferenceEntry.id)).group_by(
            ReferenceEntry.version_id
        )
        return {version_id: count for version_id, count in self.session.execute(stmt)}

    def category_ids(self) -> dict[str, int]:
        return {code: cid for cid, code in self.session.execute(select(Category.id, Category.code))}

    def add_version_rows(
        self, reference_list: ReferenceList, rows: list[dict[str, Any]], **meta: object
    ) -> ReferenceListVersion:
        """Like ``add_version`` for many entries given as column values: inserted in batches."""
        version = self._next_version(reference_list, len(rows), meta)
        self.session.add(version)
        self.session.flush()
        if rows:
            self.session.execute(insert(ReferenceEntry), [{**row, "version_id": version.id} for row in rows])
        return version

    def entry_rows(self, version: ReferenceListVersion) -> list[dict[str, Any]]:
        """A version's entries as column values (no ids): what a merged version copies forward."""
        columns = [c for c in ReferenceEntry.__table__.columns if c.name not in ("id", "version_id")]
        stmt = select(*columns).where(ReferenceEntry.version_id == version.id)
        return [dict(row._mapping) for row in self.session.execute(stmt)]
