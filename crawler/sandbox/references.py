"""The reference entries the marketplace plants in its listings: real ones where available, else shipped.

Real entries come through ``crawler.references.read_records`` from a fixed set of files under the shared
data directory, picked deterministically (files in a fixed order, records sorted, only those with a usable
brand and model) and mapped to catalogue categories by keywords. Categories without a real entry, and every
category when the shared data is missing, use the small fictional list shipped in ``data/``. A real file that
is there but that the importer cannot read raises :class:`RealListError` naming the file and the reason: a
broken importer must not pass unnoticed as a marketplace planted from the fictional list alone.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

SHIPPED_SOURCE = "sandbox-shipped"
SHIPPED_FILE = "crawler/sandbox/data/references.csv"

#: Files read, in this order, relative to the shared data directory.
REAL_FILES = (
    "recalls/eu_safety_gate/safety_gate_notifications_online_trader.csv",
    "recalls/cpsc/cpsc_recalls_curated_tinysafe_latest2000.jsonl",
    "recalls/health_canada/HCRSAMOpenData_consumer_products_latest2000.json",
    "recalls/korea_kats/kr_recalls_canonical.jsonl",
    "spotcheck/sample_national_notice_utf8bom.csv",
)

#: Chinese names sellers use for the shipped fictional brands.
BRAND_ZH = {
    "LittleFox": "小狐狸",
    "AquaNest": "水巢",
    "SafeBreath": "安息宝",
    "SunPebble": "阳光石",
    "RoadCub": "路小熊",
    "GrowMate": "成长伴",
    "PowerPanda": "能量熊猫",
    "WarmNest": "暖巢",
    "BrewBird": "煮茶鸟",
    "VoltRide": "伏特骑",
}

#: Keywords (lower case) that place an entry in a catalogue category; the first category that hits wins.
CATEGORY_HINTS: dict[str, tuple[str, ...]] = {
    "child_safety_seat": ("car seat", "booster seat", "child restraint", "安全座椅", "카시트"),
    "baby_stroller": (
        "stroller",
        "pushchair",
        "pram",
        "scooter",
        "tricycle",
        "balance bike",
        "婴儿推车",
        "유모차",
    ),
    "helmet": ("helmet", "头盔", "헬멧"),
    "ebike_charger": ("e-bike charger", "ebike charger", "e-bike battery", "电动车充电器", "battery charger"),
    "electric_bicycle": ("e-bike", "electric bicycle", "electric bike", "ebike", "电动自行车"),
    "power_bank": ("power bank", "powerbank", "portable charger", "移动电源", "充电宝", "보조배터리"),
    "space_heater": ("heater", "取暖器", "电暖器", "히터", "난로"),
    "hair_dryer": ("hair dryer", "hairdryer", "blow dryer", "hair straightener", "吹风机", "드라이기"),
    "electric_kettle": ("kettle", "电水壶", "전기포트"),
    "shower_head": ("shower", "花洒"),
    "mask": ("face mask", "respirator", "口罩", "마스크"),
    "sunglasses": ("sunglasses", "太阳镜", "선글라스"),
    "swimwear": ("swimsuit", "swimwear", "swim ", "bikini", "泳衣", "수영복"),
    "school_uniform": ("school uniform", "校服"),
    "children_shoes": ("children's shoes", "kids shoes", "童鞋", "아동화"),
    "leather_shoes": ("leather shoe", "皮鞋"),
    "leather_clothing": ("leather jacket", "皮衣", "皮革"),
    "knitted_tshirt": ("t-shirt", "t shirt", "tee shirt", "T恤"),
    "towel": ("towel", "毛巾", "浴巾"),
    "cool_mat": ("cooling mat", "凉席"),
    "children_stationery": ("eraser", "stationery", "pencil", "crayon", "marker", "文具", "修正带", "문구"),
    "children_furniture": ("crib", "cot", "bunk bed", "children's bed", "high chair", "kids desk", "儿童床"),
    "furniture": ("chest of drawers", "dresser", "wardrobe", "sofa", "furniture", "家具", "衣柜"),
    "interior_coating": ("paint", "涂料", "乳胶漆"),
    "man_made_board": ("plywood", "particle board", "人造板", "刨花板"),
    "safety_glass": ("tempered glass", "glass panel", "钢化玻璃"),
    "car_interior": ("seat cover", "floor mat", "汽车坐垫", "脚垫"),
    "wires_cables": ("extension cord", "power cord", "cable", "电线", "电缆"),
    "children_clothing": (
        "hoodie",
        "sweatshirt",
        "children's clothing",
        "pyjama",
        "pajama",
        "童装",
        "drawstring",
    ),
    "toys": ("toy", "doll", "plush", "slime", "magnet", "rattle", "teether", "玩具", "장난감", "완구"),
}

_USABLE_MODEL = re.compile(r"[A-Za-z0-9]")


class RealListError(RuntimeError):
    """A real reference list under the shared data directory that the importer failed to read."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"real reference list {path} could not be read: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class SandboxRef:
    """A reference entry as the marketplace uses it."""

    key: str
    ref_id: str
    source: str
    file: str
    list_type: str
    product_name: str
    brand: str
    model: str
    barcode: str
    batch: str
    manufacturer: str
    category: str
    hazard: str

    @property
    def brand_zh(self) -> str | None:
        return BRAND_ZH.get(self.brand)


