"""Signal weights an administrator can change: a YAML file, the shipped defaults otherwise."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

FILE_NAME = "signal_weights.yaml"


@dataclass
class Weights:
    signals: dict[str, float] = field(default_factory=dict)
    price: dict[str, float] = field(default_factory=dict)
    source: str = ""

    def of(self, kind: str) -> float:
        return float(self.signals.get(kind, 0.5))

    def combine(self, parts: list[tuple[str, float]]) -> float:
        """1 - product of (1 - weight x strength) over (kind, strength) pairs."""
        remaining = 1.0
        for kind, strength in parts:
            remaining *= 1.0 - max(0.0, min(1.0, self.of(kind) * strength))
        return round(1.0 - remaining, 4)


def _clean(data: Any, source: str) -> Weights:
    if not isinstance(data, dict):
        raise ValueError(f"{source}: expected a mapping with 'signals' and 'price'")
    signals = data.get("signals") or {}
    price = data.get("price") or {}
    if not isinstance(signals, dict) or not isinstance(price, dict):
        raise ValueError(f"{source}: 'signals' and 'price' must be mappings")
    out: dict[str, float] = {}
    for kind, value in signals.items():
        weight = float(value)
        if not 0.0 <= weight <= 1.0:
            raise ValueError(f"{source}: weight of {kind} must be within 0..1, not {value}")
        out[str(kind)] = weight
    return Weights(signals=out, price={str(k): float(v) for k, v in price.items()}, source=source)


def load_weights(path: Path | None = None, data_dir: Path | None = None) -> Weights:
    """``path`` if given; else ``data_dir/signal_weights.yaml`` when present (over the defaults); else
    the shipped defaults."""
    default_text = resources.files("crawler.signals").joinpath("weights.yaml").read_text(encoding="utf-8")
    weights = _clean(yaml.safe_load(default_text), "defaults")
    chosen = path or (data_dir / FILE_NAME if data_dir is not None else None)
    if chosen is None or (path is None and not chosen.exists()):
        return weights
    override = _clean(yaml.safe_load(Path(chosen).read_text(encoding="utf-8")) or {}, str(chosen))
    weights.signals.update(override.signals)
    weights.price.update(override.price)
    weights.source = str(chosen)
    return weights
