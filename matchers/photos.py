"""Photo similarity: 64-bit perceptual hashes and a multi-index hash table for Hamming search."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

BITS = 64


class ImageHasher(abc.ABC):
    """Turns an image file into a 64-bit integer; images that look alike get close hashes."""

    name: str = ""

    @abc.abstractmethod
    def hash_file(self, path: str | Path) -> int: ...

    def hash_reference(self, path: str | Path) -> list[int]:
        """The hashes a reference photo is looked up by (a listing photo is found by any of them)."""
        return [self.hash_file(path)]


class PerceptualHasher(ImageHasher):
    """DCT perceptual hash (imagehash.phash), robust to resizing, re-encoding and small edits."""

    name = "phash"

    def hash_file(self, path: str | Path) -> int:
        import imagehash
        from PIL import Image

        with Image.open(path) as image:
            return int(str(imagehash.phash(image.convert("RGB"))), 16)


class EditTolerantHasher(ImageHasher):
    """pHash of the photo with its uniform border trimmed; a reference photo is expanded into the crops,
    mirror and framing a seller may make of it (see :mod:`matchers.photo_hashing`)."""

    name = "phash-trim"

    def hash_file(self, path: str | Path) -> int:
        from matchers.photo_hashing import listing_hash

        return listing_hash(path)

    def hash_reference(self, path: str | Path) -> list[int]:
        from matchers.photo_hashing import reference_hashes

        return reference_hashes(path)


def default_hasher() -> ImageHasher:
    return EditTolerantHasher()


def hamming(a: int, b: int) -> int:
    return (int(a) ^ int(b)).bit_count()


def popcount64(values: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(values)
    v = values.copy()
    v = v - ((v >> 1) & np.uint64(0x5555555555555555))
    v = (v & np.uint64(0x3333333333333333)) + ((v >> 2) & np.uint64(0x3333333333333333))
    v = (v + (v >> 4)) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (v * np.uint64(0x0101010101010101)) >> np.uint64(56)


def to_array(hashes: Iterable[int]) -> np.ndarray:
    return np.fromiter((int(h) & 0xFFFFFFFFFFFFFFFF for h in hashes), dtype=np.uint64)


def linear_scan(hashes: np.ndarray, query: int, radius: int) -> np.ndarray:
    """Baseline: positions of every hash within ``radius`` bits, by popcount over the whole array."""
    distances = popcount64(hashes ^ np.uint64(int(query) & 0xFFFFFFFFFFFFFFFF))
    return np.flatnonzero(distances <= radius)


class HashIndex:
    """Multi-index hashing (Norouzi et al.): the 64 bits are cut into ``chunks`` substrings, each indexed.

    Two hashes within r bits agree to within floor(r / chunks) bits on at least one substring, so a query
    probes, per substring, every value that close and verifies the few candidates with a popcount.
    """

    def __init__(self, hashes: Sequence[int] | np.ndarray, chunks: int = 4) -> None:
        if BITS % chunks:
            raise ValueError("chunks must divide 64")
        self.chunks = chunks
        self.width = BITS // chunks
        self.hashes = hashes if isinstance(hashes, np.ndarray) else to_array(hashes)
        self.hashes = self.hashes.astype(np.uint64, copy=False)
        mask = np.uint64((1 << self.width) - 1)
        slots = 1 << self.width
        # One flat table for all substrings: substring c's value v owns positions
        # _starts[c * (slots + 1) + v] to _starts[c * (slots + 1) + v + 1] of _order.
        orders: list[np.ndarray] = []
        starts: list[np.ndarray] = []
        n = len(self.hashes)
        for c in range(chunks):
            keys = ((self.hashes >> np.uint64(c * self.width)) & mask).astype(np.int64)
            order = np.argsort(keys, kind="stable")
            counts = np.bincount(keys, minlength=slots)
            chunk_starts = np.zeros(slots + 1, dtype=np.int64)
            np.cumsum(counts, out=chunk_starts[1:])
            orders.append(order)
            starts.append(chunk_starts + c * n)
        # 32-bit positions when they fit: half the memory, and fewer cache misses on probes.
        small = np.int32 if n * chunks < 2**31 else np.int64
        self._order = np.concatenate(orders).astype(small)
        self._starts = np.concatenate(starts).astype(small)
        self._shifts = np.arange(chunks, dtype=np.uint64) * np.uint64(self.width)
        self._offsets = np.arange(chunks, dtype=np.int64)[:, None] * (slots + 1)
        self._flips: dict[int, Any] = {}

    def __len__(self) -> int:
        return int(self.hashes.shape[0])

    def _masks(self, radius: int) -> list[int]:
        if radius not in self._flips:
            masks = [0]
            for k in range(1, radius + 1):
                for bits in combinations(range(self.width), k):
                    m = 0
                    for b in bits:
                        m |= 1 << b
                    masks.append(m)
            self._flips[radius] = masks
        return self._flips[radius]

    def search(self, query: int, radius: int) -> list[tuple[int, int]]:
        """(position, distance) of every stored hash within ``radius`` bits, nearest first."""
        q = int(query) & 0xFFFFFFFFFFFFFFFF
        masks = self._mask_array(radius // self.chunks)
        full = np.uint64((1 << self.width) - 1)
        parts = ((np.uint64(q) >> self._shifts) & full).astype(np.int64)
        keys = ((parts[:, None] ^ masks[None, :]) + self._offsets).ravel()
        lo = self._starts[keys]
        sizes = self._starts[keys + 1] - lo
        total = int(sizes.sum())
        if total == 0:
            return []
        ends = np.cumsum(sizes)
        candidates = self._order[np.repeat(lo - (ends - sizes), sizes) + np.arange(total)]
        distances = popcount64(self.hashes[candidates] ^ np.uint64(q))
        keep = distances <= radius
        if not keep.any():
            return []
        found = sorted(set(zip(distances[keep].tolist(), candidates[keep].tolist(), strict=True)))
        return [(pos, dist) for dist, pos in found]

    def search_many(self, queries: Sequence[int], radius: int) -> list[list[tuple[int, int]]]:
        """``search`` of each query, in order, with the table probes of all queries done together."""
        if not len(queries):
            return []
        q = to_array(queries)
        masks = self._mask_array(radius // self.chunks)
        full = np.uint64((1 << self.width) - 1)
        parts = ((q[:, None] >> self._shifts[None, :]) & full).astype(np.int64)
        keys = (parts[:, :, None] ^ masks[None, None, :]) + self._offsets[None, :, :]
        keys = keys.reshape(len(q), -1)
        lo = self._starts[keys]
        sizes = self._starts[keys + 1] - lo
        per_query = sizes.sum(axis=1)
        lo, sizes = lo.ravel(), sizes.ravel()
        total = int(sizes.sum())
        out: list[list[tuple[int, int]]] = [[] for _ in range(len(q))]
        if total == 0:
            return out
        firsts = np.cumsum(sizes) - sizes
        candidates = self._order[np.repeat(lo - firsts, sizes) + np.arange(total)]
        owner = np.repeat(np.arange(len(q)), per_query)
        distances = popcount64(self.hashes[candidates] ^ q[owner]).astype(np.int64)
        keep = distances <= radius
        if not keep.any():
            return out
        owner, distances, candidates = owner[keep], distances[keep], candidates[keep]
        order = np.lexsort((candidates, distances, owner))
        owner, distances, candidates = owner[order], distances[order], candidates[order]
        fresh = np.r_[True, (owner[1:] != owner[:-1]) | (candidates[1:] != candidates[:-1])]
        for k, pos, dist in zip(
            owner[fresh].tolist(), candidates[fresh].tolist(), distances[fresh].tolist(), strict=True
        ):
            out[k].append((pos, dist))
        return out

    def _mask_array(self, radius: int) -> np.ndarray:
        key = -radius - 1
        if key not in self._flips:
            self._flips[key] = np.asarray(self._masks(radius), dtype=np.int64)
        return self._flips[key]
