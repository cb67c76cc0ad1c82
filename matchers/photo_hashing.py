"""Photo hashes that survive what sellers do to a picture: crop, pad, letterbox, resize, re-encode,
watermark, caption and mirror.

One global perceptual hash of a listing photo is not enough: a white border added around the product,
or a letterbox to a portrait frame, moves the product inside the square the hash sees, and a mirrored
or cropped photo has a different hash altogether. The two sides are therefore hashed differently:

- a **listing photo** keeps one 64-bit hash (the ``image.phash`` column): the pHash of the photo with
  its uniform borders trimmed (:func:`listing_hash`). Trimming undoes padding, letterboxing and plain
  white margins, whatever their size, before the hash is taken;
- a **reference photo** is expanded into the pictures a seller may make of it (:func:`reference_hashes`):
  as it is, trimmed, mirrored, and trimmed then cropped by 7 % and 14 % on each side in turn and all
  round. A listing photo then only has to fall near one of them, so the multi-index lookup
  (``matchers.photos.HashIndex``) stays a plain Hamming search of one query against a few more keys.

Reference photos are few (thousands) and hashed once; listing photos are many and hashed once each, so
the expansion costs nothing at listing time. The old un-trimmed listing hashes keep matching through the
reference's "as it is" hash. A corner watermark on a white background stops the trim at the watermark;
such a listing is then compared as an un-trimmed picture, which the "as it is" hash covers too.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

#: A pixel differs from the border colour when one channel is this far from it (JPEG noise stays below).
TRIM_TOLERANCE = 28
#: Reference photos are expanded from a copy at most this many pixels a side.
REFERENCE_SIZE = 512
#: Crops of the reference photo the index also holds: (left, top, right, bottom) shares removed.
#: Per dimension: nothing, 6 % or 12 % off one side, or 3 % or 6 % off both; every pairing of the two.
_CUTS = ((0.0, 0.0), (0.06, 0.0), (0.12, 0.0), (0.0, 0.06), (0.0, 0.12), (0.03, 0.03), (0.06, 0.06))
CROPS: tuple[tuple[float, float, float, float], ...] = tuple(
    (a, c, b, d) for a, b in _CUTS for c, d in _CUTS if a + b + c + d
)


def _open(source):
    from PIL import Image

    if isinstance(source, Image.Image):
        return source.convert("RGB")
    with Image.open(source) as image:
        return image.convert("RGB")


def phash(image) -> int:
    import imagehash

    return int(str(imagehash.phash(image)), 16)


def trim(image):
    """The picture without its uniform border (the colour of the corners), or itself when it has none.

    The border colour is the commonest colour of the outermost pixels. What differs from it is
    looked at on a grid of at most 96 cells a side, as connected parts: the product is the largest part
    and the parts at least a third its size; smaller parts (a shop's logo in a corner, a caption) are
    left out of the frame. A trim that would leave less than a tenth of the picture on a side is not
    made: that picture is a plain background, not a border.
    """
    from scipy import ndimage

    w, h = image.size
    if h < 8 or w < 8:
        return image
    scale = max(w, h) / 96
    small = image.resize((max(1, round(w / scale)), max(1, round(h / scale))), _box())
    arr = np.asarray(small, dtype=np.int16)
    sh, sw = arr.shape[:2]
    ring = np.concatenate([arr[0], arr[-1], arr[:, 0], arr[:, -1]])
    bins = (ring // 16) @ np.array([256, 16, 1])
    common = np.bincount(bins).argmax()
    background = np.median(ring[bins == common], axis=0)
    differs = (np.abs(arr - background) > TRIM_TOLERANCE).any(axis=2)
    _drop_bands(differs)
    labels, count = ndimage.label(differs, structure=np.ones((3, 3), dtype=bool))
    if count == 0:
        return image
    sizes = np.bincount(labels.ravel())[1:]
    largest = int(np.argmax(sizes)) + 1
    keep = []
    for label in np.flatnonzero(sizes >= sizes.max() / 3) + 1:
        if label != largest:
            ys, xs = np.nonzero(labels == label)
            if (xs.min() == 0 and xs.max() == sw - 1) or (ys.min() == 0 and ys.max() == sh - 1):
                continue  # a band across the picture (a caption), not the product
        keep.append(label)
    kept = np.isin(labels, keep)
    rows, cols = np.flatnonzero(kept.any(axis=1)), np.flatnonzero(kept.any(axis=0))
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    left, right = int(cols[0]), int(cols[-1]) + 1
    if (bottom - top) < sh // 10 or (right - left) < sw // 10 or (top, bottom, left, right) == (0, sh, 0, sw):
        return image
    # the coarse frame, one cell wider all round, is cut exactly at full resolution
    x0, y0 = max(0, int((left - 1) * scale)), max(0, int((top - 1) * scale))
    x1, y1 = min(w, int(np.ceil((right + 1) * scale))), min(h, int(np.ceil((bottom + 1) * scale)))
    full = np.asarray(image.crop((x0, y0, x1, y1)), dtype=np.int16)
    fine = (np.abs(full - background) > TRIM_TOLERANCE).any(axis=2)
    rows, cols = np.flatnonzero(fine.mean(axis=1) > 0.01), np.flatnonzero(fine.mean(axis=0) > 0.01)
    if not len(rows) or not len(cols):
        return image
    return image.crop((x0 + int(cols[0]), y0 + int(rows[0]), x0 + int(cols[-1]) + 1, y0 + int(rows[-1]) + 1))


def _drop_bands(differs: np.ndarray) -> None:
    """Clear caption bands: runs of rows from the top or bottom edge that differ from the background
    almost all the way across, when they are short (a band, not a picture that fills the frame)."""
    full = differs.mean(axis=1) > 0.9
    h = len(full)
    for rows in (range(h), range(h - 1, -1, -1)):
        run = 0
        for r in rows:
            if not full[r]:
                break
            run += 1
        if 0 < run <= h // 5:
            band = list(rows)[:run]
            differs[band] = False


def _lanczos():
    from PIL import Image

    return Image.Resampling.LANCZOS


def _box():
    from PIL import Image

    return Image.Resampling.BOX


def listing_hash(source) -> int:
    """The one hash stored for a listing photo: pHash after the uniform border is trimmed."""
    return phash(trim(_open(source)))


def _crop(image, shares: tuple[float, float, float, float]):
    w, h = image.size
    left, top, right, bottom = shares
    return image.crop((int(w * left), int(h * top), w - int(w * right), h - int(h * bottom)))


def reference_hashes(source) -> list[int]:
    """The hashes a reference photo is found by: distinct, in a fixed order (as-is and trimmed first)."""
    from PIL import ImageOps

    image = _open(source)
    if max(image.size) > REFERENCE_SIZE:
        # the hash sees 32 x 32 pixels: a smaller copy makes the many crops cheap and changes nothing
        image.thumbnail((REFERENCE_SIZE, REFERENCE_SIZE), _lanczos())
    trimmed = trim(image)
    pictures = [image, trimmed, ImageOps.mirror(trimmed), ImageOps.mirror(image)]
    pictures += [_crop(trimmed, c) for c in CROPS]
    out: list[int] = []
    for picture in pictures:
        h = phash(picture)
        if h not in out:
            out.append(h)
    return out


def reference_hashes_of(sources: Iterable) -> list[int]:
    out: list[int] = []
    for source in sources:
        for h in reference_hashes(source):
            if h not in out:
                out.append(h)
    return out


def hash_bytes(data: bytes, reference: bool = False) -> list[int]:
    """Hashes of an encoded image: the listing hash, or a reference photo's expansion."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
    return reference_hashes(rgb) if reference else [listing_hash(rgb)]


def hash_path(path: str | Path, reference: bool = False) -> list[int]:
    return hash_bytes(Path(path).read_bytes(), reference=reference)
