"""Risk signals over stored listings: licence and CCC claims, licensed merchandise, blacklisted firms,
price anomalies; flags with one combined risk score; sellers linked across platforms."""

from crawler.signals.run import SignalSummary, run_signals
from crawler.signals.weights import Weights, load_weights

__all__ = ["SignalSummary", "Weights", "load_weights", "run_signals"]
