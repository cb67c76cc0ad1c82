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
    """Photo ``number`` of a listing: photo 0 is the product itself as this seller shows it, others differ."""
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
    return img


@lru_cache(maxsize=512)
def variant_bytes(seed: int, product_key: str, listing_key: str, number: int) -> bytes:
    rng = _rng(seed, listing_key, number, "quality")
    return encode(variant(seed, product_key, listing_key, number), quality=rng.randrange(60, 93))
