"""Candidate generation from indexes, so a listing is compared only with entries that share something.

Sources, each behind the same small interface and listed in an explicit registry: barcodes, model
codes, brands, photo hashes and title n-grams. The cost per listing depends on the postings it
touches, not on the number of reference entries.
"""

from __future__ import annotations

import abc
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from matchers.photos import HashIndex, to_array
from matchers.prepared import PreparedOffer, PreparedReference
from matchers.types import Thresholds


class CandidateSource(abc.ABC):
    name: str = ""

    @abc.abstractmethod
    def build(self, refs: Sequence[PreparedReference]) -> None: ...

    @abc.abstractmethod
    def lookup(self, offer: PreparedOffer, thresholds: Thresholds) -> Iterable[int]: ...


class _KeyedSource(CandidateSource):
    def __init__(self) -> None:
        self.postings: dict[str, list[int]] = defaultdict(list)

    def keys(self, ref: PreparedReference) -> Iterable[str]:
        raise NotImplementedError

    def build(self, refs):
        self.postings = defaultdict(list)
        for i, ref in enumerate(refs):
            for key in set(self.keys(ref)):
                self.postings[key].append(i)
        self.postings = dict(self.postings)


class BarcodeSource(_KeyedSource):
    name = "barcode"

    def keys(self, ref):
        return ref.barcodes

    def lookup(self, offer, thresholds):
        for code in offer.barcodes:
            yield from self.postings.get(code, ())


class ModelSource(_KeyedSource):
    name = "model"

    def keys(self, ref):
        return ref.codes

    def lookup(self, offer, thresholds):
        for code in offer.codes:
            yield from self.postings.get(code, ())


class BrandSource(_KeyedSource):
    """A brand alone surfaces its entries only when it has few of them (a big brand needs more)."""

    name = "brand"

    def __init__(self, max_bucket: int = 15) -> None:
        super().__init__()
        self.max_bucket = max_bucket

    def keys(self, ref):
        return [ref.brand] if ref.brand else []

    def lookup(self, offer, thresholds):
        for brand in offer.brands:
            bucket = self.postings.get(brand, ())
            if len(bucket) <= self.max_bucket:
                yield from bucket


class PhotoSource(CandidateSource):
    name = "photo"

    def __init__(self) -> None:
        self.index: HashIndex | None = None
        self.owner = np.zeros(0, dtype=np.int64)

    def build(self, refs):
        hashes: list[int] = []
        owners: list[int] = []
        for i, ref in enumerate(refs):
            for h in ref.ref.photo_hashes:
                hashes.append(h)
                owners.append(i)
        self.owner = np.asarray(owners, dtype=np.int64)
        self.index = HashIndex(to_array(hashes)) if hashes else None

    def lookup(self, offer, thresholds):
        if self.index is None:
            return
        for h in offer.offer.photo_hashes:
            for position, _distance in self.index.search(h, thresholds.photo_distance):
                yield int(self.owner[position])


class TitleSource(CandidateSource):
    """Inverted index of title tokens (Latin words, Chinese character bigrams).

    A listing's rarest tokens (``probe`` of them, each in at most ``max_df`` entries) pick the entries
    to look at; those are ranked by the IDF-weighted overlap of all their tokens with the listing's,
    and the best ``top`` that share at least ``min_shared`` tokens and ``min_cover`` of the entry's
    token weight are kept.
    """

    name = "title"

    def __init__(
        self, probe: int = 4, max_df: int = 150, min_shared: int = 2, top: int = 5, min_cover: float = 0.5
    ) -> None:
        self.probe, self.max_df, self.min_shared, self.top = probe, max_df, min_shared, top
        self.min_cover = min_cover
        self.max_seen = 2 * max_df
        self.weight: list[float] = []
        self.postings: dict[str, list[int]] = {}
        self.tokens: list[frozenset[str]] = []
        self.idf: dict[str, float] = {}

    def build(self, refs):
        postings: dict[str, list[int]] = defaultdict(list)
        self.tokens = []
        for i, ref in enumerate(refs):
            self.tokens.append(frozenset(ref.tokens))
            for token in ref.tokens:
                postings[token].append(i)
        self.postings = dict(postings)
        n = max(1, len(refs))
        self.idf = {t: math.log(1 + n / len(p)) for t, p in self.postings.items()}
        self.weight = [sum(self.idf[t] for t in tokens) or 1.0 for tokens in self.tokens]

    def lookup(self, offer, thresholds):
        known = [(len(p), t) for t in offer.tokens if (p := self.postings.get(t)) and len(p) <= self.max_df]
        if not known:
            return []
        known.sort()
        seen: set[int] = set()
        for df, token in known[: self.probe]:
            if seen and len(seen) + df > self.max_seen:
                break
            seen.update(self.postings[token])
        idf = self.idf
        tokens = offer.tokens
        ranked = []
        for i in seen:
            shared = tokens & self.tokens[i]
            if len(shared) >= self.min_shared or len(shared) == len(self.tokens[i]):
                weight = sum(idf[t] for t in shared)
                if weight >= self.min_cover * self.weight[i]:
                    ranked.append((-weight, i))
        ranked.sort()
        return [i for _w, i in ranked[: self.top]]


class SourceRegistry:
    def __init__(self, sources: Iterable[CandidateSource] = ()) -> None:
        self._sources: dict[str, CandidateSource] = {}
        for source in sources:
            self.register(source)

    def register(self, source: CandidateSource) -> None:
        if not source.name or source.name in self._sources:
            raise ValueError(f"source name missing or taken: {source.name!r}")
        self._sources[source.name] = source

    def names(self) -> list[str]:
        return list(self._sources)

    def __iter__(self):
        return iter(self._sources.values())


def default_sources() -> SourceRegistry:
    return SourceRegistry([BarcodeSource(), ModelSource(), BrandSource(), PhotoSource(), TitleSource()])


class CandidateIndex:
    def __init__(self, refs: Sequence[PreparedReference], sources: SourceRegistry | None = None) -> None:
        self.sources = sources or default_sources()
        for source in self.sources:
            source.build(refs)

    def lookup(self, offer: PreparedOffer, thresholds: Thresholds) -> list[int]:
        found: dict[int, None] = {}
        for source in self.sources:
            for i in source.lookup(offer, thresholds):
                found.setdefault(i, None)
                if len(found) >= thresholds.max_candidates:
                    return list(found)
        return list(found)
