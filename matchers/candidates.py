"""Candidate generation from indexes, so a listing is compared only with entries that share something.

Sources, each behind the same small interface and listed in an explicit registry: barcodes, model
codes, brands, photo hashes and title n-grams. The cost per listing depends on the postings it
touches, not on the number of reference entries.
"""

from __future__ import annotations

import abc
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from matchers.photos import HashIndex, popcount64, to_array
from matchers.prepared import PreparedOffer, PreparedReference
from matchers.types import Thresholds

_SLACK = 1e-9


class CandidateSource(abc.ABC):
    name: str = ""

    @abc.abstractmethod
    def build(self, refs: Sequence[PreparedReference]) -> None: ...

    @abc.abstractmethod
    def lookup(self, offer: PreparedOffer, thresholds: Thresholds) -> Iterable[int]: ...

    def lookup_many(self, offers: Sequence[PreparedOffer], thresholds: Thresholds) -> list[list[int]]:
        """``lookup`` of each listing, in order; a source may answer for all of them at once."""
        return [list(self.lookup(offer, thresholds)) for offer in offers]


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

    def lookup_many(self, offers, thresholds):
        get = self.postings.get
        return [
            [i for code in offer.barcodes for i in get(code, ())] if offer.barcodes else []
            for offer in offers
        ]


class ModelSource(_KeyedSource):
    name = "model"

    def keys(self, ref):
        return ref.codes

    def lookup(self, offer, thresholds):
        for code in offer.codes:
            yield from self.postings.get(code, ())
        for code in offer.loose_codes:
            yield from self.postings.get(code, ())

    def lookup_many(self, offers, thresholds):
        get = self.postings.get
        return [
            [i for code in offer.codes for i in get(code, ())]
            + [i for code in offer.loose_codes for i in get(code, ())]
            for offer in offers
        ]


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

    def lookup_many(self, offers, thresholds):
        get, most = self.postings.get, self.max_bucket
        out: list[list[int]] = []
        for offer in offers:
            brands = offer.brands
            out.append(
                [i for b in brands if len(bucket := get(b, ())) <= most for i in bucket] if brands else []
            )
        return out


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

    def lookup_many(self, offers, thresholds):
        out: list[list[int]] = [[] for _ in offers]
        if self.index is None:
            return out
        queries = [(k, h) for k, offer in enumerate(offers) for h in offer.offer.photo_hashes]
        if not queries:
            return out
        found = self.index.search_many([h for _k, h in queries], thresholds.photo_distance)
        owner = self.owner
        for (k, _h), hits in zip(queries, found, strict=True):
            if hits:
                out[k].extend(owner[[position for position, _d in hits]].tolist())
        return out


