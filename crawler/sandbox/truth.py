"""Ground truth: what every listing served is (planted match, near miss, plain, relisted copy, taken down)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from crawler.sandbox import photos, signal_cases
from crawler.sandbox.config import PLATFORMS
from crawler.sandbox.content import Listing, Market
from crawler.sandbox.server import ref_photo_name


def listing_url(listing: Listing) -> str:
    i = listing.item_id
    if listing.platform == "jd":
        return f"https://item.m.jd.com/product/{i}.html"
    if listing.platform == "taobao":
        from crawler.sandbox.platforms.taobao import item_url

        return item_url(listing)
    if listing.platform == "pdd":
        return f"https://mobile.yangkeduo.com/goods.html?goods_id={i}"
    if listing.platform == "yhd":
        return f"https://item.m.yhd.com/item/{i}"
    if listing.platform == "aliexpress":
        from crawler.sandbox.platforms.aliexpress import item_url

        return "https:" + item_url(listing)
    if listing.platform == "amazon":
        return f"https://www.amazon.com/dp/{i}"
    return f"https://m.ocj.com.cn/item/{i}.html"


def record(market: Market, listing: Listing) -> dict[str, Any]:
    night = market.config.night
    product = listing.product
    ref = product.ref
    out: dict[str, Any] = {
        "type": "listing",
        "platform": listing.platform,
        "item_id": listing.item_id,
        "index": listing.index,
        "url": listing_url(listing),
        "category": listing.category,
        "status": "live" if listing.alive(night) else "taken_down",
        "born_night": listing.born,
        "taken_down_night": listing.down,
        "changed_night": listing.version,
        "retitled_night": listing.title_version,
        "kind": product.kind,
        "near_miss_kind": product.near_miss,
        "ref": None,
        "relist_of": None,
        "title": listing.title,
        "price": listing.price,
        "currency": listing.currency,
        "shop_id": listing.shop_id,
        "shop_name": listing.shop_name,
        "brand_shown": listing.brand_shown,
        "model_in_title": listing.model_in_title,
        "model_in_specs": listing.model_in_specs,
        "variations": list(listing.variations),
        "photo_key": product.key,
        "trap": product.trap,
        "photo_edit": product.photo_edit,
    }
    if ref is not None:
        out["ref"] = {
            "source": ref.source,
            "file": ref.file,
            "ref_id": ref.ref_id,
            "list_type": ref.list_type,
            "brand": ref.brand,
            "model": ref.model,
            "photo": f"/_sandbox/refphoto/{ref_photo_name(ref.key)}.jpg",
        }
    if listing.signal is not None:
        out["signal"] = {"case": listing.signal, "kind": signal_cases.CASE_SIGNAL[listing.signal]}
    if listing.relist_of is not None:
        origin = market.listing(listing.platform, listing.relist_of)
        out["relist_of"] = {"item_id": origin.item_id, "index": origin.index, "shop_name": origin.shop_name}
    return out


def meta(market: Market) -> dict[str, Any]:
    cfg = market.config
    return {
        "type": "meta",
        "seed": cfg.seed,
        "size": cfg.size,
        "night": cfg.night,
        "references": market.pool.origin,
        "reference_entries": len(market.pool.refs),
        "platforms": list(PLATFORMS),
        "listings_per_platform": cfg.count(),
    }


def records(
    market: Market, platforms: tuple[str, ...] = PLATFORMS, include_plain: bool = True
) -> Iterator[dict[str, Any]]:
    for platform in platforms:
        for index in market.all_indexes():
            listing = market.listing(platform, index)
            if not include_plain and listing.product.kind == "plain" and listing.relist_of is None:
                continue
            yield record(market, listing)


def write_truth(
    market: Market, out: IO[str], include_plain: bool = True, platforms: tuple[str, ...] = PLATFORMS
) -> int:
    out.write(json.dumps(meta(market), ensure_ascii=False) + "\n")
    count = 0
    for rec in records(market, platforms, include_plain=include_plain):
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_reference_list(market: Market, directory: Path) -> Path:
    """The reference entries in use as a generic CSV with their reference photos beside it."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "photos").mkdir(exist_ok=True)
    path = directory / "references.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            [
                "ref_id",
                "list_type",
                "product_name",
                "brand",
                "model",
                "batch",
                "barcode",
                "manufacturer",
                "category",
                "hazard",
                "image_paths",
                "source",
                "published_on",
            ]
        )
        for ref in market.pool.refs:
            name = f"photos/{ref_photo_name(ref.key)}.jpg"
            (directory / name).write_bytes(photos.reference_photo(market.config.seed, f"ref:{ref.key}"))
            writer.writerow(
                [
                    ref.ref_id,
                    ref.list_type,
                    ref.product_name,
                    ref.brand,
                    ref.model,
                    ref.batch,
                    ref.barcode,
                    ref.manufacturer,
                    ref.category,
                    ref.hazard,
                    name,
                    ref.source,
                    "",
                ]
            )
    return path
