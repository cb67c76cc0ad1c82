"""The append-only audit log: who did what to which object, and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.storage.models import AuditEntry, User
from crawler.timeutil import Clock


class AuditRepository:
    def __init__(self, session: Session, clock: Clock) -> None:
        self.session = session
        self.clock = clock

    def record(
        self,
        action: str,
        object_type: str,
        object_id: object,
        *,
        user: User | None = None,
        actor: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> AuditEntry:
        entry = AuditEntry(
            at=self.clock.now(),
            user_id=user.id if user else None,
            actor=actor or (user.username if user else "system"),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            details=details or {},
        )
        self.session.add(entry)
        self.session.flush()
        return entry

    def trail(self, object_type: str, object_id: object) -> list[AuditEntry]:
        stmt = (
            select(AuditEntry)
            .where(AuditEntry.object_type == object_type, AuditEntry.object_id == str(object_id))
            .order_by(AuditEntry.at, AuditEntry.id)
        )
        return list(self.session.scalars(stmt))
