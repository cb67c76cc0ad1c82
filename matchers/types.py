"""The two sides of a comparison and what a comparison returns, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    MATCH = "match"
    REVIEW = "review"
    NONE = "none"


@dataclass
class Offer:
    """A marketplace listing as the matchers see it."""

    offer_id: str
    title: str
    platform: str = ""
    brand: str | None = None
    model: str | None = None
    shop: str | None = None
    price: float | None = None
    url: str | None = None
    barcodes: list[str] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    photo_hashes: list[int] = field(default_factory=list)
    category: str | None = None


@dataclass
class Reference:
    """An entry of a recall / non-compliance list as the matchers see it."""

    ref_id: str
    product_name: str = ""
    brand: str | None = None
    models: list[str] = field(default_factory=list)
    barcodes: list[str] = field(default_factory=list)
    batches: list[str] = field(default_factory=list)
    production_dates: list[str] = field(default_factory=list)
    manufacturer: str | None = None
    category: str | None = None
    hazard: str | None = None
    list_type: str = ""
    photo_hashes: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Evidence:
    """One finding of one signal: ``weight`` > 0 supports a match, ``factor`` < 1 weakens it.

    A ``decisive`` finding (an equal barcode) keeps the pair at least in review whatever conflicts say.
    A ``caps_at_review`` finding (the listing sells another type of product, or a part for this one)
    keeps the pair from ``match`` whatever agrees: an analyst decides.
    """

    signal: str
    reason: str
    weight: float = 0.0
    factor: float = 1.0
    identifying: bool = False
    decisive: bool = False
    caps_at_review: bool = False


@dataclass
class MatchResult:
    offer_id: str
    ref_id: str
    score: float
    verdict: Verdict
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        return [e.reason for e in self.evidence]

    def to_json(self) -> dict[str, Any]:
        return {
            "listing_id": self.offer_id,
            "ref_id": self.ref_id,
            "score": round(self.score, 4),
            "decision": self.verdict.value if self.verdict is not Verdict.NONE else None,
            "reasons": self.reasons,
        }


@dataclass(frozen=True)
class Thresholds:
    """Where scores become decisions; every number an operator may want to move is here."""

    match: float = 0.80
    review: float = 0.50
    photo_distance: int = 6
    title_floor: float = 0.55
    max_candidates: int = 200
