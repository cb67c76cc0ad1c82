"""Table context: where a pair's two records stand among all records of their two source tables.

A product is mostly listed once per source, so a true match is usually each record's best partner in
the other table, by a clear margin, and a hard negative usually has a better partner elsewhere. The
same signal exists in production (a listing's best reference among all references). Only the two
unlabelled tables (``tableA.csv``, ``tableB.csv``) are read; nothing else in their folder is.

A pair's record is found in its table by its title (lower case, letters and digits only); a record
whose title is not in the table is still compared with every row, it only has no row of its own.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# DeepMatcher pair set -> folder of its two source tables (left records come from tableA).
TABLE_FOLDERS = {
    "Abt-Buy": "d2_abt_buy",
    "Amazon-Google": "d3_amazon_google",
    "Walmart-Amazon": "d8_amazon_walmart",
}
TABLE_FILES = ("tableA.csv", "tableB.csv")
# Fields besides the title that make up a record's "full" text, where the record has them.
TEXT_FIELDS = ("brand", "manufacturer", "modelno", "description")
# Similarity kinds: name, text compared ("title" or "full"), analyser ("word" or "char").
KINDS = (("word", "title", "word"), ("char", "title", "char"), ("full", "full", "word"))
STANDING = ("cos", "l_rank", "l_gap", "r_rank", "r_gap", "mutual")
FEATURES = tuple(f"ctx_{kind}_{name}" for kind, _, _ in KINDS for name in STANDING)
WORDS = r"[a-z0-9][a-z0-9.\-]*"
_KEY = re.compile(r"[^a-z0-9]+")
_CLEAN = re.compile(r"[^a-z0-9.\-]+")

Records = Sequence[tuple[dict[str, str], dict[str, str]]]


def title_of(record: dict[str, str]) -> str:
    return record.get("title") or record.get("name") or ""


def full_text(record: dict[str, str]) -> str:
    return " ".join([title_of(record), *(record.get(f) or "" for f in TEXT_FIELDS)])


def title_key(text: str) -> str:
    return _KEY.sub("", text.lower())


def clean(text: str) -> str:
    return " ".join(_CLEAN.sub(" ", text.lower()).split())


def read_table(path: str | Path) -> list[dict[str, str]]:
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return [{k.lower(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(handle)]


def table_folder(tables: str | Path, data_set: str) -> Path | None:
    """The folder holding the two source tables of a DeepMatcher pair set, if it is there."""
    folder = TABLE_FOLDERS.get(data_set)
    if folder is None:
        return None
    path = Path(tables) / folder
    return path if all((path / name).is_file() for name in TABLE_FILES) else None


@dataclass
class Found:
    """How many distinct records of one side of a pair set were found among the rows of their table."""

    found: int = 0
    missing: int = 0

    def to_json(self) -> dict[str, int]:
        return {"found": self.found, "of": self.found + self.missing}


@dataclass
class Table:
    rows: list[dict[str, str]]
    titles: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    keys: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.titles = [clean(title_of(r)) for r in self.rows]
        self.texts = [clean(full_text(r)) for r in self.rows]
        for i, title in enumerate(self.titles):
            self.keys.setdefault(title_key(title), []).append(i)

    def locate(self, titles: Sequence[str], counts: Found) -> list[list[int]]:
        """The rows holding each title (several where the table lists the same title more than once)."""
        out: list[list[int]] = []
        for title in titles:
            rows = self.keys.get(title_key(title), [])
            if rows:
                counts.found += 1
            else:
                counts.missing += 1
            out.append(rows)
        return out


class TableContext:
    """TF-IDF over the titles (words, character n-grams) and full texts of every row of both tables."""

    def __init__(
        self, left_rows: list[dict[str, str]], right_rows: list[dict[str, str]], name: str = ""
    ) -> None:
        self.name = name
        self.left = Table(left_rows)
        self.right = Table(right_rows)
        self.vectorisers: dict[str, object] = {}
        self.tables: dict[str, tuple[object, object]] = {}
        for kind, text, analyser in KINDS:
            left = self.left.titles if text == "title" else self.left.texts
            right = self.right.titles if text == "title" else self.right.texts
            vec = _vectoriser(analyser)
            both = vec.fit_transform(left + right).tocsr()
            self.vectorisers[kind] = vec
            self.tables[kind] = (both[: len(left)], both[len(left) :])
        self.found: dict[str, Found] = {}

    @classmethod
    def load(cls, folder: str | Path, name: str = "") -> TableContext:
        folder = Path(folder)
        left, right = (read_table(folder / f) for f in TABLE_FILES)
        return cls(left, right, name or folder.name)

    def describe(self) -> dict[str, object]:
        return {
            "tables": self.name,
            "rows": {"left": len(self.left.rows), "right": len(self.right.rows)},
            "found": {name: counts.to_json() for name, counts in self.found.items()},
        }

    def features(self, records: Records, split: str = "") -> np.ndarray:
        """One row per pair, columns FEATURES; ``split`` names the pair set in the found-records report."""
        left_titles, left_index = _unique([clean(title_of(a)) for a, _ in records])
        right_titles, right_index = _unique([clean(title_of(b)) for _, b in records])
        left_counts, right_counts = Found(), Found()
        left_rows = self.left.locate(left_titles, left_counts)
        right_rows = self.right.locate(right_titles, right_counts)
        if split:
            self.found[f"{split} left"] = left_counts
            self.found[f"{split} right"] = right_counts
        left_full = _own_texts(records, 0, left_index, left_rows, self.left)
        right_full = _own_texts(records, 1, right_index, right_rows, self.right)
        columns: list[np.ndarray] = []
        for kind, text, _ in KINDS:
            vec = self.vectorisers[kind]
            table_left, table_right = self.tables[kind]
            lv = vec.transform(left_titles if text == "title" else left_full)
            rv = vec.transform(right_titles if text == "title" else right_full)
            cos = np.asarray(lv[left_index].multiply(rv[right_index]).sum(axis=1)).ravel()
            l_rank, l_gap = _standing(lv, table_right, left_index, right_rows, right_index, cos)
            r_rank, r_gap = _standing(rv, table_left, right_index, left_rows, left_index, cos)
            mutual = ((l_rank == 0) & (r_rank == 0)).astype(float)
            columns.extend([cos, np.log1p(l_rank), l_gap, np.log1p(r_rank), r_gap, mutual])
        return np.column_stack(columns)


def _vectoriser(analyser: str):
    from sklearn.feature_extraction.text import TfidfVectorizer

    if analyser == "char":
        return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, dtype=np.float32)
    return TfidfVectorizer(token_pattern=WORDS, sublinear_tf=True, dtype=np.float32)


def _own_texts(
    records: Records, position: int, index: np.ndarray, rows: list[list[int]], table: Table
) -> list[str]:
    """Each distinct record's full text: its table row's where it was found (the tables may say more)."""
    out = [""] * len(rows)
    for pair, record in zip(records, index.tolist(), strict=True):
        if not out[record]:
            out[record] = table.texts[rows[record][0]] if rows[record] else clean(full_text(pair[position]))
    return out


def _unique(values: Sequence[str]) -> tuple[list[str], np.ndarray]:
    index: dict[str, int] = {}
    positions = [index.setdefault(v, len(index)) for v in values]
    return list(index), np.asarray(positions, dtype=int)


def _standing(
    own_vectors,
    other_table,
    own_index: np.ndarray,
    partner_rows: list[list[int]],
    partner_index: np.ndarray,
    cos: np.ndarray,
    chunk: int = 256,
) -> tuple[np.ndarray, np.ndarray]:
    """For each pair: how many rows of the other table beat its partner, and its margin over the best of them.

    The partner's own rows (its title) are not alternatives to it.
    """
    rank = np.zeros(len(cos))
    gap = np.zeros(len(cos))
    by_record: dict[int, list[int]] = {}
    for pair, record in enumerate(own_index.tolist()):
        by_record.setdefault(record, []).append(pair)
    records = sorted(by_record)
    for start in range(0, len(records), chunk):
        block = records[start : start + chunk]
        sims = (own_vectors[block] @ other_table.T).toarray()
        for row, record in zip(sims, block, strict=True):
            for pair in by_record[record]:
                own = partner_rows[partner_index[pair]]
                saved = row[own].copy()
                row[own] = -1.0
                rank[pair] = float(np.count_nonzero(row > cos[pair] + 1e-6))
                gap[pair] = cos[pair] - (float(row.max()) if row.size else 0.0)
                row[own] = saved
    return rank, gap