@dataclass(frozen=True)
class ReferencePool:
    origin: str  # "shipped" or "shared:<dir>"
    refs: tuple[SandboxRef, ...]

    def by_category(self, code: str) -> tuple[SandboxRef, ...]:
        return tuple(r for r in self.refs if r.category == code)

    def index(self) -> dict[str, tuple[SandboxRef, ...]]:
        out: dict[str, list[SandboxRef]] = {}
        for ref in self.refs:
            out.setdefault(ref.category, []).append(ref)
        return {k: tuple(v) for k, v in out.items()}

    def get(self, key: str) -> SandboxRef | None:
        for ref in self.refs:
            if ref.key == key:
                return ref
        return None


def shipped_refs() -> list[SandboxRef]:
    """The fictional list shipped with the package, read by a reader for this one file."""
    text = resources.files("crawler.sandbox").joinpath("data/references.csv").read_text("utf-8")
    out = []
    for row in csv.DictReader(text.splitlines()):
        out.append(
            SandboxRef(
                key=f"{SHIPPED_SOURCE}:{row['ref_id']}",
                ref_id=row["ref_id"],
                source=row["source"] or SHIPPED_SOURCE,
                file=SHIPPED_FILE,
                list_type=row["list_type"],
                product_name=row["product_name"],
                brand=row["brand"],
                model=row["model"],
                barcode=row["barcode"],
                batch=row["batch"],
                manufacturer=row["manufacturer"],
                category=row["category"],
                hazard=row["hazard"],
            )
        )
    return out


def category_for(text: str, known: Iterable[str]) -> str | None:
    lowered = text.lower()
    known_set = set(known)
    for code, hints in CATEGORY_HINTS.items():
        if code in known_set and any(hint.lower() in lowered for hint in hints):
            return code
    return None


def default_shared_dir() -> Path | None:
    env = os.environ.get("SURVEIL_SHARED_DATA")
    if env:
        return Path(env) if Path(env).is_dir() else None
    candidate = Path(__file__).resolve().parents[3] / "shared" / "data"
    return candidate if candidate.is_dir() else None


