"""Risk-signal cases the marketplace plants when ``SandboxConfig.signals`` is on: a cancelled licence
number, a missing CCC number, fake licensed goods, a blacklisted maker, an underpriced copy.

Only plain listings of the Chinese platforms are planted (planted matches and near misses stay as they
are); each planted listing says its case in ``Listing.signal`` and in the truth. The lists the checks
need (licence registry, licensed-products allow-list, company blacklist) are written by
:func:`write_signal_lists` in the generic CSV format.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.sandbox.config import ENGLISH_PLATFORMS, PLATFORMS
from crawler.sandbox.hashing import h64

if TYPE_CHECKING:
    from crawler.sandbox.content import Listing, Market

#: One plain listing in this many is planted.
EVERY = 12
#: The signal kind each case should raise.
CASE_SIGNAL = {
    "licence_cancelled": "licence",
    "ccc_missing": "ccc_missing",
    "licensed_fake": "licensed_ip",
    "blacklisted_maker": "blacklist",
    "underpriced": "price",
}
LICENCE_LABEL = "生产许可证编号"
CCC_LABEL = "3C证书编号"
MAKER_LABEL = "生产厂家"
BLACKLIST = (
    ("SBL-001", "东莞市鑫达塑胶制品有限公司", "鑫达塑胶制品厂", "连续两次抽查不合格"),
    ("SBL-002", "温州市安联电器有限公司", "安联电器商行", "拒绝监督抽查"),
    ("SBL-003", "汕头市澄海区宏图玩具厂", "宏图玩具有限公司", "可迁移元素超标"),
)
LICENSED = (
    ("SLP-001", "星际小熊", "广州星熊文化用品有限公司"),
    ("SLP-002", "咕噜龙", "上海咕噜动漫授权有限公司"),
)
FAKE_MAKERS = ("义乌市小天使工艺品厂", "汕头市乐乐玩具厂", "揭阳市顺发塑料制品厂")


def cancelled_number(seed: int, platform: str, index: int) -> str:
    h = h64(seed, "licence-cancelled", platform, index)
    return f"XK{10 + h % 20}-{100 + (h >> 8) % 900}-{10000 + (h >> 20) % 90000}"


def _replace_spec(
    specs: tuple[tuple[str, str], ...], label: str, value: str | None
) -> tuple[tuple[str, str], ...]:
    kept = tuple((k, v) for k, v in specs if k != label)
    return kept + ((label, value),) if value is not None else kept


def plant(market: Market, listing: Listing) -> Listing:
    """The listing with its planted case, or unchanged."""
    cfg = market.config
    if (
        listing.platform in ENGLISH_PLATFORMS
        or listing.kind == "near_miss"
        or listing.relist_of is not None
        or "hostile" in listing.variations
    ):
        return listing
    h = h64(cfg.seed, "signal-case", listing.platform, listing.index)
    if listing.kind == "match":
        # an underpriced copy needs peers selling the same model: one platform's copy of every third
        # planted product is sold far below the others
        ref = listing.product.ref.ref_id if listing.product.ref is not None else listing.product.key
        chosen = h64(cfg.seed, "underpriced", ref)
        home = [p for p in PLATFORMS if p not in ENGLISH_PLATFORMS]
        if chosen % 3 or home[(chosen >> 8) % len(home)] != listing.platform:
            return listing
        cents = max(100, listing.price_cents * 15 // 100)
        return dataclasses.replace(listing, price_cents=cents, signal="underpriced")
    if h % EVERY:
        return listing
    spec = market.specs[market.codes.index(listing.category)]
    cases = ["licensed_fake", "blacklisted_maker"]
    if spec.licence_required and listing.spec(LICENCE_LABEL):
        cases.append("licence_cancelled")
    if spec.ccc_required and listing.spec(CCC_LABEL):
        cases.append("ccc_missing")
    case = cases[(h >> 16) % len(cases)]
    pick = h >> 32
    if case == "licence_cancelled":
        number = cancelled_number(cfg.seed, listing.platform, listing.index)
        return dataclasses.replace(
            listing, specs=_replace_spec(listing.specs, LICENCE_LABEL, number), licence_no=number, signal=case
        )
    if case == "ccc_missing":
        return dataclasses.replace(
            listing, specs=_replace_spec(listing.specs, CCC_LABEL, None), licence_no=None, signal=case
        )
    if case == "licensed_fake":
        _, ip, _ = LICENSED[pick % len(LICENSED)]
        maker = FAKE_MAKERS[(pick >> 4) % len(FAKE_MAKERS)]
        return dataclasses.replace(
            listing,
            title=f"{ip}正版授权 {listing.title}",
            specs=_replace_spec(listing.specs, MAKER_LABEL, maker),
            signal=case,
        )
    _, _, short, _ = BLACKLIST[pick % len(BLACKLIST)]
    return dataclasses.replace(listing, specs=_replace_spec(listing.specs, MAKER_LABEL, short), signal=case)


def write_signal_lists(market: Market, folder: Path) -> dict[str, Path]:
    """The licence registry (every licence number the market shows: the planted ones cancelled, the rest
    valid), the licensed-products allow-list and the company blacklist, as generic CSV files."""
    folder.mkdir(parents=True, exist_ok=True)
    cfg = market.config
    numbers: dict[str, str] = {}
    for platform in PLATFORMS:
        for index in market.all_indexes():
            listing = market.listing(platform, index)
            number = listing.spec(LICENCE_LABEL)
            if number:
                numbers[number] = "cancelled" if listing.signal == "licence_cancelled" else "valid"
    paths = {
        "licence": folder / "sandbox_licence_registry.csv",
        "licensed": folder / "sandbox_licensed_products.csv",
        "blacklist": folder / "sandbox_company_blacklist.csv",
    }
    with paths["licence"].open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["ref_id", "list_type", "product_name", "licence_no", "holder", "status", "cancelled_on"]
        )
        for n, (number, status) in enumerate(sorted(numbers.items()), 1):
            cancelled = f"{2024 - cfg.seed % 3}-03-31" if status == "cancelled" else ""
            out.writerow([f"SXK-{n:05d}", "licence", "工业产品", number, "", status, cancelled])
    with paths["licensed"].open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["ref_id", "list_type", "product_name", "brand", "manufacturer"])
        for ref_id, ip, maker in LICENSED:
            out.writerow([ref_id, "licensed", f"{ip}授权商品", ip, maker])
    with paths["blacklist"].open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["ref_id", "list_type", "manufacturer", "hazard"])
        for ref_id, company, _, reason in BLACKLIST:
            out.writerow([ref_id, "blacklist", company, reason])
    return paths
