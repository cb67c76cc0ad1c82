"""Who did it: a signed-in user of the review app, or a name given on the command line."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from crawler.storage.models import User
from crawler.storage.repositories.audit import AuditRepository
from crawler.timeutil import Clock

Actor = User | str


def actor_name(actor: Actor) -> str:
    return actor.username if isinstance(actor, User) else str(actor)


def audit(
    session: Session,
    clock: Clock,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: object,
    details: dict[str, Any] | None = None,
) -> None:
    user = actor if isinstance(actor, User) else None
    AuditRepository(session, clock).record(
        action, object_type, object_id, user=user, actor=actor_name(actor), details=details or {}
    )
