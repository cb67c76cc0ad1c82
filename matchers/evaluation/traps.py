"""The marketplace-trap set: hand-written listing/entry pairs with gold labels, one trap per row.

``data/traps.jsonl`` holds one pair a line: ``id``, ``trap`` (accessory, white_label, same_brand,
retyped_model, neighbour, traditional, cross_language, size_range, english, true_match), ``lang``
(``zh``: Chinese listing and entry; ``en``: both English; ``en-zh``: an English entry and a Chinese
listing), ``label`` (1 when the listing sells the entry's product) and the two sides as
:class:`~matchers.types.Offer` / :class:`~matchers.types.Reference` fields.

Each pair is decided on its own (a matcher holding that one entry), so a figure says how the pair is
decided, not which other entry outranked it. Two figures per group, the ones analysts feel:
*precision* of ``match`` decisions (a wrong match costs a test purchase) and *surfaced recall* (a true
pair decided ``match`` or ``review``, so it reaches the queue at all).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matchers.evaluation.metrics import Scores, scores
from matchers.types import Offer, Reference, Verdict

TRAPS_FILE = Path(__file__).with_name("data") / "traps.jsonl"

_OFFER_FIELDS = ("title", "brand", "model", "shop", "attributes", "barcodes")
_REFERENCE_FIELDS = ("product_name", "brand", "models", "barcodes", "category", "manufacturer")


@dataclass(frozen=True)
class TrapPair:
    pair_id: str
    trap: str
    lang: str
    label: bool
    offer: Offer
    reference: Reference


def read_traps(path: Path = TRAPS_FILE) -> list[TrapPair]:
    out: list[TrapPair] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        listing, entry = row["listing"], row["entry"]
        offer = Offer(
            offer_id=row["id"], **{k: listing[k] for k in _OFFER_FIELDS if listing.get(k) is not None}
        )
        ref = Reference(
            ref_id=row["id"], **{k: entry[k] for k in _REFERENCE_FIELDS if entry.get(k) is not None}
        )
        out.append(TrapPair(row["id"], row["trap"], row["lang"], bool(row["label"]), offer, ref))
    return out


def decide_pairs(pairs: Iterable[TrapPair], segment: Any = True) -> dict[str, Verdict]:
    """The verdict of every pair, each against a matcher that holds its entry alone."""
    from matchers.engine import Matcher
    from matchers.normalise import Segmenter

    segmenter = Segmenter() if segment is True else segment
    out: dict[str, Verdict] = {}
    for pair in pairs:
        matcher = Matcher([pair.reference], segment=segmenter)
        results = matcher.match(pair.offer, keep_none=True)
        out[pair.pair_id] = results[0].verdict if results else Verdict.NONE
    return out


# The report's groups: a name, which pairs it holds, and what it is for.
GROUPS: tuple[tuple[str, Callable[[TrapPair], bool], str], ...] = (
    ("all traps", lambda p: True, "every hand-written pair"),
    ("accessories", lambda p: p.trap in ("accessory", "white_label"), "parts, 适用于 titles, bundles"),
    ("re-typed models", lambda p: p.trap in ("retyped_model", "traditional", "neighbour"), "codes, 繁体"),
    ("same brand, other product", lambda p: p.trap == "same_brand", "one code, two products"),
    ("size ranges", lambda p: p.trap == "size_range", "0-13kg, 40-85cm beside codes"),
    ("cross-language", lambda p: p.lang == "en-zh", "English entry, Chinese listing"),
)


def group_scores(pairs: list[TrapPair], verdicts: dict[str, Verdict]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, member, about in GROUPS:
        chosen = [p for p in pairs if member(p)]
        truth = [p.label for p in chosen]
        strict: Scores = scores(truth, [verdicts[p.pair_id] is Verdict.MATCH for p in chosen])
        loose: Scores = scores(truth, [verdicts[p.pair_id] is not Verdict.NONE for p in chosen])
        out[name] = {
            "about": about,
            "pairs": len(chosen),
            "true_pairs": sum(truth),
            "precision": round(strict.precision, 4),
            "match_recall": round(strict.recall, 4),
            "surfaced_precision": round(loose.precision, 4),
            "surfaced_recall": round(loose.recall, 4),
            "wrong": sorted(
                p.pair_id
                for p in chosen
                if (verdicts[p.pair_id] is Verdict.MATCH) != p.label
                and not (p.label and verdicts[p.pair_id] is Verdict.REVIEW)
            ),
        }
    return out


def evaluate_traps(path: Path = TRAPS_FILE, segment: Any = True) -> dict[str, Any]:
    pairs = read_traps(path)
    verdicts = decide_pairs(pairs, segment)
    return {"data_set": f"traps ({path.name}, {len(pairs)} pairs)", "groups": group_scores(pairs, verdicts)}


def trap_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows for the ``surveil eval`` table: precision of ``match`` and surfaced recall per group."""
    rows = []
    for name, g in report["groups"].items():
        p, r = g["precision"], g["surfaced_recall"]
        rows.append(
            {
                "data_set": f"traps: {name}",
                "signal": name,
                "precision": p,
                "recall": r,
                "f1": round(2 * p * r / (p + r), 4) if p and r else 0.0,
                "notes": (
                    f"{g['about']}: {g['pairs']} pairs, {g['true_pairs']} true; recall = surfaced "
                    f"(match or review), match recall {g['match_recall']:.4f}"
                ),
                "figures": g,
            }
        )
    return rows
