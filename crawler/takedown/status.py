"""Request statuses and how they change: by a person (sent, acknowledged …) or by the re-crawl after N
days (removed, still online). Every change is kept in the request's history and the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.storage.models import TakedownRequest
from crawler.storage.repositories import AuditRepository
from crawler.timeutil import Clock

DRAFTED, SENT, ACKNOWLEDGED, REMOVED, STILL_ONLINE = (
    "drafted",
    "sent",
    "acknowledged",
    "removed",
    "still online",
)
STATUSES = (DRAFTED, SENT, ACKNOWLEDGED, REMOVED, STILL_ONLINE)
LABELS_ZH = {
    DRAFTED: "草拟",
    SENT: "已发送",
    ACKNOWLEDGED: "平台已确认",
    REMOVED: "已下架",
    STILL_ONLINE: "仍在线",
}


class StatusError(ValueError):
    """A status that does not exist, or a request that cannot be found."""


def _change(
    request: TakedownRequest, status: str, clock: Clock, actor: str, note: str, extra: dict[str, Any]
) -> None:
    now = clock.now()
    entry = {"at": now.isoformat(), "from": request.status, "to": status, "by": actor}
    if note:
        entry["note"] = note
    entry.update(extra)
    request.history = [*(request.history or []), entry]
    request.status = status
    request.updated_at = now
    if status == SENT and request.sent_at is None:
        request.sent_at = now


def find_request(session: Session, key: str | int) -> TakedownRequest | None:
    text = str(key).strip()
    if text.isdigit():
        found = session.get(TakedownRequest, int(text))
        if found is not None:
            return found
    return session.scalar(select(TakedownRequest).where(TakedownRequest.reference == text))


def set_status(
    session: Session, clock: Clock, key: str | int, status: str, actor: str, note: str = ""
) -> TakedownRequest:
    """A person's change of status (by request id or reference), written to the audit log."""
    status = status.strip().lower().replace("_", " ")
    if status not in STATUSES:
        raise StatusError(f"unknown status {status!r}; one of: {', '.join(STATUSES)}")
    request = find_request(session, key)
    if request is None:
        raise StatusError(f"no takedown request {key}")
    before = request.status
    _change(request, status, clock, actor, note, {})
    AuditRepository(session, clock).record(
        "takedown.status",
        "takedown_request",
        request.id,
        actor=actor,
        details={"reference": request.reference, "from": before, "to": status, "note": note},
    )
    session.flush()
    return request


def record_recheck(
    session: Session,
    clock: Clock,
    flag_id: int,
    state: str,
    capture_id: int | None = None,
    reason: str = "",
) -> TakedownRequest | None:
    """The re-check's finding for a flag: its request (if any) becomes removed or still online; an
    ``unknown`` finding is kept in the history and leaves the status as it was."""
    from crawler.takedown.recheck import RecheckState

    try:
        finding = RecheckState(state)
    except ValueError:
        raise StatusError(
            f"a re-check finds {', '.join(s.value for s in RecheckState)}, not {state!r}"
        ) from None
    request = session.scalar(select(TakedownRequest).where(TakedownRequest.flag_id == flag_id))
    if request is None:
        return None
    request.checked_at = clock.now()
    extra: dict[str, Any] = {"capture_id": capture_id, "recheck": finding.value}
    if finding is RecheckState.UNKNOWN:
        _change(request, request.status, clock, "scheduler", reason, extra)
    elif request.status != finding.value:
        _change(request, finding.value, clock, "scheduler", reason, extra)
    session.flush()
    return request
