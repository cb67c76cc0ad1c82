"""Both sides prepared once (normalised text, codes, barcodes, brands) so pairs compare cheaply."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from matchers import barcodes as gtin
from matchers.brands import BrandResolver
from matchers.dates import BATCH_ATTRIBUTE_KEYS, DATE_ATTRIBUTE_KEYS, batch_key, parse_dates
from matchers.models import codes_from_fields, reference_codes, split_codes
from matchers.normalise import Segmenter, has_cjk, index_tokens, nfkc, normalise, to_simplified
from matchers.product_types import (
    NO_TYPE,
    TitleType,
    category_type,
    split_for_markers,
    title_type,
)
from matchers.text import spaced
from matchers.types import Offer, Reference

MANUFACTURER_ATTRIBUTE_KEYS = (
    "生产厂家",
    "生产企业",
    "制造商",
    "厂家",
    "厂名",
    "生产商",
    "manufacturer",
    "maker",
    "标称生产企业",
)


BRAND_ATTRIBUTE_KEYS = ("品牌", "品牌名称", "brand", "brand name", "牌子")


def _attr(attributes: dict, keys: tuple[str, ...]) -> list[str]:
    if not attributes:
        return []
    return [str(v) for k, v in attributes.items() if v and nfkc(str(k)).strip().lower() in keys]


def similarity_text(normalised: str, segmenter: Segmenter | None) -> str:
    """Text for token-based similarity: jieba words for Chinese when a segmenter is given, else one
    token per Chinese character."""
    if not has_cjk(normalised):
        return normalised
    if segmenter is not None:
        return " ".join(segmenter.segment(normalised))
    return spaced(normalised)


class _LazySimilarityText:
    """Similarity text is made on first use: most listings never meet a candidate, and segmenting is
    the costliest step of preparing one."""

    title: str
    segmenter: Segmenter | None
    _sim_text: str | None

    @property
    def sim_text(self) -> str:
        if self._sim_text is None:
            self._sim_text = similarity_text(self.title, self.segmenter)
        return self._sim_text


@dataclass
class PreparedOffer(_LazySimilarityText):
    offer: Offer
    title: str
    text_blob: str
    title_codes: dict[str, str]
    field_codes: dict[str, str]
    # Tokens that are codes only if an entry publishes them so (KS, MAMMUT, 520): equality only.
    loose_codes: frozenset[str]
    barcodes: set[str]
    brand_field: str | None
    brand_field_unknown: bool
    brands_title: set[str]
    brands_shop: set[str]
    # Brands named as what the listing is for (适用于飞利浦, "for Philips"), not as its own; and those
    # the title names only so.
    brands_for: set[str]
    brands_for_only: set[str]
    batch_text: str
    dates: list[tuple[int, int, int | None]]
    manufacturers: list[str]
    tokens: set[str] = field(default_factory=set)
    segmenter: Segmenter | None = None
    _sim_text: str | None = None
    _type: TitleType | None = None
    brand_written: str | None = None

    @property
    def product_type(self) -> TitleType:
        """What the title sells (head type, part or not), found on first use: only listings that meet
        a candidate need it."""
        if self._type is None:
            self._type = title_type(self.title)
        return self._type

    @property
    def codes(self) -> dict[str, str]:
        return {**self.title_codes, **self.field_codes}

    @property
    def brands(self) -> set[str]:
        found = set(self.brands_title) | set(self.brands_shop)
        if self.brand_field:
            found.add(self.brand_field)
        return found


@dataclass
class PreparedReference(_LazySimilarityText):
    ref: Reference
    title: str
    codes: dict[str, str]
    barcodes: set[str]
    brand: str | None
    batches: dict[str, str]
    dates: list[tuple[int, int, int | None]]
    tokens: set[str] = field(default_factory=set)
    segmenter: Segmenter | None = None
    _sim_text: str | None = None
    product_type: TitleType = NO_TYPE


def prepare_offer(offer: Offer, brands: BrandResolver, segmenter: Segmenter | None = None) -> PreparedOffer:
    attributes = offer.attributes or {}
    title = normalise(offer.title)
    raw_title = to_simplified(nfkc(offer.title))
    title_codes, loose_codes = split_codes(offer.title)
    brands_title = brands.find_in_text(raw_title)
    split = split_for_markers(raw_title) if brands_title else []
    brands_for = {b for part, _ in split for b in brands.find_in_text(part)}
    # The 品牌 attribute names the brand when the listing has no brand field of its own.
    brand_text = offer.brand or next(iter(_attr(attributes, BRAND_ATTRIBUTE_KEYS)), None)
    attr_text = " ".join(f"{k} {v}" for k, v in attributes.items() if v is not None) if attributes else ""
    barcodes = (
        (gtin.normalise_all(offer.barcodes) if offer.barcodes else set())
        | (gtin.from_attributes(attributes) if attributes else set())
        | gtin.extract(offer.title)
    )
    brand_field = brands.resolve(brand_text) if brand_text else None
    return PreparedOffer(
        offer=offer,
        title=title,
        segmenter=segmenter,
        text_blob=nfkc(f"{offer.title} {offer.model or ''} {attr_text}"),
        title_codes=title_codes,
        field_codes=codes_from_fields(offer.model, attributes),
        loose_codes=loose_codes,
        barcodes=barcodes,
        brand_field=brand_field,
        brand_field_unknown=bool(brand_text and brand_text.strip()) and brand_field is None,
        brand_written=brand_text,
        brands_title=brands_title,
        brands_for=brands_for,
        brands_for_only=brands_for - brands.find_in_text(split[0][1]) if brands_for else set(),
        brands_shop=brands.find_in_text(offer.shop, remember=True) if offer.shop else set(),
        batch_text=" ".join([offer.title, *_attr(attributes, BATCH_ATTRIBUTE_KEYS)]),
        dates=[d for v in _attr(attributes, DATE_ATTRIBUTE_KEYS) for d in parse_dates(v)],
        manufacturers=_attr(attributes, MANUFACTURER_ATTRIBUTE_KEYS),
        tokens=index_tokens(title),
    )


@lru_cache(maxsize=1 << 14)
def _normalised_name(name: str | None) -> str:
    """Product names recur across a list's entries: each is normalised once."""
    return normalise(name)


def prepare_reference(
    ref: Reference, brands: BrandResolver, segmenter: Segmenter | None = None
) -> PreparedReference:
    name = _normalised_name(ref.product_name)
    return PreparedReference(
        ref=ref,
        title=name,
        segmenter=segmenter,
        codes=reference_codes(ref.models),
        barcodes=gtin.stated(ref.barcodes),
        brand=brands.resolve(ref.brand) if ref.brand else None,
        batches={batch_key(b): b for b in ref.batches if len(batch_key(b)) >= 4},
        dates=[d for v in ref.production_dates for d in parse_dates(v)],
        tokens=index_tokens(normalise(f"{ref.brand or ''} {ref.product_name} {' '.join(ref.models)}")),
        product_type=reference_type(name, ref.category),
    )


@lru_cache(maxsize=1 << 14)
def reference_type(name: str, category: str | None) -> TitleType:
    """What an entry is: the head type of its name, else its catalogue category."""
    found = title_type(name)
    if found.head is not None:
        return found
    return category_type(category)
