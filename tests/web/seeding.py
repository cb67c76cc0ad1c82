"""Builds review-app data through the repositories the crawler itself uses."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crawler.catalogue.schema import load_categories, load_platforms
from crawler.evidence.layout import EvidenceLayout
from crawler.items import ListingItem
from crawler.storage.engine import transaction
from crawler.storage.models import (
    Category,
    CrawlStat,
    Decision,
    EvidenceArtefact,
    EvidenceCapture,
    Flag,
    FlagStatus,
    Image,
    Listing,
    ListingImage,
    ListType,
    Match,
    Platform,
    Purchase,
    PurchaseStatus,
    ReferenceEntry,
    Role,
)
from crawler.storage.repositories.catalogue import CategoryRepository, PlatformRepository
from crawler.storage.repositories.listings import ListingRepository
from crawler.storage.repositories.references import ReferenceRepository
from crawler.storage.repositories.runs import RunRepository
from crawler.storage.repositories.users import UserRepository
from crawler.timeutil import FixedClock
from crawler.web.security import check_password_policy

PASSWORD = "correct horse battery"

EXPLAINED = {"model": "型号与抽查不合格记录一致", "brand": "品牌一致", "barcode": "条码一致"}

#: Something that yields the listings to load: direct items here, a sandbox crawl elsewhere.
ListingSource = Callable[[], Iterable[ListingItem]]


def load_catalogue(sessions: sessionmaker[Session], clock: FixedClock) -> None:
    with transaction(sessions) as session:
        PlatformRepository(session).sync(load_platforms())
        CategoryRepository(session, clock).sync(load_categories().categories)


def quick_hash(password: str) -> str:
    """An argon2id hash with light parameters: verified by the app like any other, but fast in tests."""
    check_password_policy(password)
    return PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(password)


def add_users(sessions: sessionmaker[Session], clock: FixedClock, password: str = PASSWORD) -> None:
    hashed = quick_hash(password)
    with transaction(sessions) as session:
        users = UserRepository(session, clock)
        for name, role in (("analyst", Role.ANALYST), ("officer", Role.OFFICER), ("admin", Role.ADMIN)):
            users.add(name, hashed, role)


def store_listings(sessions: sessionmaker[Session], source: ListingSource, now: datetime) -> list[int]:
    """Load what ``source`` yields the way the crawl pipeline stores it."""
    with transaction(sessions) as session:
        result = ListingRepository(session).upsert_batch(list(source()), now)
    return result.new + result.changed + result.unchanged


def add_reference_entries(
    sessions: sessionmaker[Session],
    clock: FixedClock,
    entries: list[dict[str, Any]],
    code: str = "samr-spotcheck",
) -> list[int]:
    with transaction(sessions) as session:
        repo = ReferenceRepository(session, clock)
        ref_list = repo.get_or_create_list(
            code, "国家市场监督管理总局 产品质量国家监督抽查", ListType.NONCOMPLIANT
        )
        rows = [
            ReferenceEntry(
                ref_key=e.get("ref_key", f"e{i}"),
                entry_hash=hashlib.sha256(repr(sorted(e.items())).encode()).hexdigest(),
                list_type=e.get("list_type", ListType.NONCOMPLIANT),
                product_name=e.get("product_name", ""),
                brand=e.get("brand"),
                models=e.get("models", []),
                batches=e.get("batches", []),
                barcodes=e.get("barcodes", []),
                manufacturer=e.get("manufacturer"),
                hazard=e.get("hazard"),
                source_url=e.get("source_url"),
                photos=e.get("photos", []),
                published_on=e.get("published_on"),
            )
            for i, e in enumerate(entries)
        ]
        repo.add_version(ref_list, rows)
        return [r.id for r in rows]


def add_flag(
    session: Session,
    listing_id: int,
    entry_id: int | None,
    risk: float,
    created_at: datetime,
    reasons: list[Any],
    list_type: ListType | None = ListType.NONCOMPLIANT,
    status: FlagStatus = FlagStatus.OPEN,
) -> Flag:
    match = None
    if entry_id is not None:
        match = Match(
            listing_id=listing_id,
            entry_id=entry_id,
            score=risk,
            decision=Decision.MATCH,
            reasons=reasons,
            created_at=created_at,
            updated_at=created_at,
        )
        session.add(match)
        session.flush()
    flag = Flag(
        listing_id=listing_id,
        kind="match",
        subject=f"entry:{entry_id}",
        match_id=match.id if match else None,
        entry_id=entry_id,
        list_type=list_type,
        risk_score=risk,
        status=status,
        explanation=[
            r if isinstance(r, str) else EXPLAINED.get(str(r.get("field")), str(r.get("field")))
            for r in reasons
        ],
        created_at=created_at,
        updated_at=created_at,
    )
    session.add(flag)
    session.flush()
    return flag


@functools.lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    for path in (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    ):
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


def product_photo(path: Path, label: str, colour: tuple[int, int, int]) -> bytes:
    """A small product-style photo with a caption, written to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img = PILImage.new("RGB", (240, 240), (248, 248, 248))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((50, 40, 190, 170), radius=24, fill=colour)
    draw.ellipse((95, 75, 145, 125), fill=(255, 255, 255))
    draw.text((120, 205), label, fill=(40, 40, 40), font=_font(18), anchor="mm")
    img.save(path, "PNG")
    return path.read_bytes()


