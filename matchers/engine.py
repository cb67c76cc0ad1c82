"""The matcher: prepared reference entries, their indexes, the signals and the thresholds together."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from matchers.brands import BrandResolver
from matchers.candidates import CandidateIndex, SourceRegistry
from matchers.normalise import Segmenter
from matchers.prepared import PreparedOffer, PreparedReference, prepare_offer, prepare_reference
from matchers.scoring import combine, decide, ordered
from matchers.signals import Context, SignalRegistry, default_signals
from matchers.types import MatchResult, Offer, Reference, Thresholds, Verdict

VERSION = "1"


class Matcher:
    """Compares listings with a fixed set of reference entries.

    ``brands`` may be pre-filled (catalogue, co-occurrence); every reference brand is added to it.
    ``segment`` turns on jieba segmentation of Chinese text for title similarity (a
    :class:`~matchers.normalise.Segmenter` may be passed to share its loaded dictionary).
    """

    def __init__(
        self,
        references: Iterable[Reference],
        thresholds: Thresholds | None = None,
        brands: BrandResolver | None = None,
        signals: SignalRegistry | None = None,
        sources: SourceRegistry | None = None,
        segment: bool | Segmenter = True,
    ) -> None:
        self.thresholds = thresholds or Thresholds()
        self.brands = brands if brands is not None else BrandResolver()
        refs = list(references)
        for ref in refs:
            if ref.brand:
                self.brands.add_field(ref.brand)
        self.segmenter = segment if isinstance(segment, Segmenter) else (Segmenter() if segment else None)
        self.signals = signals or default_signals()
        self.context = Context(self.thresholds, self.brands)
        self.refs: list[PreparedReference] = [prepare_reference(r, self.brands, self.segmenter) for r in refs]
        self._sources = sources
        self.index = CandidateIndex(self.refs, sources)

    def prepare(self, offer: Offer) -> PreparedOffer:
        return prepare_offer(offer, self.brands, self.segmenter)

    def compare(self, offer: PreparedOffer, ref: PreparedReference) -> MatchResult:
        evidence = []
        for signal in self.signals:
            evidence.extend(signal.compare(offer, ref, self.context))
        evidence = ordered(evidence)
        score = combine(evidence)
        return MatchResult(
            offer_id=offer.offer.offer_id,
            ref_id=ref.ref.ref_id,
            score=score,
            verdict=decide(score, evidence, self.thresholds),
            evidence=evidence,
        )

    def candidates(self, offer: PreparedOffer) -> list[int]:
        return self.index.lookup(offer, self.thresholds)

    def learn_brands(self, offers: Iterable[Offer], min_support: int = 2) -> list[tuple[str, str]]:
        """Brand aliases from listings whose barcode points at entries of exactly one brand.

        A shared model number alone teaches nothing: another brand selling the same model string is
        exactly the case a matcher must not be fooled by.

        When at least ``min_support`` such listings name brand X and the entry's brand is Y, X becomes a
        name of Y (a Chinese shop brand and the English name on a recall notice, for example).
        """
        seen: dict[tuple[str, str], set[str]] = {}
        for offer in offers:
            if not offer.brand:
                continue
            prepared = self.prepare(offer)
            owners = {
                i
                for source in self.index.sources
                if source.name == "barcode"
                for i in source.lookup(prepared, self.thresholds)
            }
            brands = {self.refs[i].brand for i in owners if self.refs[i].brand}
            if len(brands) != 1:
                continue
            brand = brands.pop()
            if prepared.brand_field == brand:
                continue
            seen.setdefault((offer.brand.strip(), brand), set()).add(offer.offer_id)
        learned: list[tuple[str, str]] = []
        for (name, brand), ids in sorted(seen.items()):
            if len(ids) < min_support:
                continue
            current = self.brands.resolve(name)
            target = self.brands.canonical(brand) or brand
            if current is None:
                self.brands.add([name], canonical=target)
            elif current != target:
                self.brands.merge(target, current)
            learned.append((name, target))
        if learned:
            for prepared_ref in self.refs:
                if prepared_ref.ref.brand:
                    prepared_ref.brand = self.brands.resolve(prepared_ref.ref.brand)
            self.index = CandidateIndex(self.refs, self._sources)
        return learned

    def match(self, offer: Offer, keep_none: bool = False) -> list[MatchResult]:
        """Scored candidates of one listing, best first; only match/review unless ``keep_none``."""
        prepared = self.prepare(offer)
        results = [self.compare(prepared, self.refs[i]) for i in self.candidates(prepared)]
        if not keep_none:
            results = [r for r in results if r.verdict is not Verdict.NONE]
        return sorted(results, key=lambda r: (-r.score, r.ref_id))

    def match_many(self, offers: Sequence[Offer]) -> list[MatchResult]:
        out: list[MatchResult] = []
        for offer in offers:
            out.extend(self.match(offer))
        return out
