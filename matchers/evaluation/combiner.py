"""A small learned combiner of pair features: gradient-boosted trees, threshold chosen by cross-validation.

Everything is fitted at run time from the labelled pairs it is given (the valid split); the test split
is only scored. Seeds are fixed and the models run on one thread, so figures repeat exactly. With a
table context, the pair features are joined by where each pair stands among all rows of its tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matchers.evaluation.context import TableContext
from matchers.evaluation.features import Vectorisers, matrix, training_texts

Records = Sequence[tuple[dict[str, str], dict[str, str]]]


def _models(seed: int) -> dict[str, object]:
    from sklearn.ensemble import ExtraTreesClassifier, HistGradientBoostingClassifier

    return {
        "gbm": HistGradientBoostingClassifier(
            max_iter=300,
            learning_rate=0.05,
            max_leaf_nodes=15,
            min_samples_leaf=10,
            l2_regularization=1.0,
            random_state=seed,
        ),
        "trees": ExtraTreesClassifier(n_estimators=300, min_samples_leaf=2, random_state=seed, n_jobs=1),
    }


# The blends tried; the one with the best cross-validated F1 on the training pairs is kept.
BLENDS = (("gbm",), ("gbm", "trees"))


def _f1(labels: np.ndarray, predicted: np.ndarray) -> float:
    tp = float(np.sum(predicted & labels))
    fp = float(np.sum(predicted & ~labels))
    fn = float(np.sum(~predicted & labels))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def best_threshold(labels: np.ndarray, probs: np.ndarray) -> float:
    best, best_f1 = 0.5, -1.0
    for t in np.linspace(0.05, 0.95, 91):
        f1 = _f1(labels, probs >= t)
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return best


@dataclass
class Combiner:
    vectorisers: Vectorisers
    models: list[object]
    threshold: float
    blend: tuple[str, ...]
    cv_f1: float
    context: TableContext | None = None

    @classmethod
    def fit(
        cls,
        records: Records,
        labels: Sequence[bool],
        folds: int = 5,
        seed: int = 13,
        context: TableContext | None = None,
        split: str = "valid",
    ) -> Combiner:
        from sklearn.model_selection import StratifiedKFold
        from threadpoolctl import threadpool_limits

        y = np.asarray(labels, dtype=bool)
        vectorisers = Vectorisers().fit(training_texts(records))
        x = _features(records, vectorisers, context, split)
        names = list(_models(seed))
        oof = {name: np.zeros(len(y)) for name in names}
        with threadpool_limits(1):
            for train, held in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
                for name, model in _models(seed).items():
                    oof[name][held] = model.fit(x[train], y[train]).predict_proba(x[held])[:, 1]
            best: tuple[float, tuple[str, ...], float] = (-1.0, BLENDS[0], 0.5)
            for blend in BLENDS:
                probs = np.mean([oof[n] for n in blend], axis=0)
                threshold = best_threshold(y, probs)
                f1 = _f1(y, probs >= threshold)
                if f1 > best[0]:
                    best = (f1, blend, threshold)
            fitted = [m.fit(x, y) for n, m in _models(seed).items() if n in best[1]]
        return cls(vectorisers, fitted, best[2], best[1], best[0], context)

    def probabilities(self, records: Records, split: str = "test") -> np.ndarray:
        from threadpoolctl import threadpool_limits

        x = _features(records, self.vectorisers, self.context, split)
        with threadpool_limits(1):
            return np.mean([m.predict_proba(x)[:, 1] for m in self.models], axis=0)

    def predict(self, records: Records, split: str = "test") -> list[bool]:
        return (self.probabilities(records, split) >= self.threshold).tolist()


def _features(
    records: Records, vectorisers: Vectorisers, context: TableContext | None, split: str
) -> np.ndarray:
    x = matrix(records, vectorisers)
    if context is None:
        return x
    return np.hstack([x, context.features(records, split)])
