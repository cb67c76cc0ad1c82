"""Product photos drawn from a hash: distinct between products, close between one product's listings.

A product's master image is a composition of large shapes and colours derived from its key; a listing shows
variants of it (resized, cropped, re-encoded, watermarked, slightly recoloured) that keep the perceptual hash
close, and a reference entry's "reference photo" is the master of its product.
"""

from __future__ import annotations

import io
import random
from functools import lru_cache

from PIL import Image, ImageDraw, ImageEnhance, ImageFont

from crawler.sandbox.hashing import h64

MASTER_SIZE = 512
#: Marks a product key whose listing photo is edited: ``ref:<key>#edit:<kind>``.
EDIT_MARK = "#edit:"


def _rng(*parts: object) -> random.Random:
    return random.Random(h64(*parts))


@lru_cache(maxsize=32)
def master(seed: int, product_key: str) -> Image.Image:
    """The product's own picture (returned image is shared: copy before drawing on it)."""
    rng = _rng(seed, product_key, "photo")
    size = MASTER_SIZE
    bg = tuple(rng.randrange(150, 256) for _ in range(3))
    img = Image.new("RGB", (size, size), bg)
    draw = ImageDraw.Draw(img)
    # a coarse layout of light/dark regions decides the perceptual hash; details make it look like a photo
    cells = 4
    step = size // cells
    for y in range(cells):
        for x in range(cells):
            if rng.random() < 0.45:
                tone = tuple(rng.randrange(0, 110) for _ in range(3))
                draw.rectangle([x * step, y * step, (x + 1) * step, (y + 1) * step], fill=tone)
    for _ in range(rng.randrange(3, 6)):
        colour = tuple(rng.randrange(0, 256) for _ in range(3))
        x0, y0 = rng.randrange(0, size - 120), rng.randrange(0, size - 120)
        x1, y1 = x0 + rng.randrange(80, 300), y0 + rng.randrange(80, 300)
        shape = rng.randrange(3)
        if shape == 0:
            draw.ellipse([x0, y0, x1, y1], fill=colour)
        elif shape == 1:
            draw.rounded_rectangle([x0, y0, x1, y1], radius=rng.randrange(4, 40), fill=colour)
        else:
            pts = [(rng.randrange(x0, x1), rng.randrange(y0, y1)) for _ in range(rng.randrange(3, 6))]
            draw.polygon(pts, fill=colour)
    for _ in range(rng.randrange(8, 16)):
        colour = tuple(rng.randrange(0, 256) for _ in range(3))
        x0, y0 = rng.randrange(0, size), rng.randrange(0, size)
        draw.line([x0, y0, x0 + rng.randrange(-60, 60), y0 + rng.randrange(-60, 60)], fill=colour, width=3)
    return img


def encode(img: Image.Image, quality: int = 90, fmt: str = "JPEG") -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        img.convert("RGB").save(buf, "JPEG", quality=quality)
    else:
        img.save(buf, fmt)
    return buf.getvalue()


def reference_photo(seed: int, product_key: str) -> bytes:
    return encode(master(seed, product_key), quality=95)