def real_refs(data_dir: Path, categories: Iterable[str], per_category: int = 6) -> list[SandboxRef]:
    """Usable real entries, mapped to categories, at most ``per_category`` each, taken from the files in
    turn so that every source is represented; files that are absent are left out, a file the importer
    fails on raises :class:`RealListError`."""
    from crawler.references import read_records

    known = list(categories)
    candidates: dict[str, list[list[SandboxRef]]] = {code: [] for code in known}
    for rel in REAL_FILES:
        path = data_dir / rel
        if not path.is_file():
            continue
        try:
            result = read_records(path)
        except Exception as exc:  # noqa: BLE001 - whatever the importer raised, named with its file
            raise RealListError(path, f"{exc.__class__.__name__}: {exc}") from exc
        if not result.records:
            errors = [p for p in result.problems if p.severity == "error"]
            raise RealListError(path, errors[0].reason[:300] if errors else "no records in it")
        per_file: dict[str, list[SandboxRef]] = {}
        seen: set[str] = set()
        for record in sorted(result.records, key=lambda r: str(r.ref_id)):
            ref = _from_record(record, rel, known)
            if ref is not None and ref.key not in seen:
                seen.add(ref.key)
                per_file.setdefault(ref.category, []).append(ref)
        for code, refs in per_file.items():
            candidates[code].append(refs)
    out: list[SandboxRef] = []
    for code in known:
        queues = [list(q) for q in candidates[code]]
        chosen: list[SandboxRef] = []
        while len(chosen) < per_category and any(queues):
            for queue in queues:
                if queue and len(chosen) < per_category:
                    chosen.append(queue.pop(0))
        out.extend(chosen)
    return out


def _strong_model(model: str) -> bool:
    """A model number that identifies a product without its brand: short, ASCII, letters and digits."""
    return (
        4 <= len(model) <= 20
        and model.isascii()
        and bool(re.search(r"\d", model))
        and bool(re.search(r"[A-Za-z]", model))
    )


def _from_record(record: object, rel: str, known: list[str]) -> SandboxRef | None:
    brand = (getattr(record, "brand", None) or "").strip()
    if brand.lower() in {"unknown", "n/a", "none", "-", "no brand", "unbranded"}:
        brand = ""
    models = [m.strip() for m in getattr(record, "models", []) or [] if m and m.strip()]
    if not models:
        return None
    model = models[0]
    if len(model) < 3 or len(model) > 40 or not _USABLE_MODEL.search(model):
        return None
    if not brand and not _strong_model(model):
        return None
    name = getattr(record, "product_name", "") or ""
    text = " ".join(
        x
        for x in (name, getattr(record, "category_text", None) or "", getattr(record, "category", None) or "")
        if x
    )
    category = getattr(record, "category", None)
    if category not in known:
        category = category_for(text, known)
    if category is None:
        return None
    barcodes = list(getattr(record, "barcodes", []) or [])
    batches = list(getattr(record, "batches", []) or [])
    list_type = getattr(record, "list_type", "recall")
    source = getattr(record, "source", "") or rel.split("/")[1]
    return SandboxRef(
        key=f"{source}:{record.ref_id}",  # type: ignore[attr-defined]
        ref_id=str(record.ref_id),  # type: ignore[attr-defined]
        source=source,
        file=rel,
        list_type=str(getattr(list_type, "value", list_type)),
        product_name=name[:120],
        brand=brand[:60],
        model=model,
        barcode=barcodes[0] if barcodes else "",
        batch=batches[0] if batches else "",
        manufacturer=(getattr(record, "manufacturer", None) or "")[:80],
        category=category,
        hazard=(getattr(record, "hazard", None) or "")[:200],
    )


def load_pool(references: str | Path | None, categories: Iterable[str]) -> ReferencePool:
    """``"shipped"`` for the fictional list alone; a directory, or None/"auto" for the shared data."""
    known = list(categories)
    shipped = [r for r in shipped_refs() if r.category in known]
    if references == "shipped":
        return ReferencePool("shipped", tuple(shipped))
    data_dir = default_shared_dir() if references in (None, "auto") else Path(references)
    if data_dir is None or not data_dir.is_dir():
        return ReferencePool("shipped", tuple(shipped))
    real = real_refs(data_dir, known)
    if not real:
        return ReferencePool("shipped", tuple(shipped))
    covered = {r.category for r in real}
    merged = real + [r for r in shipped if r.category not in covered]
    order = {code: i for i, code in enumerate(known)}
    merged.sort(key=lambda r: order[r.category])
    return ReferencePool(f"shared:{data_dir}", tuple(merged))
