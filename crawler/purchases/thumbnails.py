"""Thumbnails of the listing as captured: the evidence screenshot when there is one, else a placeholder
that says 无截图 (no screenshot)."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.evidence.store import ObjectStore
from crawler.storage.models import EvidenceArtefact, EvidenceCapture

SIZE = (120, 180)
PLACEHOLDER_TEXT = "无截图"
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)


def screenshot_bytes(session: Session, listing_id: int, store: ObjectStore | None) -> bytes | None:
    """The newest intact evidence screenshot of the listing, or ``None``."""
    if store is None:
        return None
    stmt = (
        select(EvidenceArtefact.sha256)
        .join(EvidenceCapture, EvidenceArtefact.capture_id == EvidenceCapture.id)
        .where(EvidenceCapture.listing_id == listing_id, EvidenceArtefact.kind == "screenshot")
        .order_by(EvidenceCapture.captured_at.desc(), EvidenceCapture.id.desc())
    )
    for sha in session.scalars(stmt):
        if store.check(sha) is None:
            return store.get(sha)
    return None


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in CJK_FONTS:
        if Path(path).is_file():
            try:
                return ImageFont.truetype(path, size)
            except OSError:
                continue
    return ImageFont.load_default()


def placeholder_png(text: str = PLACEHOLDER_TEXT, size: tuple[int, int] = SIZE) -> bytes:
    image = Image.new("RGB", size, (236, 236, 236))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, size[0] - 1, size[1] - 1], outline=(170, 170, 170), width=2)
    font = _font(24)
    box = draw.textbbox((0, 0), text, font=font)
    x = (size[0] - (box[2] - box[0])) // 2
    y = (size[1] - (box[3] - box[1])) // 2
    draw.text((x, y), text, fill=(90, 90, 90), font=font)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def thumbnail_png(data: bytes | None, size: tuple[int, int] = SIZE) -> tuple[bytes, bool]:
    """A PNG thumbnail of ``data`` (the top of a tall mobile screenshot), and whether it is the real
    screenshot (``False``: the placeholder, also used for unreadable images)."""
    if not data:
        return placeholder_png(size=size), False
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            image = img.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError):
        return placeholder_png(size=size), False
    width, height = image.size
    wanted = width * size[1] / size[0]
    if height > wanted:
        image = image.crop((0, 0, width, int(wanted)))
    image.thumbnail(size)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue(), True