def variant(seed: int, product_key: str, listing_key: str, number: int) -> Image.Image:
    """Photo ``number`` of a listing: photo 0 is the product itself as this seller shows it, others differ.

    A product key ending in ``#edit:<kind>`` (the sandbox's edited-photo trap) shows photo 0 edited that
    way (see :func:`edit`) after the seller's usual light changes.
    """
    product_key, _, edited = product_key.partition(EDIT_MARK)
    img = master(seed, product_key)
    rng = _rng(seed, listing_key, number, "variant")
    if number > 0:
        # the other photos are other views: a different composition of the same palette
        img = master(seed, f"{product_key}#view{number}")
    w, h = img.size
    crop = rng.uniform(0.0, 0.05)
    left, top = int(w * crop * rng.random()), int(h * crop * rng.random())
    img = img.crop((left, top, w - int(w * crop) + left, h - int(h * crop) + top))
    target = rng.choice((800, 640, 480, 400, 350))
    img = img.resize((target, target), Image.Resampling.BILINEAR)
    if rng.random() < 0.5:
        img = ImageEnhance.Brightness(img).enhance(rng.uniform(0.92, 1.08))
    if rng.random() < 0.5:
        img = img.copy()
        draw = ImageDraw.Draw(img, "RGBA")
        font = ImageFont.load_default()
        text = rng.choice(("SHOP", "HOT", "NEW", "SALE", "OFFICIAL")) + f" {rng.randrange(100, 999)}"
        x, y = rng.randrange(5, max(6, target // 3)), rng.randrange(5, max(6, target - 30))
        draw.rectangle([x - 4, y - 4, x + 8 * len(text), y + 16], fill=(255, 255, 255, 110))
        draw.text((x, y), text, fill=(200, 30, 30, 200), font=font)
    if edited and number == 0:
        img = edit(img, edited, _rng(seed, listing_key, "edit"))
    return img


@lru_cache(maxsize=512)
def variant_bytes(seed: int, product_key: str, listing_key: str, number: int) -> bytes:
    rng = _rng(seed, listing_key, number, "quality")
    return encode(variant(seed, product_key, listing_key, number), quality=rng.randrange(60, 93))


@lru_cache(maxsize=64)
def on_white(seed: int, product_key: str) -> Image.Image:
    """A product shot the way shops show one: the product alone, on a plain white background.

    The product is a few overlapping shapes in its own colours, filling 45-85 % of the frame and a
    little off centre, so that unrelated products share the white frame and differ only inside it.
    """
    rng = _rng(seed, product_key, "white")
    size = MASTER_SIZE
    img = Image.new("RGB", (size, size), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    span = int(size * rng.uniform(0.45, 0.85))
    x0 = (size - span) // 2 + rng.randrange(-size // 20, size // 20 + 1)
    y0 = (size - span) // 2 + rng.randrange(-size // 20, size // 20 + 1)
    body = tuple(rng.randrange(0, 200) for _ in range(3))
    shape = rng.randrange(3)
    box = [x0, y0 + span // 6, x0 + span, y0 + span]
    if shape == 0:
        draw.rounded_rectangle(box, radius=rng.randrange(10, 60), fill=body)
    elif shape == 1:
        draw.ellipse(box, fill=body)
    else:
        draw.polygon([(x0, y0 + span), (x0 + span // 2, y0), (x0 + span, y0 + span)], fill=body)
    for _ in range(rng.randrange(3, 7)):
        colour = tuple(rng.randrange(0, 256) for _ in range(3))
        a = rng.randrange(x0, x0 + span - span // 5)
        b = rng.randrange(y0, y0 + span - span // 5)
        c, d = a + rng.randrange(span // 8, span // 2), b + rng.randrange(span // 8, span // 2)
        if rng.random() < 0.5:
            draw.ellipse([a, b, min(c, x0 + span), min(d, y0 + span)], fill=colour)
        else:
            draw.rectangle([a, b, min(c, x0 + span), min(d, y0 + span)], fill=colour)
    return img


#: What sellers do to a product photo before they list it (see :func:`edit`).
EDITS = ("crop", "pad", "letterbox", "resize", "jpeg", "watermark", "text", "mirror")


def edit(img: Image.Image, kind: str, rng: random.Random) -> Image.Image:
    """``img`` as a seller re-publishes it: ``kind`` is one of :data:`EDITS`.

    crop: up to 15 % of each dimension cut, split at random between the two sides; pad: a white or
    coloured margin of 5-25 %; letterbox: the photo fitted into a 3:4 or 4:3 frame with bars; resize: to
    180-1200 pixels, aspect kept; jpeg: re-encoded at quality 25-55; watermark: a shop logo box in a
    corner; text: a caption band across the bottom or top; mirror: left-right flipped.
    """
    from PIL import ImageOps

    img = img.convert("RGB")
    w, h = img.size
    if kind == "crop":
        cut_w, cut_h = int(w * rng.uniform(0.05, 0.15)), int(h * rng.uniform(0.05, 0.15))
        left, top = rng.randrange(cut_w + 1), rng.randrange(cut_h + 1)
        return img.crop((left, top, w - (cut_w - left), h - (cut_h - top)))
    if kind == "pad":
        m = int(min(w, h) * rng.uniform(0.05, 0.25))
        colour = rng.choice(((255, 255, 255), (245, 245, 245), (230, 30, 40), (20, 20, 20)))
        return ImageOps.expand(img, border=m, fill=colour)
    if kind == "letterbox":
        tall = rng.random() < 0.5
        fw, fh = (w, int(w * 4 / 3)) if tall else (int(h * 4 / 3), h)
        frame = Image.new("RGB", (fw, fh), rng.choice(((0, 0, 0), (255, 255, 255))))
        frame.paste(img, ((fw - w) // 2, (fh - h) // 2))
        return frame
    if kind == "resize":
        target = rng.randrange(180, 1200)
        return img.resize((target, max(1, int(h * target / w))), Image.Resampling.LANCZOS)
    if kind == "jpeg":
        with Image.open(io.BytesIO(encode(img, quality=rng.randrange(25, 56)))) as out:
            return out.convert("RGB")
    if kind in ("watermark", "text"):
        out = img.copy()
        draw = ImageDraw.Draw(out, "RGBA")
        font = ImageFont.load_default()
        if kind == "watermark":
            bw, bh = int(w * rng.uniform(0.12, 0.2)), int(h * rng.uniform(0.06, 0.1))
            x = rng.choice((int(w * 0.02), w - bw - int(w * 0.02)))
            y = rng.choice((int(h * 0.02), h - bh - int(h * 0.02)))
            draw.rectangle([x, y, x + bw, y + bh], fill=(200, 20, 20, 190))
            draw.text(
                (x + 4, y + 2), rng.choice(("SHOP", "旗舰", "HOT")), fill=(255, 255, 255, 255), font=font
            )
        else:
            bh = int(h * rng.uniform(0.06, 0.1))
            y = rng.choice((0, h - bh))
            draw.rectangle([0, y, w, y + bh], fill=(255, 220, 0, 150))
            draw.text((6, y + 2), "包邮 正品 SALE 限时特价", fill=(180, 0, 0, 255), font=font)
        return out
    if kind == "mirror":
        return ImageOps.mirror(img)
    raise ValueError(f"unknown edit {kind!r}")
