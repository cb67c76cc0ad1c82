"""The matcher: prepared reference entries, their indexes, the signals and the thresholds together."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from matchers.brands import BrandResolver
from matchers.candidates import CandidateIndex, SourceRegistry
from matchers.normalise import Segmenter
from matchers.prepared import PreparedOffer, PreparedReference, prepare_offer, prepare_reference
from matchers.scoring import combine, decide, ordered
from matchers.signals import Context, SignalRegistry, default_signals
from matchers.types import Evidence, MatchResult, Offer, Reference, Thresholds, Verdict

VERSION = "1"


class Matcher:
    """Compares listings with a fixed set of reference entries.

    ``brands`` may be pre-filled (catalogue, co-occurrence); every reference brand is added to it.
    ``known_brands`` adds the table of well-known brands and their Chinese names
    (:func:`~matchers.brands.read_known_brands`: Philips 飞利浦, Braun 博朗, …).
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
        known_brands: bool = True,
    ) -> None:
        self.thresholds = thresholds or Thresholds()
        self.brands = brands if brands is not None else BrandResolver()
        if known_brands:
            self.brands.add_known()
        refs = list(references)
        for field in dict.fromkeys(ref.brand for ref in refs if ref.brand):
            self.brands.add_field(field)
        self.segmenter = segment if isinstance(segment, Segmenter) else (Segmenter() if segment else None)
        self.signals = signals or default_signals()
        self.context = Context(self.thresholds, self.brands)
        self.refs: list[PreparedReference] = [prepare_reference(r, self.brands, self.segmenter) for r in refs]
        self._sources = sources
        self.index = CandidateIndex(self.refs, sources)

    def prepare(self, offer: Offer) -> PreparedOffer:
        return prepare_offer(offer, self.brands, self.segmenter)

    def compare(self, offer: PreparedOffer, ref: PreparedReference) -> MatchResult:
        result = self._compare(offer, ref, skip_hopeless=False)
        assert result is not None
        return result

    def _compare(
        self, offer: PreparedOffer, ref: PreparedReference, skip_hopeless: bool
    ) -> MatchResult | None:
        """The pair's result; with ``skip_hopeless``, None for a pair that cannot reach review.

        Signals that state their ``best_weight`` are run last there: when even their best weight would
        leave the pair below both thresholds, its decision is none whatever they say.
        """
        signals = list(self.signals)
        found: list[list | None] = [None] * len(signals)
        for k, signal in enumerate(signals):
            if not (skip_hopeless and signal.best_weight is not None):
                found[k] = signal.compare(offer, ref, self.context)
        if skip_hopeless and any(part is None for part in found):
            best = [e for part in found if part for e in part]
            best += [
                Evidence(signal.name, "", signal.best_weight)
                for signal, part in zip(signals, found, strict=True)
                if part is None and signal.best_weight
            ]
            if combine(best) < min(self.thresholds.review, self.thresholds.match):
                return None
            for k, signal in enumerate(signals):
                if found[k] is None:
                    found[k] = signal.compare(offer, ref, self.context)
        evidence = ordered([e for part in found if part for e in part])
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

    def candidates_many(self, offers: Sequence[PreparedOffer]) -> list[list[int]]:
        """``candidates`` of several listings at once (the indexes are probed for all of them together)."""
        return self.index.lookup_many(offers, self.thresholds)

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
        return self.match_prepared(self.prepare(offer), keep_none=keep_none)

    def match_prepared(
        self, offer: PreparedOffer, candidates: Iterable[int] | None = None, keep_none: bool = False
    ) -> list[MatchResult]:
        """``match`` of a prepared listing, with its candidates when already looked up."""
        if candidates is None:
            candidates = self.candidates(offer)
        results = [self._compare(offer, self.refs[i], skip_hopeless=not keep_none) for i in candidates]
        kept = [r for r in results if r is not None and (keep_none or r.verdict is not Verdict.NONE)]
        return sorted(kept, key=lambda r: (-r.score, r.ref_id))

    def match_many(self, offers: Sequence[Offer]) -> list[MatchResult]:
        prepared = [self.prepare(offer) for offer in offers]
        out: list[MatchResult] = []
        for offer, candidates in zip(prepared, self.candidates_many(prepared), strict=True):
            out.extend(self.match_prepared(offer, candidates))
        return out
