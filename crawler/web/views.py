"""Presentation helpers: match reasons, photos and evidence files as the pages show them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.evidence.hashing import sha256_file
from crawler.evidence.layout import EvidenceLayout
from crawler.storage.models import EvidenceArtefact, EvidenceCapture, ListingImage, ReferenceEntry
from crawler.web.templating import http_url

#: Words in a reason that name the listing field it is about (English and Chinese).
FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "model": ("model", "型号"),
    "barcodes": ("barcode", "gtin", "ean", "条码"),
    "brand": ("brand", "品牌"),
    "batch": ("batch", "批次", "批号"),
    "manufacturer": ("manufacturer", "生产企业", "厂"),
    "title": ("title", "name", "标题", "名称"),
    "photo": ("photo", "image", "phash", "图片"),
    "licence": ("licence", "license", "许可证"),
}


#: Marks of a finding that speaks against the match (the matchers write "≠", "is not", "not known").
AGAINST = ("≠", " is not ", "not known", "不一致", "不符")


@dataclass(frozen=True)
class Reason:
    text: str
    field: str | None
    agrees: bool = True


def _field_of(text: str) -> str | None:
    lowered = text.lower()
    for name, words in FIELD_WORDS.items():
        if any(word in lowered for word in words):
            return name
    return None


def _against(text: str) -> bool:
    return any(mark in text for mark in AGAINST)


def reasons(*sources: list[Any] | None) -> list[Reason]:
    """Every reason from the flag's explanation and the match's reasons, each once, as plain text."""
    out: list[Reason] = []
    seen: set[str] = set()
    for items in sources:
        for item in items or []:
            if isinstance(item, dict):
                named = str(item.get("field") or item.get("name") or "")
                parts = [named] if named else []
                for key in ("listing", "offer", "value", "reference", "entry"):
                    if item.get(key) not in (None, ""):
                        parts.append(str(item[key]))
                text = " ↔ ".join(parts[1:]) if len(parts) > 2 else " ".join(parts)
                text = f"{named}: {text}" if named and len(parts) > 2 else text
                score = item.get("score", item.get("weight"))
                if isinstance(score, int | float):
                    text = f"{text} ({score:.2f})"
                if not text.strip():
                    text = json.dumps(item, ensure_ascii=False, sort_keys=True, default=str)
                reason = Reason(text, _field_of(named) or _field_of(text), not _against(text))
            else:
                text = str(item)
                reason = Reason(text, _field_of(text), not _against(text))
            if reason.text not in seen:
                seen.add(reason.text)
                out.append(reason)
    return out


def inside(root: Path, candidate: Path) -> Path | None:
    """``candidate`` resolved, if it is an existing file under ``root``; nothing outside is served."""
    try:
        path = (candidate if candidate.is_absolute() else root / candidate).resolve()
    except (OSError, ValueError):
        return None
    if not path.is_relative_to(root.resolve()) or not path.is_file():
        return None
    return path


@dataclass(frozen=True)
class Photo:
    src: str | None
    label: str
    link: str | None


def listing_photos(images: list[ListingImage], data_dir: Path) -> list[Photo]:
    out = []
    for img in images:
        stored = img.image is not None and inside(data_dir, Path(img.image.path or "")) is not None
        out.append(
            Photo(
                src=f"/media/images/{img.image.id}" if stored and img.image else None,
                label=img.source_url,
                link=http_url(img.source_url),
            )
        )
    return out


def _photo_ref(item: Any) -> str:
    if isinstance(item, dict):
        return str(item.get("path") or item.get("url") or item.get("src") or "")
    return str(item)


def reference_photo_path(entry: ReferenceEntry, index: int, data_dir: Path) -> Path | None:
    photos = entry.photos or []
    if not 0 <= index < len(photos):
        return None
    ref = _photo_ref(photos[index])
    if not ref or http_url(ref):
        return None
    return inside(data_dir, Path(ref))


def reference_photos(entry: ReferenceEntry, data_dir: Path) -> list[Photo]:
    out = []
    for index, item in enumerate(entry.photos or []):
        ref = _photo_ref(item)
        local = reference_photo_path(entry, index, data_dir)
        out.append(
            Photo(
                src=f"/media/reference/{entry.id}/{index}" if local else None,
                label=ref,
                link=http_url(ref),
            )
        )
    return out


def evidence_file(data_dir: Path, capture: EvidenceCapture, artefact: EvidenceArtefact) -> Path | None:
    """The artefact's object in the evidence store, only if its content still has the recorded SHA-256."""
    try:
        candidate = EvidenceLayout(data_dir / "evidence").store.path_for(artefact.sha256)
    except ValueError:
        return None
    path = inside(data_dir, candidate)
    if path is None or sha256_file(path) != artefact.sha256:
        return None
    return path


def screenshot_of(capture: EvidenceCapture) -> EvidenceArtefact | None:
    shots = [a for a in capture.artefacts if a.kind == "screenshot" or a.mime.startswith("image/")]
    shots.sort(key=lambda a: (a.kind != "screenshot", "mobile" not in a.name.lower(), a.name))
    return shots[0] if shots else None


def shot_src(
    data_dir: Path, capture: EvidenceCapture | None, artefact: EvidenceArtefact | None
) -> str | None:
    """The screenshot's URL when its file is present and intact, else ``None``."""
    if capture is None or artefact is None or evidence_file(data_dir, capture, artefact) is None:
        return None
    return f"/media/evidence/{artefact.id}"


def reason_text(item: Any) -> str:
    found = reasons([item])
    return found[0].text if found else ""
