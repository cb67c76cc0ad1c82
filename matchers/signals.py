"""The signals that compare one listing with one reference entry, behind one interface, in a registry.

Each signal returns findings (:class:`~matchers.types.Evidence`) with a reason an analyst can read.
A positive ``weight`` supports a match; a ``factor`` below 1 weakens the whole pair (conflicts).
"""

from __future__ import annotations

import abc
from collections.abc import Iterable
from dataclasses import dataclass

from matchers import barcodes as gtin
from matchers.brands import BrandResolver
from matchers.dates import batch_key, dates_agree
from matchers.models import is_specific, neighbouring
from matchers.normalise import has_cjk
from matchers.photos import hamming
from matchers.prepared import PreparedOffer, PreparedReference
from matchers.text import manufacturer_similarity, title_similarity
from matchers.types import Evidence, Thresholds


@dataclass
class Context:
    thresholds: Thresholds
    brands: BrandResolver


class Signal(abc.ABC):
    name: str = ""
    # The highest weight this signal can give a pair, for a signal whose findings are only plain support
    # (not identifying, not decisive, no conflict factor); None when that is not so. A matcher may skip
    # such a signal on a pair that stays below review even with this weight.
    best_weight: float | None = None

    @abc.abstractmethod
    def compare(self, offer: PreparedOffer, ref: PreparedReference, ctx: Context) -> list[Evidence]: ...


class BarcodeSignal(Signal):
    name = "barcode"

    def compare(self, offer, ref, ctx):
        if not offer.barcodes or not ref.barcodes:
            return []
        shared = sorted(offer.barcodes & ref.barcodes)
        if shared:
            weight = 0.9 if shared[0].startswith(gtin.INVALID_PREFIX) else 0.97
            reason = f"barcode {gtin.display(shared[0])} equal"
            return [Evidence(self.name, reason, weight, identifying=True, decisive=True)]
        theirs = gtin.display(sorted(offer.barcodes)[0])
        ours = gtin.display(sorted(ref.barcodes)[0])
        return [Evidence(self.name, f"barcode {theirs} ≠ {ours}", factor=0.7)]


class ModelSignal(Signal):
    name = "model"

    def compare(self, offer, ref, ctx):
        if not ref.codes:
            return []
        codes = offer.codes
        shared = [c for c in ref.codes if c in codes]
        if shared:
            best = max(shared, key=len)
            weight = 0.75 if is_specific(best) else 0.65
            return [Evidence(self.name, f"model {ref.codes[best]} = {codes[best]}", weight, identifying=True)]
        # A short, letters-only or digits-only code the entry publishes, standing alone in the title.
        loose = [c for c in ref.codes if c in offer.loose_codes]
        if loose:
            best = max(loose, key=len)
            listed = ref.codes[best]
            return [
                Evidence(
                    self.name, f"model {listed} = {listed} (as the entry writes it)", 0.6, identifying=True
                )
            ]
        for theirs, written in codes.items():
            for ours, listed in ref.codes.items():
                if neighbouring(theirs, ours):
                    return [
                        Evidence(self.name, f"model {written} ≠ {listed} (neighbouring model)", factor=0.3)
                    ]
        if offer.field_codes:
            written = next(iter(offer.field_codes.values()))
            listed = next(iter(ref.codes.values()))
            return [Evidence(self.name, f"model {written} ≠ {listed}", factor=0.5)]
        specific = [w for c, w in offer.title_codes.items() if is_specific(c)]
        if specific:
            listed = next(iter(ref.codes.values()))
            return [Evidence(self.name, f"model {specific[0]} ≠ {listed}", factor=0.6)]
        return []


class BrandSignal(Signal):
    name = "brand"

    def compare(self, offer, ref, ctx):
        brand = ref.brand
        if brand is None:
            return []
        shown = ref.ref.brand or brand
        if offer.brand_field == brand:
            return [Evidence(self.name, f"brand {shown} = {offer.brand_written}", 0.45)]
        if brand in offer.brands_for_only:
            # "适用于 <brand> <model>" before a product: the shop names whose product it fits or
            # copies, not its own brand; an analyst decides.
            return [
                Evidence(self.name, f"brand {shown} named as what the listing is for", caps_at_review=True)
            ]
        if brand in offer.brands_title:
            return [Evidence(self.name, f"brand {shown} in title", 0.45)]
        if brand in offer.brands_shop:
            return [Evidence(self.name, f"brand {shown} in shop name", 0.4)]
        # A brand the listing names as what it is *for* (兼容三星, "for Philips") is not its own.
        others = sorted(offer.brands - {brand} - offer.brands_for)
        if others:
            return [Evidence(self.name, f"brand {others[0]} ≠ {shown}", factor=0.35)]
        if offer.brand_field_unknown:
            theirs = offer.brand_written or ""
            if has_cjk(theirs) != any(has_cjk(a) for a in ctx.brands.aliases(brand) | {shown}):
                return [Evidence(self.name, f"brand {theirs} not known as {shown}", factor=0.9)]
            return [Evidence(self.name, f"brand {theirs} is not {shown}", factor=0.6)]
        return []


