"""A small learned combiner of pair features: gradient-boosted trees, threshold chosen by cross-validation.

Everything is fitted at run time from the labelled pairs it is given (the valid split); the test split
is only scored. Seeds are fixed and the models run on one thread, so figures repeat exactly. With a
table context, the pair features are joined by where each pair stands among all rows of its tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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


# --- feedback: the matcher's signals re-weighed on analysts' decisions -------------------------------

#: The signals the feedback combiner weighs, in a fixed order (evidence of other signals is pooled).
FEEDBACK_SIGNALS = ("barcode", "model", "brand", "title", "batch", "manufacturer", "photo")
#: How many numbers :func:`evidence_features` gives: the score, support and conflict per signal (and
#: "other"), the review cap.
FEEDBACK_FEATURES = 2 + 2 * (len(FEEDBACK_SIGNALS) + 1)


def evidence_features(score: float, evidence: Sequence[Any]) -> list[float]:
    """A decided pair as numbers: the matcher's score, then per signal the weight its findings add and
    how much its conflicts take away (1 - the smallest factor), then whether a finding caps the pair at
    review. ``evidence`` holds :class:`matchers.types.Evidence`."""
    support = dict.fromkeys((*FEEDBACK_SIGNALS, "other"), 0.0)
    conflict = dict.fromkeys((*FEEDBACK_SIGNALS, "other"), 0.0)
    capped = 0.0
    for e in evidence:
        name = e.signal if e.signal in FEEDBACK_SIGNALS else "other"
        support[name] += max(0.0, float(e.weight))
        conflict[name] = max(conflict[name], 1.0 - float(e.factor))
        capped = max(capped, float(getattr(e, "caps_at_review", False)))
    return [float(score), *support.values(), *conflict.values(), capped]


@dataclass
class FeedbackCombiner:
    """Logistic weights over :func:`evidence_features`, fitted on analysts' confirm/dismiss decisions:
    the probability that an analyst confirms the pair. Plain numbers, so they are stored as JSON."""

    coefficients: list[float]
    intercept: float
    threshold: float = 0.5

    @classmethod
    def fit(cls, features: Sequence[Sequence[float]], confirmed: Sequence[bool]) -> FeedbackCombiner:
        from sklearn.linear_model import LogisticRegression

        x = np.asarray(features, dtype=float)
        y = np.asarray(confirmed, dtype=bool)
        if len(set(y.tolist())) < 2:
            # one kind of decision only: the weights say that and nothing more
            return cls([0.0] * x.shape[1], 6.0 if y.all() else -6.0)
        model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
        model.fit(x, y)
        return cls([float(c) for c in model.coef_[0]], float(model.intercept_[0]))

    def probability(self, features: Sequence[float]) -> float:
        z = self.intercept + float(np.dot(self.coefficients, np.asarray(features, dtype=float)))
        return float(1.0 / (1.0 + np.exp(-z)))

    def confirms(self, features: Sequence[float]) -> bool:
        return self.probability(features) >= self.threshold

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "feedback-logistic",
            "signals": list(FEEDBACK_SIGNALS),
            "coefficients": self.coefficients,
            "intercept": self.intercept,
            "threshold": self.threshold,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeedbackCombiner | None:
        if data.get("kind") != "feedback-logistic" or list(data.get("signals", [])) != list(FEEDBACK_SIGNALS):
            return None  # fitted on another set of signals: not usable
        return cls(list(map(float, data["coefficients"])), float(data["intercept"]), float(data["threshold"]))


def held_out(key: str, share: int = 4) -> bool:
    """Whether a decision (by a stable key) is held out of the fit: about one in ``share``."""
    import hashlib

    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=4).digest(), "big") % share == 0


def decision_f1(confirmed: Sequence[bool], predicted: Sequence[bool]) -> float:
    """F1 of predicting the analysts' confirmations (the pairs that deserve ``match``)."""
    return _f1(np.asarray(confirmed, dtype=bool), np.asarray(predicted, dtype=bool))
