"""Conversions from reference records, stored rows and listing files to the matchers' plain types."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from crawler.references.records import ReferenceRecord
from crawler.storage.models import Listing, ReferenceEntry
from matchers.photos import ImageHasher
from matchers.types import Offer, Reference

ProblemSink = Callable[[str, str], None]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def hash_photos(
    paths: list[str],
    base: Path,
    hasher: ImageHasher | None,
    where: str,
    problem: ProblemSink,
    reference: bool = False,
) -> list[int]:
    """Perceptual hashes of image files named relative to ``base`` (a ``reference`` photo gives every hash
    it is looked up by); unreadable ones are reported."""
    if hasher is None:
        return []
    out: list[int] = []
    for name in paths:
        path = (base / name) if not Path(name).is_absolute() else Path(name)
        try:
            found = hasher.hash_reference(path) if reference else [hasher.hash_file(path)]
            out.extend(h for h in found if h not in out)
        except (OSError, ValueError, SyntaxError) as exc:
            problem(where, f"image {name!r} cannot be read: {exc.__class__.__name__}")
    return out


def reference_from_record(
    record: ReferenceRecord,
    base: Path | None = None,
    hasher: ImageHasher | None = None,
    problem: ProblemSink | None = None,
) -> Reference:
    photos = (
        hash_photos(
            list(record.photos),
            base,
            hasher,
            f"ref {record.ref_id}",
            problem or (lambda *_: None),
            reference=True,
        )
        if base is not None
        else []
    )
    return Reference(
        ref_id=record.ref_id,
        product_name=record.product_name or "",
        brand=record.brand,
        models=list(record.models),
        barcodes=[*record.barcodes, *record.invalid_barcodes],
        batches=list(record.batches),
        production_dates=list(record.production_dates),
        manufacturer=record.manufacturer,
        category=record.category,
        hazard=record.hazard,
        list_type=str(record.list_type),
        photo_hashes=photos,
    )


def entry_photo_hashes(entry: ReferenceEntry, hasher: ImageHasher, problems: list[str]) -> list[int]:
    """A stored entry's photo hashes: those kept with it, else its photo files hashed as reference photos."""
    stored = (entry.extra or {}).get("photo_hashes")
    if stored:
        return [int(h) for h in stored]
    out: list[int] = []
    for name in entry.photos or []:
        path = Path(str(name))
        if path.is_file():
            try:
                out.extend(h for h in hasher.hash_reference(path) if h not in out)
            except (OSError, ValueError) as exc:
                problems.append(f"entry {entry.id}: photo {name}: {exc.__class__.__name__}")
    return out


def reference_from_entry(entry: ReferenceEntry, photo_hashes: list[int] | None = None) -> Reference:
    extra = entry.extra or {}
    hashes = (
        photo_hashes
        if photo_hashes is not None
        else [int(h) for h in extra.get("photo_hashes", []) if str(h).lstrip("-").isdigit()]
    )
    return Reference(
        ref_id=str(entry.id),
        product_name=entry.product_name or "",
        brand=entry.brand,
        models=[str(m) for m in entry.models or []],
        barcodes=[str(b) for b in entry.barcodes or []],
        batches=[str(b) for b in entry.batches or []],
        production_dates=[str(d) for d in extra.get("production_dates", []) or []],
        manufacturer=entry.manufacturer,
        category=entry.category.code if entry.category is not None else entry.category_text,
        hazard=entry.hazard,
        list_type=str(entry.list_type),
        photo_hashes=hashes,
    )


def offer_from_listing(listing: Listing) -> Offer:
    photo_hashes = [
        int(img.image.phash) & 0xFFFFFFFFFFFFFFFF
        for img in listing.images
        if img.image is not None and img.image.phash is not None
    ]
    return Offer(
        offer_id=str(listing.id),
        title=listing.title or "",
        platform=listing.platform.code if listing.platform is not None else "",
        brand=listing.brand,
        model=listing.model,
        shop=listing.seller.name if listing.seller is not None else None,
        price=float(listing.price) if listing.price is not None else None,
        url=listing.url,
        barcodes=[str(b) for b in listing.barcodes or []],
        attributes={str(k): v for k, v in (listing.specs or {}).items()},
        photo_hashes=photo_hashes,
        category=listing.category.code if listing.category is not None else None,
    )


class LineError(ValueError):
    """A listing line that cannot be used; the message says why."""


def offer_from_json(
    obj: Any, base: Path, hasher: ImageHasher | None, where: str, problem: ProblemSink
) -> Offer:
    """One line of a listings JSONL file. ``listing_id`` and ``title`` are required, the rest optional."""
    if not isinstance(obj, dict):
        raise LineError("not a JSON object")
    listing_id = _text(obj.get("listing_id"))
    title = _text(obj.get("title")) if isinstance(obj.get("title"), str) else None
    if not listing_id:
        raise LineError("listing_id is missing or empty")
    if not title:
        raise LineError("title is missing, empty or not text")
    price = obj.get("price")
    try:
        price_value = float(Decimal(str(price))) if price not in (None, "") else None
    except (InvalidOperation, ValueError):
        problem(where, f"price {price!r} is not a number; ignored")
        price_value = None
    attributes = obj.get("attributes") or {}
    if not isinstance(attributes, dict):
        problem(where, "attributes is not an object; ignored")
        attributes = {}
    images = obj.get("image_paths") or []
    if not isinstance(images, list) or not all(isinstance(p, str) for p in images):
        problem(where, "image_paths is not a list of paths; ignored")
        images = []
    barcodes = obj.get("barcodes") or []
    return Offer(
        offer_id=listing_id,
        title=title,
        platform=_text(obj.get("platform")) or "",
        brand=_text(obj.get("brand")),
        model=_text(obj.get("model")),
        shop=_text(obj.get("shop")),
        price=price_value,
        url=_text(obj.get("url")),
        barcodes=[str(b) for b in barcodes] if isinstance(barcodes, list) else [],
        attributes={
            str(k): v for k, v in attributes.items() if v is not None and not isinstance(v, dict | list)
        },
        photo_hashes=hash_photos(images, base, hasher, where, problem),
    )