class ProductTypeSignal(Signal):
    """Whether the listing sells the entry's kind of product, across Chinese and English.

    A listing that sells a part or an accessory *for* the entry's product (刷头 for a toothbrush,
    遮阳罩 for a child seat, a remote for a heater) is not that product: decided none, with the reason
    ``accessory for <model>``, unless the entry is itself that part. A listing of another product type
    (a water bottle under a lunch box's code) is a conflict that keeps the pair from ``match``, unless
    the barcodes are equal (a GTIN names the product more surely than words in a title do). The same
    type on both sides is a little support, so brand and type alone reach review; a type of the
    entry's catalogue category is neither support nor conflict.
    Types come from :mod:`matchers.product_types`, found once per listing and per entry.
    """

    name = "type"
    AGREE = 0.15
    ACCESSORY = 0.2
    CONFLICT = 0.6

    def compare(self, offer, ref, ctx):
        ours = ref.product_type
        theirs = offer.product_type
        head = theirs.head
        if head is None:
            return []
        entry = ours.head
        entry_code = entry.type.code if entry is not None else None
        category = entry.type.category if entry is not None else None
        if theirs.part and head.type.code != entry_code and not (category and head.type.category == category):
            target = next(iter(ref.codes.values()), None) or ref.ref.product_name or ref.ref.brand or "?"
            reason = f"accessory for {target}: {head.written}"
            return [Evidence(self.name, reason, factor=self.ACCESSORY, caps_at_review=True)]
        if entry is None:
            return []
        if entry_code == head.type.code or entry_code in theirs.codes:
            return [Evidence(self.name, f"type {head.written} = {entry.written}", self.AGREE)]
        if category and category in theirs.categories:
            if entry_code.startswith("category:"):
                return [Evidence(self.name, f"type {head.written} in {category}", self.AGREE)]
            return []
        same_barcode = bool(offer.barcodes & ref.barcodes)
        reason = f"type {head.written} ≠ {entry.written}"
        return [Evidence(self.name, reason, factor=self.CONFLICT, caps_at_review=not same_barcode)]


class TitleSignal(Signal):
    name = "title"
    best_weight = 0.45

    def compare(self, offer, ref, ctx):
        if not ref.sim_text or not offer.sim_text:
            return []
        similarity = title_similarity(offer.sim_text, ref.sim_text, prepared=True)
        floor = ctx.thresholds.title_floor
        if similarity < floor:
            return []
        weight = self.best_weight * (similarity - floor) / (1.0 - floor)
        return [Evidence(self.name, f"title similarity {similarity:.2f}", round(weight, 4))]


class BatchSignal(Signal):
    name = "batch"

    def compare(self, offer, ref, ctx):
        out: list[Evidence] = []
        if ref.batches:
            text = batch_key(offer.batch_text)
            hit = next((b for key, b in ref.batches.items() if key in text), None)
            if hit:
                out.append(Evidence(self.name, f"batch {hit} in listing", 0.4))
        if ref.dates and offer.dates:
            hit_date = next((d for d in offer.dates for r in ref.dates if dates_agree(d, r)), None)
            if hit_date:
                shown = f"{hit_date[0]}-{hit_date[1]:02d}" + (f"-{hit_date[2]:02d}" if hit_date[2] else "")
                out.append(Evidence(self.name, f"production date {shown} as listed", 0.2))
        return out


class ManufacturerSignal(Signal):
    name = "manufacturer"

    def compare(self, offer, ref, ctx):
        ours = ref.ref.manufacturer
        if not ours:
            return []
        names = list(offer.manufacturers)
        if offer.offer.shop:
            names.append(offer.offer.shop)
        best = max(((manufacturer_similarity(n, ours), n) for n in names), default=(0.0, ""))
        if best[0] >= 0.85:
            return [Evidence(self.name, f"manufacturer {best[1]} ≈ {ours} ({best[0]:.2f})", 0.3)]
        return []


class PhotoSignal(Signal):
    name = "photo"

    def compare(self, offer, ref, ctx):
        hashes = offer.offer.photo_hashes
        if not hashes or not ref.ref.photo_hashes:
            return []
        distance = min(hamming(a, b) for a in hashes for b in ref.ref.photo_hashes)
        if distance > ctx.thresholds.photo_distance:
            return []
        return [
            Evidence(self.name, f"photo distance {distance}/64", 0.72 - 0.03 * distance, identifying=True)
        ]


class SignalRegistry:
    """Explicit registry: the signals a matcher runs, by name, in order."""

    def __init__(self, signals: Iterable[Signal] = ()) -> None:
        self._signals: dict[str, Signal] = {}
        for signal in signals:
            self.register(signal)

    def register(self, signal: Signal) -> None:
        if not signal.name or signal.name in self._signals:
            raise ValueError(f"signal name missing or taken: {signal.name!r}")
        self._signals[signal.name] = signal

    def names(self) -> list[str]:
        return list(self._signals)

    def __iter__(self):
        return iter(self._signals.values())


def default_signals() -> SignalRegistry:
    return SignalRegistry(
        [
            BarcodeSignal(),
            ModelSignal(),
            BrandSignal(),
            ProductTypeSignal(),
            TitleSignal(),
            BatchSignal(),
            ManufacturerSignal(),
            PhotoSignal(),
        ]
    )