def mobile_capture_png(path: Path, title: str, price: str, shop: str) -> bytes:
    """A phone-sized page image standing in for the evidence module's screenshot."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img = PILImage.new("RGB", (412, 860), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, 412, 56), fill=(226, 35, 26))
    draw.text((16, 14), "京东 JD", fill=(255, 255, 255), font=_font(22))
    draw.rectangle((30, 80, 382, 420), fill=(238, 238, 238))
    draw.rounded_rectangle((120, 160, 292, 340), radius=30, fill=(90, 140, 200))
    draw.text((24, 440), f"¥ {price}", fill=(226, 35, 26), font=_font(30))
    y = 490
    for start in range(0, len(title), 16):
        draw.text((24, y), title[start : start + 16], fill=(20, 20, 20), font=_font(20))
        y += 30
    draw.text((24, y + 20), shop, fill=(90, 90, 90), font=_font(18))
    img.save(path, "PNG")
    return path.read_bytes()


@dataclass
class Demo:
    flag_ids: list[int] = field(default_factory=list)
    top_flag: int = 0
    masked_flag: int = 0
    captured_flag: int = 0
    seller_id: int = 0
    listing_id: int = 0


DEMO_LISTINGS = [
    # platform, item id, category, title, price, masked, shop, brand, model, specs
    (
        "jd",
        "100012345678",
        "power_bank",
        "20000毫安 快充移动电源 PD22.5W 双向快充 大容量充电宝",
        "89.00",
        False,
        "极速数码专营店",
        "酷电",
        "KD-P20",
        {"容量": "20000mAh", "输出": "PD 22.5W", "3C认证": "2021011609123456"},
    ),
    (
        "taobao",
        "6789012345",
        "space_heater",
        "家用取暖器 小太阳电暖气 节能速热 倾倒断电",
        None,
        True,
        "暖冬家电旗舰店",
        "暖阳",
        "NY-1800A",
        {"功率": "1800W", "电压": "220V"},
    ),
    (
        "pdd",
        "pdd-55501",
        "children_clothing",
        "儿童卫衣 连帽抽绳 秋冬加绒 男童女童",
        "39.90",
        False,
        "童趣服饰工厂店",
        "小棉袄",
        "XM-2201",
        {"面料": "棉 80% 聚酯纤维 20%", "安全类别": "B类"},
    ),
    (
        "jd",
        "100077788899",
        "child_safety_seat",
        "儿童安全座椅 ISOFIX接口 0-12岁 360度旋转",
        "699.00",
        False,
        "安途母婴专营店",
        "安途",
        "AT-360",
        {"适用年龄": "0-12岁", "接口": "ISOFIX"},
    ),
    (
        "aliexpress",
        "1005006123456789",
        "power_bank",
        "Power Bank 30000mAh Fast Charging USB-C",
        "15.99",
        False,
        "Shenzhen Energy Store",
        "VoltMax",
        "VM-30K",
        {"Capacity": "30000mAh"},
    ),
    (
        "amazon",
        "B0C1234567",
        "space_heater",
        "Portable Space Heater 1500W Ceramic, Tip-Over Protection",
        "34.99",
        False,
        "HomeWarm Direct",
        "HomeWarm",
        "HW-1500C",
        {"Wattage": "1500W"},
    ),
    (
        "yhd",
        "yhd-90001",
        "school_uniform",
        "中小学生校服套装 运动款 春秋季 纯棉",
        "128.00",
        False,
        "校园风尚服饰",
        "学优",
        "XY-2024",
        {"面料": "纯棉", "执行标准": "GB/T 31888"},
    ),
    (
        "taobao",
        "6789099999",
        "children_clothing",
        "婴儿连体衣 纯棉 新生儿哈衣 爬服",
        "49.00",
        False,
        "宝贝衣橱",
        "贝贝熊",
        "BB-09",
        {"面料": "纯棉"},
    ),
]


def demo_dataset(
    sessions: sessionmaker[Session], clock: FixedClock, data_dir: Path, extra_flags: int = 36
) -> Demo:
    """A believable morning: listings on every platform, two nights of history, flags, a crawl run
    with a blocked and an empty cell, purchases, one evidence capture with its screenshot file."""
    demo = Demo()
    now = clock.now()
    night1, night2 = now - timedelta(days=1), now
    colours = [(90, 140, 200), (200, 120, 60), (120, 170, 90), (170, 90, 160)]

    def first_night() -> list[ListingItem]:
        items = []
        for platform, item_id, cat, title, price, masked, shop, brand, model, specs in DEMO_LISTINGS:
            items.append(
                ListingItem(
                    platform=platform,
                    item_id=item_id,
                    title=title,
                    url=f"https://item.m.jd.com/product/{item_id}.html"
                    if platform == "jd"
                    else f"https://{platform}.example.invalid/item/{item_id}",
                    category=cat,
                    price=Decimal(price) * Decimal("1.1") if price else None,
                    price_masked=masked,
                    seller_id="shop-" + hashlib.sha256(shop.encode()).hexdigest()[:8],
                    seller_name=shop,
                    brand=brand,
                    model=model,
                    specs=specs,
                    barcodes=["6901234567892"] if platform == "jd" else [],
                    image_urls=[f"https://img14.360buyimg.com/n1/jfs/{item_id}_{k}.jpg" for k in range(2)],
                    sales_count=1200,
                    detail_fetched=True,
                )
            )
        return items

    def second_night() -> list[ListingItem]:
        items = first_night()
        for item, row in zip(items, DEMO_LISTINGS, strict=True):
            item.price = Decimal(row[4]) if row[4] else None
        return items

    store_listings(sessions, first_night, night1)
    ids = store_listings(sessions, second_night, night2)
    entries = add_reference_entries(
        sessions,
        clock,
        [
            {
                "ref_key": f"2026-{i:03d}",
                "product_name": row[3][:14],
                "brand": row[7],
                "models": [row[8]],
                "batches": ["20260315"],
                "barcodes": ["6901234567892"] if row[0] == "jd" else [],
                "manufacturer": f"{row[7]}电器有限公司",
                "hazard": "输出电压不合格，存在过热起火风险" if i == 0 else "标识不合格",
                "source_url": "https://www.samr.gov.cn/zljds/cjjg/art/2026/art_001.html",
                "photos": [f"reference/{i}.png"],
                "published_on": date(2026, 10, 15),
            }
            for i, row in enumerate(DEMO_LISTINGS)
        ],
    )
    for i, _row in enumerate(DEMO_LISTINGS):
        product_photo(data_dir / "reference" / f"{i}.png", f"参考样品 {i + 1}", colours[i % 4])
    with transaction(sessions) as session:
        listings = {
            row.platform_item_id: row for row in session.scalars(select(Listing).where(Listing.id.in_(ids)))
        }
        for i, row in enumerate(DEMO_LISTINGS):
            listing = listings[row[1]]
            for img in session.scalars(select(ListingImage).where(ListingImage.listing_id == listing.id)):
                rel = Path("images") / f"{listing.id}_{img.position}.png"
                blob = product_photo(
                    data_dir / rel, f"商品图 {listing.id}-{img.position}", colours[(i + img.position) % 4]
                )
                image = Image(
                    sha256=hashlib.sha256(blob).hexdigest(),
                    size=len(blob),
                    mime="image/png",
                    path=str(rel),
                    created_at=now,
                )
                session.add(image)
                session.flush()
                img.image_id = image.id
            reasons = [
                {"field": "model", "listing": row[8], "reference": row[8], "score": 1.0},
                {"field": "brand", "listing": row[7], "reference": row[7], "score": 0.9},
            ]
            if row[0] == "jd":
                reasons.append(
                    {
                        "field": "barcode",
                        "listing": "6901234567892",
                        "reference": "6901234567892",
                        "score": 1.0,
                    }
                )
            flag = add_flag(
                session,
                listing.id,
                entries[i],
                round(0.97 - i * 0.06, 2),
                now - timedelta(hours=3 + i),
                reasons,
            )
            demo.flag_ids.append(flag.id)
            if i == 0:
                demo.top_flag, demo.seller_id, demo.listing_id = flag.id, listing.seller_id or 0, listing.id
            if row[5]:
                demo.masked_flag = flag.id
        # older flags across the month, for the charts and for paging
        base_listings = list(listings.values())
        for k in range(extra_flags):
            listing = base_listings[k % len(base_listings)]
            flag = add_flag(
                session,
                listing.id,
                None,
                round(0.2 + (k % 10) * 0.03, 2),
                now - timedelta(days=1 + k % 28, hours=k),
                [f"标题包含高风险关键词（第 {k} 条）"],
                list_type=ListType.RISK,
            )
            flag.subject = f"risk:{k}"
            demo.flag_ids.append(flag.id)
        # a capture of the top flag, with its mobile screenshot
        top = session.get(Flag, demo.top_flag)
        capture = EvidenceCapture(
            listing_id=top.listing_id,
            flag_id=top.id,
            captured_at=now - timedelta(hours=2),
            requested_url=top.listing.url,
            final_url=top.listing.url,
            device_profile="Pixel 7",
            software_version="0.1.0",
            manifest_sha256="0" * 64,
            status="complete",
        )
        session.add(capture)
        session.flush()
        blob = mobile_capture_png(
            data_dir / "tmp" / "mobile.png", top.listing.title, "89.00", "极速数码专营店"
        )
        EvidenceLayout(data_dir / "evidence").store.put(blob)
        session.add(
            EvidenceArtefact(
                capture_id=capture.id,
                name="screenshot.png",
                kind="screenshot",
                sha256=hashlib.sha256(blob).hexdigest(),
                size=len(blob),
                mime="image/png",
            )
        )
        demo.captured_flag = top.id
        # purchases in several states
        for k, status in enumerate(
            [
                PurchaseStatus.PLANNED,
                PurchaseStatus.ORDERED,
                PurchaseStatus.ORDERED,
                PurchaseStatus.SENT_TO_LAB,
                PurchaseStatus.RESULT,
            ]
        ):
            listing = base_listings[(k + 3) % len(base_listings)]
            session.add(
                Purchase(
                    listing_id=listing.id,
                    category_id=listing.category_id,
                    status=status,
                    created_at=now,
                    updated_at=now,
                )
            )
        # last night's crawl: most cells found listings, one was blocked, one came back empty
        runs = RunRepository(session, clock)
        run = runs.start("nightly")
        platforms = {p.code: p for p in session.scalars(select(Platform))}
        categories = list(session.scalars(select(Category).order_by(Category.priority, Category.code)))[:12]
        for p_index, platform in enumerate(platforms.values()):
            for c_index, category in enumerate(categories):
                stat = runs.stat(run, platform, category)
                if (p_index, c_index) == (1, 2):
                    runs.mark_blocked(stat, "slider captcha served with HTTP 200")
                    runs.add_counts(stat, requests=3, pages_fetched=0)
                elif (p_index, c_index) == (2, 4):
                    runs.add_counts(stat, requests=2, pages_fetched=1, listings_seen=0)
                else:
                    runs.add_counts(
                        stat, requests=4, pages_fetched=3, listings_seen=30 + 7 * ((p_index + c_index) % 9)
                    )
        runs.finish(run)
    return demo


def blocked_and_empty(session: Session) -> tuple[CrawlStat, CrawlStat]:
    stats = list(session.scalars(select(CrawlStat)))
    blocked = next(s for s in stats if s.blocked)
    empty = next(s for s in stats if not s.blocked and s.listings_seen == 0)
    return blocked, empty
