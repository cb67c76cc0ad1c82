"""Stored photos and evidence files, served only from under the data directory."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse

from crawler.storage.models import EvidenceArtefact, Image, ReferenceEntry
from crawler.web.deps import DB, State, current_viewer
from crawler.web.views import evidence_file, inside, reference_photo_path

router = APIRouter(prefix="/media", dependencies=[Depends(current_viewer)])

IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")


def _image_response(path: Path, declared: str = "") -> FileResponse:
    mime = declared if declared in IMAGE_TYPES else (mimetypes.guess_type(path.name)[0] or "")
    if mime not in IMAGE_TYPES:
        raise HTTPException(404)
    return FileResponse(path, media_type=mime, headers={"Content-Disposition": "inline"})


@router.get("/images/{image_id}")
def listing_image(state: State, db: DB, image_id: int) -> FileResponse:
    row = db.get(Image, image_id)
    path = inside(state.context.settings.data_dir, Path(row.path)) if row and row.path else None
    if row is None or path is None:
        raise HTTPException(404)
    return _image_response(path, row.mime)


@router.get("/reference/{entry_id}/{index}")
def reference_image(state: State, db: DB, entry_id: int, index: int) -> FileResponse:
    entry = db.get(ReferenceEntry, entry_id)
    path = reference_photo_path(entry, index, state.context.settings.data_dir) if entry else None
    if path is None:
        raise HTTPException(404)
    return _image_response(path)


@router.get("/evidence/{artefact_id}")
def evidence_image(state: State, db: DB, artefact_id: int) -> FileResponse:
    artefact = db.get(EvidenceArtefact, artefact_id)
    path = evidence_file(state.context.settings.data_dir, artefact.capture, artefact) if artefact else None
    if artefact is None or path is None:
        raise HTTPException(404)
    return _image_response(path, artefact.mime)