class TitleSource(CandidateSource):
    """Inverted index of title tokens (Latin words, Chinese character bigrams).

    A listing's rarest tokens (``probe`` of them, each in at most ``max_df`` entries) pick the entries
    to look at; those are ranked by the IDF-weighted overlap of all their tokens with the listing's,
    and the best ``top`` that share at least ``min_shared`` tokens and ``min_cover`` of the entry's
    token weight are kept.

    Listings are looked up in batches, with array operations over all the (listing, entry) pairs at
    once. The tokens too common ever to be probed carry one bit each in a mask per entry (the most
    common ones, up to ``MASK_WORDS`` 64-bit words), so the number of tokens an entry shares with a
    listing is counted with a popcount first; only pairs that can pass on that count have their tokens
    gathered and weighed.
    """

    name = "title"
    MASK_WORDS = 4

    def __init__(
        self, probe: int = 4, max_df: int = 150, min_shared: int = 2, top: int = 5, min_cover: float = 0.5
    ) -> None:
        self.probe, self.max_df, self.min_shared, self.top = probe, max_df, min_shared, top
        self.min_cover = min_cover
        self.max_seen = 2 * max_df
        self.vocabulary: dict[str, int] = {}
        self.postings: dict[str, np.ndarray] = {}
        self.idf = np.zeros(0, dtype=np.float64)
        self.weight = np.zeros(0, dtype=np.float64)
        self._starts = np.zeros(1, dtype=np.int64)
        self._sizes = np.zeros(0, dtype=np.int64)
        self._token_ids = np.zeros(0, dtype=np.int32)
        self._n_refs = 0
        self._postings: list[np.ndarray] = []
        self._df: list[int] = []
        self._bit: dict[int, int] = {}
        self._masks = np.zeros((0, 0), dtype=np.uint64)  # one row of entry masks per 64-bit word
        self._slot = np.zeros(0, dtype=np.int64)
        self._slot_lock = threading.Lock()

    def build(self, refs):
        vocabulary: dict[str, int] = {}
        postings: list[list[int]] = []
        sizes = np.zeros(len(refs), dtype=np.int64)
        flat: list[int] = []
        for i, ref in enumerate(refs):
            for token in ref.tokens:
                t = vocabulary.get(token)
                if t is None:
                    t = vocabulary[token] = len(postings)
                    postings.append([])
                postings[t].append(i)
                flat.append(t)
            sizes[i] = len(ref.tokens)
        self.vocabulary = vocabulary
        self._postings = [np.asarray(p, dtype=np.int64) for p in postings]
        self._df = [len(p) for p in postings]
        self.postings = {token: self._postings[t] for token, t in vocabulary.items()}
        n = max(1, len(refs))
        df = np.asarray(self._df, dtype=np.float64)
        self.idf = np.log(1.0 + n / df) if len(df) else np.zeros(0, dtype=np.float64)
        self._token_ids = np.asarray(flat, dtype=np.int32)
        self._sizes = sizes
        self._n_refs = len(refs)
        self._slot = np.zeros(len(vocabulary), dtype=np.int64)
        self._starts = np.zeros(len(refs) + 1, dtype=np.int64)
        np.cumsum(sizes, out=self._starts[1:])
        self.weight = np.ones(len(refs), dtype=np.float64)
        nonempty = sizes > 0
        if nonempty.any():
            self.weight[nonempty] = np.add.reduceat(self.idf[self._token_ids], self._starts[:-1][nonempty])
        common = sorted((t for t, d in enumerate(self._df) if d > self.max_df), key=lambda t: -self._df[t])
        common = common[: 64 * self.MASK_WORDS]
        self._bit = {t: b for b, t in enumerate(common)}
        words = (len(common) + 63) // 64
        self._masks = np.zeros((words, len(refs)), dtype=np.uint64)
        for b, t in enumerate(common):
            self._masks[b // 64, self._postings[t]] |= np.uint64(1 << (b % 64))

    def _probe(self, known: list[tuple[int, str, int]]) -> list[int]:
        """Token ids whose postings a listing looks at, from its ``known`` (document frequency, token,
        token id): the rarest, while their entries stay within ``max_seen``."""
        if not known or self.probe < 1:
            return []
        if len(known) == 1:
            return [known[0][2]]
        known.sort()
        postings = self._postings
        picked: list[int] = []
        reach = 0  # the union's size, or an upper bound of it while that bound stays within max_seen
        for df, _token, t in known[: self.probe]:
            if picked and reach + df > self.max_seen:
                if len(picked) > 1:
                    reach = len(np.unique(np.concatenate([postings[p] for p in picked])))
                if reach + df > self.max_seen:
                    break
            picked.append(t)
            reach += df
        return picked

    def lookup(self, offer, thresholds):
        return self.lookup_many([offer], thresholds)[0]

    def lookup_many(self, offers, thresholds):
        out: list[list[int]] = [[] for _ in offers]
        vocabulary, dfs, bits = self.vocabulary, self._df, self._bit
        postings = self._postings
        max_df, n_refs = self.max_df, self._n_refs
        single: list[np.ndarray] = []
        single_owner: list[int] = []
        single_count: list[int] = []
        several: list[np.ndarray] = []
        query_offer: list[int] = []
        query_tokens: list[int] = []
        masks: list[int] = []
        for k, offer in enumerate(offers):
            known: list[tuple[int, str, int]] = []
            ids: list[int] = []
            for token in offer.tokens:
                t = vocabulary.get(token)
                if t is not None:
                    ids.append(t)
                    if dfs[t] <= max_df:
                        known.append((dfs[t], token, t))
            picked = self._probe(known)
            if not picked:
                masks.append(0)
                continue
            query_offer.extend([k] * len(ids))
            query_tokens.extend(ids)
            # The tokens not probed, as bits; -1 when one of them has no bit (no count filter then).
            mask = 0
            for t in ids:
                if t not in picked:
                    b = bits.get(t)
                    if b is None:
                        mask = -1
                        break
                    mask |= 1 << b
            masks.append(mask)
            if len(picked) == 1:
                single.append(postings[picked[0]])
                single_owner.append(k)
                single_count.append(dfs[picked[0]])
            else:
                several.extend(postings[t] + k * n_refs for t in picked)
        if not single and not several:
            return out
        rows_parts, owner_parts, count_parts = [], [], []
        if single:
            rows_parts.append(np.concatenate(single))
            owner_parts.append(np.repeat(np.asarray(single_owner, dtype=np.int64), single_count))
            count_parts.append(np.ones(len(rows_parts[0]), dtype=np.int64))
        if several:
            keys = np.sort(np.concatenate(several))
            first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
            owner, row = np.divmod(keys[first], n_refs)
            rows_parts.append(row)
            owner_parts.append(owner)
            count_parts.append(np.diff(np.r_[first, len(keys)]))
        rows = np.concatenate(rows_parts) if len(rows_parts) > 1 else rows_parts[0]
        pair_offer = np.concatenate(owner_parts) if len(owner_parts) > 1 else owner_parts[0]
        probed_shared = np.concatenate(count_parts) if len(count_parts) > 1 else count_parts[0]
        rows, pair_offer = self._countable(rows, pair_offer, probed_shared, masks)
        if not len(rows):
            return out
        # The block's own tokens get small local numbers 1..width (0: not in the block), so each
        # (listing, token) has a slot in a small table holding the token's IDF when the listing has it.
        block_tokens, local = np.unique(np.asarray(query_tokens, dtype=np.int64), return_inverse=True)
        width = len(block_tokens) + 1
        table = np.zeros(len(offers) * width, dtype=np.float64)
        table[np.asarray(query_offer, dtype=np.int64) * width + local + 1] = self.idf[block_tokens[local]]
        sizes = self._sizes[rows]
        total = int(sizes.sum())
        firsts = np.cumsum(sizes) - sizes
        ids = self._token_ids[np.repeat(self._starts[rows] - firsts, sizes) + np.arange(total)]
        with self._slot_lock:
            slot = self._slot
            slot[block_tokens] = np.arange(1, width)
            try:
                found = table[np.repeat(pair_offer * width, sizes) + slot[ids]]
            finally:
                slot[block_tokens] = 0
        weight = np.add.reduceat(found, firsts)
        shared = np.add.reduceat((found > 0).astype(np.int64), firsts)
        # Sums of the same weights taken in another order may differ in the last bits: equal overlaps
        # are kept and ranked as equal (then by entry order).
        keep = ((shared >= self.min_shared) | (shared == sizes)) & (
            weight >= self.min_cover * self.weight[rows] - _SLACK
        )
        if not keep.any():
            return out
        pair_offer, rows, weight = pair_offer[keep], rows[keep], np.round(weight[keep], 9)
        order = np.lexsort((rows, -weight, pair_offer))
        pair_offer, rows = pair_offer[order], rows[order]
        group_first = np.flatnonzero(np.r_[True, pair_offer[1:] != pair_offer[:-1]])
        rank = np.arange(len(rows)) - np.repeat(group_first, np.diff(np.r_[group_first, len(rows)]))
        top = rank < self.top
        for k, i in zip(pair_offer[top].tolist(), rows[top].tolist(), strict=True):
            out[k].append(i)
        return out

    def _countable(
        self, rows: np.ndarray, pair_offer: np.ndarray, probed_shared: np.ndarray, masks: list[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The pairs that may share enough tokens: those whose listing's other tokens all have bits
        and whose count (probed tokens the entry holds, plus common tokens in both masks) passes,
        and every pair of a listing with a token that has no bit."""
        unknown = np.fromiter((m < 0 for m in masks), dtype=bool, count=len(masks))
        shared = probed_shared.copy()
        for w, entry_masks in enumerate(self._masks):
            offer_masks = np.fromiter(
                ((m >> (64 * w)) & 0xFFFFFFFFFFFFFFFF if m > 0 else 0 for m in masks),
                dtype=np.uint64,
                count=len(masks),
            )
            shared += popcount64(entry_masks[rows] & offer_masks[pair_offer])
        sizes = self._sizes[rows]
        keep = (shared >= self.min_shared) | (shared == sizes) | unknown[pair_offer]
        return rows[keep], pair_offer[keep]


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

    def lookup_many(self, offers: Sequence[PreparedOffer], thresholds: Thresholds) -> list[list[int]]:
        """``lookup`` of several listings; each source is asked once for all of them."""
        answers = [source.lookup_many(offers, thresholds) for source in self.sources]
        out: list[list[int]] = []
        limit = thresholds.max_candidates
        for k in range(len(offers)):
            found: dict[int, None] = {}
            for answer in answers:
                for i in answer[k]:
                    found.setdefault(i, None)
                    if len(found) >= limit:
                        break
                if len(found) >= limit:
                    break
            out.append(list(found))
        return out
