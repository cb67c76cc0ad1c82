"""Labelled pair files in the DeepMatcher/Ditto serialisation: ``COL attr VAL value ... <TAB> ... <TAB> label``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_FIELD = re.compile(r"COL\s+(\S+)\s+VAL\s?(.*?)(?=\s*COL\s+\S+\s+VAL|\s*$)", re.S)


@dataclass
class Pair:
    left: dict[str, str]
    right: dict[str, str]
    label: bool
    line: int = 0


@dataclass
class PairSet:
    name: str
    pairs: list[Pair] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def labels(self) -> list[bool]:
        return [p.label for p in self.pairs]


def parse_record(text: str) -> dict[str, str]:
    return {m.group(1).lower(): m.group(2).strip() for m in _FIELD.finditer(text)}


def read_pairs(path: str | Path, name: str | None = None, limit: int | None = None) -> PairSet:
    """Read a pair file; malformed lines are reported (line number, reason) and skipped."""
    path = Path(path)
    out = PairSet(name or path.parent.name)
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or parts[2].strip() not in ("0", "1"):
                out.problems.append(f"{path}:{number}: expected 'left<TAB>right<TAB>0|1'")
                continue
            left, right = parse_record(parts[0]), parse_record(parts[1])
            if not left or not right:
                out.problems.append(f"{path}:{number}: no COL/VAL fields")
                continue
            out.pairs.append(Pair(left, right, parts[2].strip() == "1", number))
            if limit and len(out.pairs) >= limit:
                break
    return out
