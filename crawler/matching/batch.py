"""``surveil match-file``: a reference CSV against a listings JSONL file, outside the database."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from crawler.matching.convert import LineError, offer_from_json, reference_from_record
from crawler.references import read_records
from matchers import Matcher, Thresholds
from matchers.photos import ImageHasher, default_hasher


@dataclass
class BatchReport:
    references: int = 0
    listings: int = 0
    pairs: int = 0
    matches: int = 0
    reviews: int = 0
    brand_aliases: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "references": self.references,
            "listings": self.listings,
            "pairs": self.pairs,
            "match": self.matches,
            "review": self.reviews,
            "brand_aliases_learned": self.brand_aliases,
            "problems": self.problems,
        }


def match_file(
    references: Path,
    listings: Path,
    out: IO[str],
    thresholds: Thresholds | None = None,
    hasher: ImageHasher | None = None,
) -> BatchReport:
    """Write one JSON line per surfaced pair; bad lines and unreadable images are reported, not fatal."""
    report = BatchReport()
    hasher = hasher or default_hasher()

    def problem(where: str, reason: str) -> None:
        report.problems.append(f"{where}: {reason}")

    imported = read_records(references)
    report.problems.extend(str(p) for p in imported.problems)
    refs = [reference_from_record(r, references.parent, hasher, problem) for r in imported.records]
    report.references = len(refs)
    matcher = Matcher(refs, thresholds=thresholds)
    offers = []
    with listings.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{listings.name}: line {number}"
            try:
                offer = offer_from_json(json.loads(line), listings.parent, hasher, where, problem)
            except json.JSONDecodeError as exc:
                problem(where, f"not valid JSON ({exc.msg})")
                continue
            except LineError as exc:
                problem(where, str(exc))
                continue
            offers.append(offer)
    report.listings = len(offers)
    report.brand_aliases = [f"{a} = {b}" for a, b in matcher.learn_brands(offers)]
    for offer in offers:
        for result in matcher.match(offer):
            out.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
            report.pairs += 1
            report.matches += result.verdict == "match"
            report.reviews += result.verdict == "review"
    return report
