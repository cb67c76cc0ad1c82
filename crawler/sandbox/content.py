"""The marketplace's listings: each one a pure function of (seed, platform, index, night).

Listing indexes are laid out by category: index ``i`` belongs to category ``i % C`` and is that category's
search slot ``i // C``. A search for a category's term pages through its slots, so any (keyword, page) is
computed without enumerating the catalogue. Every ``block`` slots of a category hold one planted match of a
reference entry and two near misses; with ``traps`` on, some plain slots play the marketplace's traps (see
:data:`TRAPS`); the rest are plain listings. Nights add listings at the end (some of
them relisted copies of taken-down products under new sellers), change prices and titles, take some down.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import lru_cache

from crawler.catalogue.schema import Catalogue, CategorySpec, load_categories
from crawler.sandbox import hostile, modelnos, signal_cases, vocab
from crawler.sandbox.config import ENGLISH_PLATFORMS, PLATFORMS, SandboxConfig
from crawler.sandbox.hashing import IdCodec, h64, pick, unit
from crawler.sandbox.references import ReferencePool, SandboxRef, load_pool

#: (base, modulus) of each platform's public item ids.
ID_SPACES = {
    "jd": (100000000000, 10**10),
    "taobao": (600000000000, 10**11),
    "pdd": (10000000000, 10**10),
    "yhd": (10000000, 10**8),
    "aliexpress": (32000000000, 10**10),
    "amazon": (0, 36**8),
    "ocj": (10000000, 10**7),
}
PER_PAGE = {"jd": 30, "taobao": 20, "pdd": 20, "yhd": 20, "aliexpress": 40, "amazon": 24, "ocj": 20}
_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CNY_PER_USD = 7.1
GOLDEN = (5**0.5 - 1) / 2
SQRT2 = 2**0.5 - 1


#: What each trap is: (kind, near-miss kind) of its product. Per block of a category (see ``trap_plan``):
#: three accessory or spare-part listings for the block's planted model, one white-label or same-brand
#: other product (alternate blocks), and one true listing of the planted model written in a way that
#: trips matchers (traditional characters, a re-typed model code, an edited photo with no brand or model
#: in the text, or an English entry under a Chinese title), in turn.
TRAPS = {
    "accessory": ("near_miss", "accessory"),
    "white_label": ("near_miss", "white_label"),
    "same_brand_other_product": ("near_miss", "same_brand_other_product"),
    "traditional": ("match", None),
    "retyped_model": ("match", None),
    "photo_edit": ("match", None),
    "cross_language": ("match", None),
}
POSITIVE_TRAPS = ("traditional", "retyped_model", "photo_edit", "cross_language")


@dataclass(frozen=True)
class Product:
    """What is sold; a relisted copy carries the same product under a new seller."""

    key: str
    category: str
    kind: str  # match | near_miss | plain
    near_miss: str | None  # neighbour_model | same_model_other_brand | generic
    ref: SandboxRef | None
    brand: str
    brand_zh: str | None
    model: str
    barcode: str | None
    origin_index: int
    trap: str | None = None
    """The trap this product plays (a key of ``TRAPS``), or None."""
    photo_edit: str | None = None
    """For the ``photo_edit`` trap: the edit its photos carry (one of ``photos.EDITS``)."""


@dataclass(frozen=True)
class Listing:
    platform: str
    index: int
    item_id: str
    category: str
    product: Product
    relist_of: int | None
    born: int
    down: int | None
    version: int
    title_version: int
    title: str
    price_cents: int
    currency: str
    shop_id: str
    shop_name: str
    brand_shown: str | None
    model_in_title: str | None
    model_in_specs: str | None
    specs: tuple[tuple[str, str], ...]
    licence_no: str | None
    sales: int
    comments: int
    images: int
    variations: tuple[str, ...]
    self_operated: bool
    tmall: bool
    signal: str | None = None

    @property
    def price(self) -> str:
        return f"{self.price_cents // 100}.{self.price_cents % 100:02d}"

    def alive(self, night: int) -> bool:
        return self.born <= night and (self.down is None or self.down > night)

    @property
    def kind(self) -> str:
        return self.product.kind

    def spec(self, name: str) -> str | None:
        for key, value in self.specs:
            if key == name:
                return value
        return None


@dataclass(frozen=True)
class SearchPage:
    category: str | None
    page: int
    per_page: int
    total: int
    listings: list[Listing]

    @property
    def has_more(self) -> bool:
        return self.page * self.per_page < self.total


class Market:
    """The generated catalogue of every platform; caches are bounded."""

    def __init__(
        self, config: SandboxConfig, catalogue: Catalogue | None = None, pool: ReferencePool | None = None
    ) -> None:
        self.config = config
        self.catalogue = catalogue or load_categories()
        self.specs: list[CategorySpec] = list(self.catalogue.categories)
        self.codes = [c.code for c in self.specs]
        self.pool = pool or load_pool(config.references, self.codes)
        self.refs_by_category = self.pool.index()
        self.codecs = {p: IdCodec(config.seed, p, *ID_SPACES[p]) for p in PLATFORMS}
        self._terms = self._term_index()
        self.product = lru_cache(maxsize=65536)(self._product)
        self.listing = lru_cache(maxsize=20000)(self._listing)
        self._positions = lru_cache(maxsize=16384)(self._block_positions)
        self._traps = lru_cache(maxsize=16384)(self._trap_positions)
        self.category_for_keyword = lru_cache(maxsize=4096)(self._category_for_keyword)
        self._brand_shop = lru_cache(maxsize=4096)(self._brand_shop_uncached)
        self._numbered_shop = lru_cache(maxsize=65536)(self._numbered_shop_uncached)

    # ----- ids -------------------------------------------------------------------------------------
    def item_id(self, platform: str, index: int) -> str:
        value = self.codecs[platform].encode(index)
        if platform == "amazon":
            digits = ""
            for _ in range(8):
                value, rem = divmod(value, 36)
                digits = _B36[rem] + digits
            return "B0" + digits
        return str(value)

    def index_of(self, platform: str, item_id: str) -> int | None:
        """The listing index behind a public id, or None when no listing ever had it."""
        try:
            if platform == "amazon":
                text = item_id.upper()
                if len(text) != 10 or not text.startswith("B0"):
                    return None
                value = 0
                for ch in text[2:]:
                    value = value * 36 + _B36.index(ch)
            else:
                value = int(item_id)
        except ValueError:
            return None
        index = self.codecs[platform].decode(value)
        if index is None or index >= self.config.count():
            return None
        return index

    # ----- search ----------------------------------------------------------------------------------
    def _term_index(self) -> list[tuple[str, str]]:
        out = []
        for spec in self.specs:
            terms = {spec.name_zh, spec.name_en}
            for values in spec.search_terms.values():
                terms.update(values)
            out.extend((t.lower().strip(), spec.code) for t in terms if t.strip())
        return out

    def _category_for_keyword(self, keyword: str) -> str | None:
        kw = " ".join(keyword.lower().split())
        if not kw:
            return None
        for term, code in self._terms:
            if term == kw:
                return code
        best = None
        for term, code in self._terms:
            if (term in kw or (len(kw) >= 2 and kw in term)) and (best is None or len(term) > best[0]):
                best = (len(term), code)
        return best[1] if best else None

    def slots(self, category: str, night: int | None = None) -> int:
        c = self.codes.index(category)
        count = self.config.count(night)
        return 0 if count <= c else (count - c + len(self.codes) - 1) // len(self.codes)

    def search(self, platform: str, keyword: str, page: int, per_page: int | None = None) -> SearchPage:
        per_page = per_page or PER_PAGE[platform]
        night = self.config.night
        code = self.category_for_keyword(keyword)
        if code is None or page < 1:
            return SearchPage(code, page, per_page, 0, [])
        c = self.codes.index(code)
        total = self.slots(code)
        start = (page - 1) * per_page
        found = []
        for k in range(start, min(start + per_page, total)):
            listing = self.listing(platform, c + k * len(self.codes))
            if listing.alive(night):
                found.append(listing)
        return SearchPage(code, page, per_page, total, found)

    def find(self, platform: str, item_id: str) -> Listing | None:
        index = self.index_of(platform, item_id)
        return None if index is None else self.listing(platform, index)

    # ----- planted entries -------------------------------------------------------------------------
    def _block_positions(self, platform: str, c: int, block: int) -> tuple[int, int, int]:
        rng = random.Random(h64(self.config.seed, platform, "block", c, block))
        match, near_a, near_b = rng.sample(range(self.config.block), 3)
        return match, near_a, near_b

    def slot_plan(self, platform: str, index: int) -> tuple[str, str | None, SandboxRef | None]:
        """(kind, near-miss kind, reference) planned for a slot, before relisting is considered."""
        seed = self.config.seed
        n = len(self.codes)
        c, k = index % n, index // n
        block, pos = divmod(k, self.config.block)
        match, near_a, near_b = self._positions(platform, c, block)
        refs = self.refs_by_category.get(self.codes[c], ())
        if pos == match and refs:
            return "match", None, refs[(block + h64(seed, platform, c, "ref")) % len(refs)]
        if pos == near_a and refs:
            kind = "neighbour_model" if h64(seed, platform, index, "nk") % 3 else "generic"
            return "near_miss", kind, refs[(block + h64(seed, platform, c, "ref-nb")) % len(refs)]
        if pos == near_b:
            others = [r for r in self.pool.refs if r.category != self.codes[c]]
            if others:
                return (
                    "near_miss",
                    "same_model_other_brand",
                    others[h64(seed, platform, index, "om") % len(others)],
                )
        return "plain", None, None

    def _trap_positions(self, platform: str, c: int, block: int) -> dict[int, str]:
        """Which plain positions of a block play which trap (``TRAPS``), drawn per (platform, category,
        block) so that the plan is the same whatever else the config says."""
        seed = self.config.seed
        taken = set(self._positions(platform, c, block))
        free = [p for p in range(self.config.block) if p not in taken]
        rng = random.Random(h64(seed, platform, "traps", c, block))
        english = platform in ENGLISH_PLATFORMS
        kinds = ["accessory"] * 3
        kinds.append("white_label" if block % 2 == 0 else "same_brand_other_product")
        positives = ("retyped_model", "photo_edit") if english else POSITIVE_TRAPS
        kinds.append(positives[(block + h64(seed, platform, c, "trap-turn")) % len(positives)])
        return dict(zip(rng.sample(free, min(len(free), len(kinds))), kinds, strict=False))

    def trap_plan(self, platform: str, index: int) -> str | None:
        """The trap a plain slot plays, or None (no traps configured, no entry in the category)."""
        if not self.config.traps:
            return None
        n = len(self.codes)
        c, k = index % n, index // n
        block, pos = divmod(k, self.config.block)
        if not self.refs_by_category.get(self.codes[c]):
            return None
        return self._traps(platform, c, block).get(pos)

    def _trap_product(self, platform: str, index: int, trap: str, generic_brand: str) -> Product | None:
        seed = self.config.seed
        n = len(self.codes)
        c, k = index % n, index // n
        code = self.codes[c]
        block = k // self.config.block
        refs = self.refs_by_category[code]
        ref = refs[(block + h64(seed, platform, c, "ref")) % len(refs)]
        kind, near = TRAPS[trap]
        own_barcode = modelnos.ean13(seed, platform, index)
        if trap == "same_brand_other_product":
            others = [r for r in self.pool.refs if r.category != code and r.brand and r.model]
            if not others:
                return None
            ref = others[h64(seed, platform, index, "sb") % len(others)]
            return Product(
                f"sb:{platform}:{index}",
                code,
                kind,
                near,
                ref,
                ref.brand,
                ref.brand_zh,
                ref.model,
                own_barcode,
                index,
                trap,
            )
        if trap == "white_label":
            own = modelnos.random_model(seed, platform, index)
            return Product(
                f"wl:{platform}:{index}",
                code,
                kind,
                near,
                ref,
                generic_brand,
                None,
                own,
                own_barcode,
                index,
                trap,
            )
        if trap == "accessory":
            return Product(
                f"acc:{platform}:{index}",
                code,
                kind,
                near,
                ref,
                ref.brand,
                ref.brand_zh,
                ref.model,
                own_barcode,
                index,
                trap,
            )
        if trap == "cross_language" and not (ref.product_name or "").isascii():
            trap = "retyped_model"  # the entry is not English: it plays a re-typed model instead
        if trap == "photo_edit":
            from crawler.sandbox.photos import EDIT_MARK, EDITS

            edit = EDITS[h64(seed, platform, index, "photo-edit") % len(EDITS)]
            return Product(
                f"ref:{ref.key}{EDIT_MARK}{edit}",
                code,
                kind,
                None,
                ref,
                ref.brand,
                ref.brand_zh,
                ref.model,
                None,
                index,
                trap,
                edit,
            )
        return Product(
            f"ref:{ref.key}",
            code,
            kind,
            None,
            ref,
            ref.brand,
            ref.brand_zh,
            ref.model,
            ref.barcode or None,
            index,
            trap,
        )

    # ----- products --------------------------------------------------------------------------------
    def _product(self, platform: str, index: int) -> tuple[Product, int | None]:
        """The product a listing sells and, for a relisted copy, the index of the listing it copies."""
        cfg = self.config
        born = cfg.born(index)
        if born >= 1 and unit(cfg.seed, platform, index, "relist") < cfg.relist_rate:
            origin = self._relist_origin(platform, index, born)
            if origin is not None:
                return self.product(platform, origin)[0], origin
        seed = cfg.seed
        code = self.codes[index % len(self.codes)]
        kind, near, ref = self.slot_plan(platform, index)
        english = platform in ENGLISH_PLATFORMS
        generic_brand = pick(vocab.BRANDS_EN if english else vocab.BRANDS_ZH, seed, platform, index, "brand")
        if kind == "match" and ref:
            return Product(
                f"ref:{ref.key}",
                code,
                kind,
                None,
                ref,
                ref.brand,
                ref.brand_zh,
                ref.model,
                ref.barcode or None,
                index,
            ), None
        if kind == "near_miss" and ref and near == "neighbour_model":
            model = modelnos.neighbour(ref.model, seed, platform, index)
            barcode = modelnos.ean13(seed, platform, index)
            return Product(
                f"nb:{platform}:{index}",
                code,
                kind,
                near,
                ref,
                ref.brand,
                ref.brand_zh,
                model,
                barcode,
                index,
            ), None
        if kind == "near_miss" and ref and near == "same_model_other_brand":
            model = ref.model
            return Product(
                f"om:{platform}:{index}", code, kind, near, ref, generic_brand, None, model, None, index
            ), None
        trap = self.trap_plan(platform, index) if kind == "plain" else None
        if trap is not None:
            planted = self._trap_product(platform, index, trap, generic_brand)
            if planted is not None:
                return planted, None
        model = modelnos.random_model(seed, platform, index)
        barcode = modelnos.ean13(seed, platform, index) if unit(seed, platform, index, "bc") < 0.6 else None
        return Product(
            f"{'gn' if near else 'p'}:{platform}:{index}",
            code,
            kind,
            near,
            ref,
            generic_brand,
            None,
            model,
            barcode,
            index,
        ), None

    def _relist_origin(self, platform: str, index: int, born: int) -> int | None:
        cfg = self.config
        n = len(self.codes)
        c = index % n
        earlier = cfg.count(born - 1)
        blocks = max(1, (earlier // n) // cfg.block + 1)
        for attempt in range(4):
            block = h64(cfg.seed, platform, index, "relist-block", attempt) % blocks
            pos = self._positions(platform, c, block)[0]
            origin = c + n * (block * cfg.block + pos)
            if origin >= earlier:
                continue
            product, _ = self.product(platform, origin)
            if product.kind != "match":
                continue
            down = self.down_night(platform, origin, born)
            if down is not None and down <= born:
                return origin
        return None

    def down_night(self, platform: str, index: int, upto: int) -> int | None:
        """The first night (<= upto) the listing was taken down, or None."""
        cfg = self.config
        product, _ = self.product(platform, index)
        rate = cfg.takedown_rate_match if product.kind == "match" else cfg.takedown_rate
        for night in range(cfg.born(index) + 1, upto + 1):
            if unit(cfg.seed, platform, index, "down", night) < rate:
                return night
        return None

    def changes(self, platform: str, index: int, night: int, what: str = "change") -> bool:
        """Whether the listing changes on ``night`` (``what="retitle"``: whether such a change re-words
        the title too). The draws are a Kronecker sequence over the index with a random start per
        platform and night, so any run of a category's listings holds very nearly ``change_rate`` of
        changes and ``retitle_share`` of those re-worded, not a share that drifts with the sample."""
        cfg = self.config
        step, share = (GOLDEN, cfg.change_rate) if what == "change" else (SQRT2, cfg.retitle_share)
        return (index * step + unit(cfg.seed, platform, what, night)) % 1.0 < share

    def version(self, platform: str, index: int, night: int, retitled: bool = False) -> int:
        """The last night (<= ``night``) the listing changed (its price; with ``retitled``, its title's
        wording), 0 if never."""
        for n in range(night, self.config.born(index), -1):
            if self.changes(platform, index, n) and (
                not retitled or self.changes(platform, index, n, "retitle")
            ):
                return n
        return 0

    # ----- listings --------------------------------------------------------------------------------
    def _listing(self, platform: str, index: int) -> Listing:
        cfg = self.config
        seed = cfg.seed
        night = cfg.night
        product, relist_of = self.product(platform, index)
        spec = self.specs[self.codes.index(product.category)]
        words = vocab.WORDS.get(product.category, vocab.GENERIC)
        english = platform in ENGLISH_PLATFORMS
        key = (seed, platform, index)
        version = self.version(platform, index, night)
        title_version = self.version(platform, index, night, retitled=True)
        variations: list[str] = []
        # one generator per listing, one per product, one per (listing, version) for the price and one per
        # (listing, title version) for the title's wording: fixed order of draws
        lr = random.Random(h64(*key))
        pr = random.Random(h64(seed, product.key))
        vr = random.Random(h64(*key, "v", version))
        tr = random.Random(h64(*key, "v", title_version))
        style, plain_shop, m_style_n, where = (
            lr.randrange(4),
            lr.randrange(5),
            lr.randrange(len(modelnos.STYLES)),
            lr.randrange(3),
        )
        cents_tail, sales_u, comments_u, images = (
            lr.choice((0, 90, 99, 80, 0, 50)),
            lr.random(),
            lr.random(),
            3 + lr.randrange(3),
        )

        # brand: in the title, in Chinese, only in the shop name, or both
        brand_title: str | None = product.brand
        brand_shop = False
        brand_spec: str | None = product.brand
        if not product.brand:
            brand_title = brand_spec = None
        elif product.kind == "match" or product.near_miss == "neighbour_model":
            if style == 1 and product.brand_zh and not english:
                brand_title = brand_spec = product.brand_zh
                variations.append("brand_zh")
            elif style == 2:
                brand_title = brand_spec = None
                brand_shop = True
                variations.append("brand_in_shop_only")
            elif style == 3:
                brand_shop = True
        elif plain_shop == 0:
            brand_shop = True

        # model: a seller's spelling, in the title and/or the specs
        m_style = modelnos.STYLES[m_style_n] if product.kind == "match" else "exact"
        model_text = modelnos.seller_variant(product.model, m_style)
        if m_style != "exact":
            variations.append(f"model_{m_style}")
        # where: 0 title, 1 specs, 2 both
        model_in_title = model_text if where in (0, 2) else None
        model_in_specs = model_text if where in (1, 2) else None
        if product.kind == "match" and model_in_title is None and product.trap != "photo_edit":
            variations.append("model_in_specs_only")
        if product.kind == "match" and product.barcode:
            variations.append("barcode_in_specs_only")

        title = self._title(platform, product, spec, words, brand_title, model_in_title, relist_of, lr, tr)
        if relist_of is not None:
            variations.append("relisted")
        if product.trap is not None:
            title, brand_spec, brand_shop, model_in_title, model_in_specs = self._trap_text(
                platform, index, product, spec, words, title, brand_spec, brand_shop, relist_of, lr, tr
            )
            brand_title = brand_spec
            variations.append(f"trap_{product.trap}")
            if product.photo_edit:
                variations.append(f"photo_{product.photo_edit}")

        # price: a change moves it by up to 20 %, and at least one yuan (dollar) so that it shows
        low, high = words.price
        first = pr.randrange(low * 100, high * 100 + 1)

        def shown(base: int) -> int:
            if english:
                base = max(199, int(base / CNY_PER_USD))
            return (base // 100) * 100 + cents_tail

        cents = shown(first)
        if version:
            changed = shown(int(first * (0.8 + 0.4 * vr.random())))
            cents = changed if changed != cents else cents + 100

        shop_id, shop_name = self._shop(platform, index, product, brand_shop, relist_of)
        self_operated = platform == "jd" and "自营" in shop_name
        tmall = platform == "taobao" and ("旗舰店" in shop_name or "专卖店" in shop_name)

        specs: list[tuple[str, str]] = []
        licence = None
        if english:
            if brand_spec:
                specs.append(("Brand", brand_spec))
            if model_in_specs:
                specs.append(("Item model number", model_in_specs))
            if product.barcode:
                specs.append(("UPC" if platform == "amazon" else "EAN", product.barcode))
            specs.append(("Material", vocab.MATERIAL_EN.get(words.material, "Other")))
            specs.append(("Country of Origin", "China"))
        else:
            if brand_spec:
                specs.append(("品牌", brand_spec))
            if model_in_specs:
                specs.append(("型号", model_in_specs))
            if product.barcode:
                specs.append(("条形码", product.barcode))
            specs.append(("材质", words.material))
            specs.append(("产地", "中国" + pr.choice(vocab.PROVINCES)))
            if spec.licence_required:
                licence = f"XK{pr.randint(10, 30)}-{pr.randint(100, 999)}-{pr.randint(10000, 99999)}"
                specs.append(("生产许可证编号", licence))
            if spec.ccc_required:
                licence = f"{pr.randint(2019, 2025)}0{pr.randint(1, 9)}{pr.randint(10000000, 99999999)}"
                specs.append(("3C证书编号", licence))
        sales = int(10 ** (1 + 4 * sales_u**2))
        comments = int(sales * (0.2 + 0.5 * comments_u))
        final_specs = tuple(specs)
        if cfg.hostile and hostile.chosen(seed, platform, index, cfg.hostile_share):
            payloads = hostile.payloads_for(index // len(self.codes))
            title = hostile.title(title, payloads)
            shop_id, shop_name = hostile.shop(payloads, english)
            self_operated = tmall = False
            final_specs = hostile.specs(final_specs, payloads, english)
            variations.append("hostile")
        listing = Listing(
            platform=platform,
            index=index,
            item_id=self.item_id(platform, index),
            category=product.category,
            product=product,
            relist_of=relist_of,
            born=cfg.born(index),
            down=self.down_night(platform, index, night),
            version=version,
            title_version=title_version,
            title=title,
            price_cents=cents,
            currency="USD" if english else "CNY",
            shop_id=shop_id,
            shop_name=shop_name,
            brand_shown=brand_spec or brand_title or None,
            model_in_title=model_in_title,
            model_in_specs=model_in_specs,
            specs=final_specs,
            licence_no=licence,
            sales=sales,
            comments=comments,
            images=images,
            variations=tuple(variations),
            self_operated=self_operated,
            tmall=tmall,
        )
        return signal_cases.plant(self, listing) if cfg.signals else listing

    def _title(
        self,
        platform: str,
        product: Product,
        spec: CategorySpec,
        words: vocab.CategoryWords,
        brand: str | None,
        model: str | None,
        relist_of: int | None,
        lr: random.Random,
        vr: random.Random,
    ) -> str:
        """A title as this seller writes it: product words drawn per product, styling per listing/version."""
        english = platform in ENGLISH_PLATFORMS
        rng = random.Random(h64(self.config.seed, product.key, "title-words"))
        joiner_n, relist_prefix = lr.randrange(3), lr.choice(("【清仓】", "【特价处理】", "【新品上架】", ""))
        if english:
            nouns = spec.search_terms.get("en") or [spec.name_en]
            noun = rng.choice(nouns).title()
            attrs = rng.sample(words.attrs_en, min(len(words.attrs_en), 2 + rng.randrange(2)))
            parts = [vr.choice(vocab.PREFIXES_EN).strip()]
            if brand:
                parts.append(brand)
            ref_name = product.ref.product_name if product.ref and product.kind == "match" else ""
            if ref_name and ref_name.isascii() and product.trap != "photo_edit":
                parts.append(ref_name)
            parts += attrs + [noun]
            if model:
                parts.append(model)
            parts.append(rng.choice(words.specs_en))
            title = " ".join(p for p in parts if p) + vr.choice(vocab.SUFFIXES_EN)
            return title[:200]
        nouns = list(spec.search_terms.get("zh") or [spec.name_zh])
        noun = rng.choice(nouns)
        second = rng.choice(nouns + [spec.name_zh])
        attrs = rng.sample(words.attrs_zh, min(len(words.attrs_zh), 2 + rng.randrange(3)))
        market = rng.sample(vocab.MARKETING_ZH, 1 + rng.randrange(2))
        stack = rng.randrange(2)
        spec_words = rng.choice(words.specs_zh)
        pieces: list[str] = []
        prefix = vr.choice(vocab.PREFIXES_ZH)
        suffix = vr.choice(vocab.SUFFIXES_ZH)
        if brand:
            pieces.append(brand)
        ref_name = product.ref.product_name if product.ref and product.kind in ("match", "near_miss") else ""
        pieces += market[:1]
        pieces += attrs[:2]
        chinese_name = (
            ref_name
            and re.search(r"[\u4e00-\u9fff]", ref_name)
            and not re.search(r"[\uac00-\ud7af]", ref_name)
        )
        own_name = product.near_miss in ("same_model_other_brand", *TRAPS) or product.trap == "photo_edit"
        if chinese_name and not own_name:
            pieces.append(ref_name)
        pieces.append(noun)
        pieces += attrs[2:]
        if second != noun and stack:
            pieces.append(second)
        if model:
            pieces.append(model)
        pieces.append(spec_words)
        pieces += market[1:]
        joiner = " " if joiner_n else ""
        if model and not joiner:
            at = pieces.index(model)
            pieces[at] = f" {model} "
        if relist_of is not None:
            prefix = relist_prefix
        title = prefix + joiner.join(pieces) + (" " + suffix if suffix else "")
        return title[:120]

    def _trap_text(
        self,
        platform: str,
        index: int,
        product: Product,
        spec: CategorySpec,
        words: vocab.CategoryWords,
        title: str,
        brand_spec: str | None,
        brand_shop: bool,
        relist_of: int | None,
        lr: random.Random,
        tr: random.Random,
    ) -> tuple[str, str | None, bool, str | None, str | None]:
        """(title, brand in the specs, brand shop, model in the title, model in the specs) of a trap."""
        seed = self.config.seed
        english = platform in ENGLISH_PLATFORMS
        ref = product.ref
        trap = product.trap
        rng = random.Random(h64(seed, platform, index, "trap-text"))
        own_brand = pick(vocab.BRANDS_EN if english else vocab.BRANDS_ZH, seed, platform, index, "own-brand")
        ref_brand = ref.brand if ref is not None else ""
        if ref is not None and ref.brand_zh and not english and rng.random() < 0.4:
            ref_brand = ref.brand_zh
        if trap == "accessory":
            part_zh, part_en = rng.choice(vocab.ACCESSORIES)
            form = rng.choice(vocab.ACCESSORY_FORMS_EN if english else vocab.ACCESSORY_FORMS_ZH)
            text = form.format(brand=ref_brand, model=product.model, part=part_en if english else part_zh)
            text = " ".join(text.split())
            if not english:
                text = tr.choice(vocab.PREFIXES_ZH) + text + " " + tr.choice(vocab.SUFFIXES_ZH)
            return text.strip()[:120], own_brand, False, product.model, None
        if trap == "white_label":
            form = rng.choice(vocab.WHITE_LABEL_FORMS_EN if english else vocab.WHITE_LABEL_FORMS_ZH)
            prefix = form.format(brand=ref_brand, model=ref.model if ref is not None else "")
            own_model = product.model
            plain = self._title(platform, product, spec, words, None, None, relist_of, lr, tr)
            return (prefix + plain)[: 200 if english else 120], product.brand, False, None, own_model
        if trap == "photo_edit":
            plain = self._title(platform, product, spec, words, None, None, relist_of, lr, tr)
            return plain, None, False, None, None
        model_text = product.model
        if trap == "retyped_model":
            model_text = retyped(product.model, rng)
        elif trap == "traditional":
            model_text = modelnos.seller_variant(product.model, "exact")
        brand = (
            product.brand_zh if (product.brand_zh and not english and rng.random() < 0.5) else product.brand
        )
        text = self._title(platform, product, spec, words, brand, model_text, relist_of, lr, tr)
        if trap == "traditional":
            text = traditional(text, rng.choice(("s2twp", "s2hk", "s2t")))
        return text, brand, brand_shop, model_text, model_text if rng.random() < 0.5 else None

    def _shop(
        self, platform: str, index: int, product: Product, brand_shop: bool, relist_of: int | None
    ) -> tuple[str, str]:
        seed = self.config.seed
        english = platform in ENGLISH_PLATFORMS
        if brand_shop and relist_of is None:
            use_zh = product.brand_zh and not english and h64(seed, index, "bz") % 2
            return self._brand_shop(platform, product.brand_zh if use_zh else product.brand)
        pool = max(40, self.config.size // 8)
        salt = "relist-shop" if relist_of is not None else "shop"
        number = h64(seed, platform, index, salt) % pool + (pool if relist_of is not None else 0)
        return self._numbered_shop(platform, number)

    def _brand_shop_uncached(self, platform: str, brand: str) -> tuple[str, str]:
        seed = self.config.seed
        number = h64(seed, platform, "brand-shop", brand) % 10**7
        if platform in ENGLISH_PLATFORMS:
            forms = ["{b} Official Store", "{b} Store", "{b} Global Store"]
        else:
            forms = ["{b}官方旗舰店", "{b}旗舰店", "{b}海外旗舰店", "{b}专营店"]
            if platform == "jd":
                forms.append("{b}京东自营旗舰店")
        return str(number + 1000), pick(forms, seed, platform, brand).format(b=brand)

    def _numbered_shop_uncached(self, platform: str, number: int) -> tuple[str, str]:
        seed = self.config.seed
        skey = (seed, platform, "shop", number)
        r = random.Random(h64(*skey))
        if platform in ENGLISH_PLATFORMS:
            brand = r.choice(vocab.BRANDS_EN)
            name = r.choice(vocab.SHOP_FORMS_EN).format(
                brand=brand,
                city=r.choice(vocab.CITIES_EN),
                noun=r.choice(vocab.SHOP_NOUNS_EN),
                num=r.randrange(100000),
            )
        else:
            brand = r.choice(vocab.BRANDS_ZH)
            name = r.choice(vocab.SHOP_FORMS_ZH).format(
                brand=brand,
                city=r.choice(vocab.CITIES),
                noun=r.choice(vocab.SHOP_NOUNS),
                name=r.choice(vocab.NAMES),
            )
        return str(10000 + r.randrange(10**7)), name

    def all_indexes(self, night: int | None = None) -> range:
        return range(self.config.count(night))


def retyped(model: str, rng: random.Random) -> str:
    """``model`` as a seller re-types it: lower case, hyphens and spaces dropped, or a word glued on."""
    plain = re.sub(r"[-_\s]", "", model)
    glued = rng.choice(vocab.GLUED_SUFFIXES)
    options = (plain.lower(), plain, model.lower(), model + glued, plain.lower() + glued)
    return rng.choice(options)


@lru_cache(maxsize=4)
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def traditional(text: str, config: str = "s2twp") -> str:
    """``text`` in traditional characters, as Taiwan (``s2twp``) or Hong Kong (``s2hk``) sellers write."""
    return _converter(config).convert(text)
