"""A flag's page and the decisions taken on it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from crawler.storage.models import DismissReason
from crawler.storage.repositories.audit import AuditRepository
from crawler.storage.repositories.review import ACTIONS, ReviewError, ReviewRepository
from crawler.web.deps import DB, BadRequest, Reviewer, State, current_viewer, render
from crawler.web.views import listing_photos, reasons, reference_photos, screenshot_of
from crawler.web.views import shot_src as _shot_src

router = APIRouter(dependencies=[Depends(current_viewer)])


@router.get("/flags/{flag_id}")
def flag_page(request: Request, state: State, db: DB, flag_id: int) -> Response:
    clock = state.context.clock
    detail = ReviewRepository(db, clock).flag_detail(flag_id)
    if detail is None:
        raise HTTPException(404)
    data_dir = state.context.settings.data_dir
    flag, listing = detail.flag, detail.listing
    why = reasons(flag.explanation, flag.match.reasons if flag.match else None)
    capture = detail.captures[0] if detail.captures else None
    shot = screenshot_of(capture) if capture else None
    return render(
        request,
        "flag.html",
        flag=flag,
        listing=listing,
        entry=flag.entry,
        match=flag.match,
        reasons=why,
        hit_fields={r.field for r in why if r.field and r.agrees},
        capture=capture,
        screenshot=shot,
        shot_src=_shot_src(data_dir, capture, shot),
        purchases=detail.purchases,
        other_flags=detail.other_flags,
        listing_photos=listing_photos(listing.images, data_dir),
        reference_photos=reference_photos(flag.entry, data_dir) if flag.entry else [],
        trail=AuditRepository(db, clock).trail("flag", flag.id),
        done=request.query_params.get("done", ""),
        dismiss_reasons=[str(r) for r in DismissReason],
    )


@router.post("/flags/{flag_id}/decision")
def decide(
    state: State,
    db: DB,
    viewer: Reviewer,
    flag_id: int,
    action: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    reason: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    if action not in ACTIONS:
        raise BadRequest("review.unknown_action")
    try:
        ReviewRepository(db, state.context.clock).decide([flag_id], action, viewer.user, note, reason)
    except ReviewError as exc:
        db.rollback()
        if exc.code == "unknown_flags":
            raise HTTPException(404) from exc
        raise BadRequest(f"review.{exc.code}") from exc
    db.commit()
    return RedirectResponse(f"/flags/{flag_id}?done={action}", status_code=303)
