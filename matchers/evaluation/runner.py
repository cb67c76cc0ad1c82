"""Evaluation runs: DeepMatcher pair splits (fit on valid, report on test) and WDC Products test sets.

A DeepMatcher split may be given its two unlabelled source tables as context (``tables``: the folder
holding d2_abt_buy, d3_amazon_google, d8_amazon_walmart); the report says whether it was used.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from matchers.evaluation.combiner import Combiner
from matchers.evaluation.context import TableContext, table_folder
from matchers.evaluation.metrics import scores
from matchers.evaluation.pairsets import PairSet, read_pairs

DEEPMATCHER_SETS = ("Abt-Buy", "Walmart-Amazon", "Amazon-Google")
WDC_SETS = ("computers", "cameras", "watches", "shoes")


def _records(pairs: PairSet, titles_only: bool = False):
    if titles_only:
        return [
            (
                {"title": p.left.get("title") or p.left.get("name", "")},
                {"title": p.right.get("title") or p.right.get("name", "")},
            )
            for p in pairs.pairs
        ]
    return [(p.left, p.right) for p in pairs.pairs]


def evaluate_split(
    directory: str | Path, limit: int | None = None, tables: str | Path | None = None
) -> dict[str, Any]:
    """Fit the combiner on ``valid.txt`` only, report precision/recall/F1 on ``test.txt``.

    With ``tables``, the pair set's two source tables (found by its name) are the context; a set whose
    tables are not there is run without, and the report says so.
    """
    directory = Path(directory)
    started = time.perf_counter()
    valid = read_pairs(directory / "valid.txt", limit=limit)
    test = read_pairs(directory / "test.txt", limit=limit)
    folder = table_folder(tables, directory.name) if tables is not None else None
    context = TableContext.load(folder, folder.name) if folder is not None else None
    combiner = Combiner.fit(_records(valid), valid.labels, context=context, split="valid")
    result = scores(test.labels, combiner.predict(_records(test), split="test"))
    if context is not None:
        used: dict[str, Any] = context.describe()
    elif tables is not None:
        used = {"tables": None, "why": f"no {directory.name} tables under {tables}"}
    else:
        used = {"tables": None}
    return {
        "data_set": directory.name,
        "fitted_on": f"valid.txt ({len(valid.pairs)} pairs)",
        "tested_on": f"test.txt ({len(test.pairs)} pairs)",
        "context": used,
        "blend": "+".join(combiner.blend),
        "threshold": round(combiner.threshold, 3),
        "valid_cv_f1": round(combiner.cv_f1, 4),
        **result.to_json(),
        "seconds": round(time.perf_counter() - started, 1),
        "problems": valid.problems + test.problems,
    }


def evaluate_wdc(
    training_dirs: Sequence[str | Path], test_dirs: Sequence[str | Path], limit: int | None = None
) -> list[dict[str, Any]]:
    """WDC ships test pairs only: fit a titles-only combiner on the DeepMatcher valid splits, score each."""
    train = PairSet("train")
    for directory in training_dirs:
        part = read_pairs(Path(directory) / "valid.txt", limit=limit)
        train.pairs.extend(part.pairs)
        train.problems.extend(part.problems)
    combiner = Combiner.fit(_records(train, titles_only=True), train.labels)
    out: list[dict[str, Any]] = []
    for directory in test_dirs:
        started = time.perf_counter()
        test = read_pairs(Path(directory) / "test.txt", limit=limit)
        result = scores(test.labels, combiner.predict(_records(test, titles_only=True)))
        out.append(
            {
                "data_set": f"wdc/{Path(directory).name}",
                "fitted_on": f"DeepMatcher valid.txt splits, titles only ({len(train.pairs)} pairs)",
                "tested_on": f"test.txt ({len(test.pairs)} pairs)",
                "context": {"tables": None},
                "blend": "+".join(combiner.blend),
                "threshold": round(combiner.threshold, 3),
                **result.to_json(),
                "seconds": round(time.perf_counter() - started, 1),
                "problems": test.problems,
            }
        )
    return out
