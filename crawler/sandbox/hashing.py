"""Stable hashing: every generated value is a pure function of the seed and a few keys."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from hashlib import blake2b as _blake2b
from typing import TypeVar

T = TypeVar("T")


def h64(*parts: object) -> int:
    """A 64-bit hash of the parts, stable across processes and Python versions."""
    return int.from_bytes(_blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


def unit(*parts: object) -> float:
    """A number in [0, 1) from the parts."""
    return h64(*parts) / 2**64


def pick(options: Sequence[T], *parts: object) -> T:
    return options[h64(*parts) % len(options)]


def span(low: int, high: int, *parts: object) -> int:
    """An integer in [low, high]."""
    return low + h64(*parts) % (high - low + 1)


def hexdigest(*parts: object, length: int = 32) -> str:
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.blake2b(text.encode(), digest_size=max(1, (length + 1) // 2)).hexdigest()[:length]


class IdCodec:
    """A bijection between listing indexes and public item ids (an affine map modulo ``modulus``)."""

    def __init__(self, seed: int, platform: str, base: int, modulus: int) -> None:
        multiplier = h64(seed, platform, "id-multiplier") % modulus
        while multiplier < 2 or _gcd(multiplier, modulus) != 1:
            multiplier += 1
        self.base = base
        self.modulus = modulus
        self.multiplier = multiplier
        self.offset = h64(seed, platform, "id-offset") % modulus
        self.inverse = pow(multiplier, -1, modulus)

    def encode(self, index: int) -> int:
        return self.base + (self.multiplier * index + self.offset) % self.modulus

    def decode(self, item_id: int) -> int | None:
        value = item_id - self.base
        if not 0 <= value < self.modulus:
            return None
        return ((value - self.offset) * self.inverse) % self.modulus


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a
