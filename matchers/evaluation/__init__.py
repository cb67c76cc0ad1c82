"""Quality figures: labelled pair sets, pair features, a small learned combiner, precision/recall/F1."""

from matchers.evaluation.metrics import Scores, scores

__all__ = ["Scores", "scores"]
