"""The review queue: filters, keyset pages and bulk decisions."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from crawler.storage.models import DismissReason, FlagStatus, ListType
from crawler.storage.repositories.catalogue import CategoryRepository, PlatformRepository
from crawler.storage.repositories.review import Cursor, QueueFilter, ReviewError, ReviewRepository
from crawler.web.deps import DB, BadRequest, Reviewer, State, current_viewer, render

router = APIRouter(dependencies=[Depends(current_viewer)])

FILTER_KEYS = ("category", "platform", "list_type", "status", "from", "to")


def _day(text: str | None, zone: str, plus: int = 0) -> datetime | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text) + timedelta(days=plus)
    except ValueError:
        return None
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone))


def parse_filter(params: dict[str, str], zone: str) -> QueueFilter:
    status_text = params.get("status", FlagStatus.OPEN.value)
    status = None if status_text == "any" else _enum(FlagStatus, status_text, FlagStatus.OPEN)
    return QueueFilter(
        status=status,
        category=(params.get("category") or None),
        platform=(params.get("platform") or None),
        list_type=_enum(ListType, params.get("list_type"), None),
        since=_day(params.get("from"), zone),
        until=_day(params.get("to"), zone, plus=1),
    )


def _enum(cls, value, default):  # type: ignore[no-untyped-def]
    try:
        return cls(value) if value else default
    except ValueError:
        return default


@router.get("/")
def home() -> Response:
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue")
def queue_page(request: Request, state: State, db: DB) -> Response:
    params = {k: v for k, v in request.query_params.items() if k in FILTER_KEYS and len(v) <= 64}
    filt = parse_filter(params, state.context.settings.display_timezone)
    after = Cursor.decode(request.query_params.get("after"))
    page = ReviewRepository(db, state.context.clock).queue(filt, after, limit=state.config.page_size)
    return render(
        request,
        "queue.html",
        page=page,
        filters=params,
        filter_query=urlencode(params),
        status_value=params.get("status", FlagStatus.OPEN.value),
        categories=CategoryRepository(db, state.context.clock).all(),
        platforms=PlatformRepository(db).all(),
        statuses=[s.value for s in FlagStatus],
        list_types=[lt.value for lt in ListType],
        first_page=after is None,
        done=request.query_params.get("done", ""),
        dismiss_reasons=[str(r) for r in DismissReason],
    )


@router.post("/queue/bulk")
def bulk_decision(
    state: State,
    db: DB,
    viewer: Reviewer,
    flag_ids: Annotated[list[int], Form()] = [],  # noqa: B006 - FastAPI form default
    action: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    reason: Annotated[str, Form(max_length=32)] = "",
    back: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if action not in ("confirm", "dismiss"):
        raise BadRequest("error.bad_request")
    try:
        done = ReviewRepository(db, state.context.clock).decide(flag_ids, action, viewer.user, note, reason)
    except ReviewError as exc:
        db.rollback()
        raise BadRequest(f"review.{exc.code}") from exc
    db.commit()
    query = back if back and not back.startswith(("/", "http", "\\")) else ""
    sep = "&" if query else ""
    return RedirectResponse(f"/queue?{query}{sep}done={len(done)}", status_code=303)
