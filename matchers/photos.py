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


class PerceptualHasher(ImageHasher):
    """DCT perceptual hash (imagehash.phash), robust to resizing, re-encoding and small edits."""

    name = "phash"

    def hash_file(self, path: str | Path) -> int:
        import imagehash
        from PIL import Image

        with Image.open(path) as image:
            return int(str(imagehash.phash(image.convert("RGB"))), 16)


def hamming(a: int, b: int) -> int:
    return (int(a) ^ int(b)).bit_count()


def _popcount64(values: np.ndarray) -> np.ndarray:
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
    distances = _popcount64(hashes ^ np.uint64(int(query) & 0xFFFFFFFFFFFFFFFF))
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
        self._order: list[np.ndarray] = []
        self._starts: list[np.ndarray] = []
        for c in range(chunks):
            keys = ((self.hashes >> np.uint64(c * self.width)) & mask).astype(np.int64)
            order = np.argsort(keys, kind="stable")
            counts = np.bincount(keys, minlength=1 << self.width)
            starts = np.zeros((1 << self.width) + 1, dtype=np.int64)
            np.cumsum(counts, out=starts[1:])
            self._order.append(order)
            self._starts.append(starts)
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
        full = (1 << self.width) - 1
        pieces: list[np.ndarray] = []
        for c in range(self.chunks):
            keys = masks ^ ((q >> (c * self.width)) & full)
            starts = self._starts[c]
            lo, hi = starts[keys], starts[keys + 1]
            nonempty = hi > lo
            if not nonempty.any():
                continue
            order = self._order[c]
            for a, b in zip(lo[nonempty].tolist(), hi[nonempty].tolist(), strict=True):
                pieces.append(order[a:b])
        if not pieces:
            return []
        candidates = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
        distances = _popcount64(self.hashes[candidates] ^ np.uint64(q))
        keep = distances <= radius
        found = sorted(set(zip(distances[keep].tolist(), candidates[keep].tolist(), strict=True)))
        return [(pos, dist) for dist, pos in found]

    def _mask_array(self, radius: int) -> np.ndarray:
        key = -radius - 1
        if key not in self._flips:
            self._flips[key] = np.asarray(self._masks(radius), dtype=np.int64)
        return self._flips[key]
