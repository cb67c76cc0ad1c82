"""Precision and recall of each risk signal on the sandbox marketplace with its planted cases."""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from crawler.references import read_records
from crawler.signals.facts import manufacturer_of
from crawler.signals.references import blacklist_entries, licensed_entries, registry_entries
from crawler.signals.run import _price_finding, _Priced
from crawler.signals.weights import Weights, load_weights
from crawler.storage.models import ListType
from matchers.models import canonical
from matchers.risk_signals.checks import (
    ListingFacts,
    check_blacklist,
    check_claims,
    check_licensed,
    check_required,
    registry_index,
)
from matchers.risk_signals.licences import claims_in_listing

KINDS = ("licence", "ccc_missing", "licensed_ip", "blacklist", "price")


def _entries(paths: dict[str, Path], problems: list[str]) -> list[Any]:
    out = []
    for list_type, path in paths.items():
        result = read_records(path, list_type=ListType(list_type))
        problems += [str(p) for p in result.problems]
        for record in result.records:
            out.append(
                SimpleNamespace(
                    id=record.ref_id,
                    list_type=record.list_type,
                    extra=record.extra,
                    manufacturer=record.manufacturer,
                    brand=record.brand,
                    product_name=record.product_name,
                    models=record.models,
                    hazard=record.hazard,
                )
            )
    return out


def evaluate_signals(
    seed: int = 1, size: int = 300, weights: Weights | None = None, today: date = date(2026, 1, 1)
) -> dict[str, Any]:
    from crawler.sandbox.config import PLATFORMS
    from crawler.sandbox.content import Market
    from crawler.sandbox.signal_cases import CASE_SIGNAL, write_signal_lists
    from crawler.sandbox.testing import make_config

    started = time.perf_counter()
    weights = weights or load_weights()
    market = Market(make_config(seed=seed, size=size, signals=True))
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        entries = _entries({k: v for k, v in write_signal_lists(market, Path(tmp)).items()}, problems)
    registry = registry_index(registry_entries(entries))
    licensed = licensed_entries(entries)
    blacklist = blacklist_entries(entries)
    rules = {s.code: (bool(s.licence_required), bool(s.ccc_required)) for s in market.specs}
    listings = [market.listing(p, i) for p in PLATFORMS for i in market.all_indexes()]
    groups: dict[tuple, list[_Priced]] = defaultdict(list)
    priced: dict[str, _Priced] = {}
    for listing in listings:
        offer = f"{listing.platform}:{listing.item_id}"
        model = canonical(listing.model_in_specs or listing.model_in_title or "")
        item = _Priced(
            offer,
            listing.price_cents / 100,
            listing.currency,
            listing.category,
            (listing.brand_shown or "").strip().lower(),
            model,
        )
        priced[offer] = item
        if item.model and len(item.model) >= 3:
            groups[("model", item.currency, item.model)].append(item)
        if item.brand:
            groups[("brand", item.currency, item.category_id, item.brand)].append(item)
    predicted: set[tuple[str, str]] = set()
    truth: set[tuple[str, str]] = set()
    other: dict[str, int] = defaultdict(int)
    for listing in listings:
        offer = f"{listing.platform}:{listing.item_id}"
        if listing.signal is not None:
            truth.add((offer, CASE_SIGNAL[listing.signal]))
        specs = dict(listing.specs)
        facts = ListingFacts(
            listing_id=offer,
            title=listing.title,
            brand=listing.brand_shown,
            seller=listing.shop_name,
            manufacturer=manufacturer_of(specs),
            category=listing.category,
            claims=claims_in_listing(listing.title, specs, listing.licence_no or ""),
        )
        findings = check_claims(facts, registry, today)
        if listing.currency == "CNY":
            findings += check_required(facts, *rules.get(listing.category, (False, False)))
        findings += check_licensed(facts, licensed) + check_blacklist(facts, blacklist)
        price = _price_finding(priced[offer], groups, weights)
        if price is not None:
            findings.append(price)
        for finding in findings:
            if finding.kind in KINDS:
                predicted.add((offer, finding.kind))
            else:
                other[finding.kind] += 1
    per_signal = {}
    for kind in KINDS:
        p = {o for o, k in predicted if k == kind}
        t = {o for o, k in truth if k == kind}
        tp, fp, fn = len(p & t), len(p - t), len(t - p)
        per_signal[kind] = {
            "planted": len(t),
            "flagged": len(p),
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": round(tp / (tp + fp), 4) if tp + fp else None,
            "recall": round(tp / (tp + fn), 4) if tp + fn else None,
        }
    return {
        "data_set": f"sandbox signals (seed {seed}, size {size}, {len(PLATFORMS)} platforms)",
        "listings": len(listings),
        "signals": per_signal,
        "other_findings": dict(other),
        "seconds": round(time.perf_counter() - started, 1),
        "problems": problems[:20],
    }


def signal_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per signal for the ``surveil eval`` table."""
    rows = []
    for kind, figures in report["signals"].items():
        p, r = figures["precision"], figures["recall"]
        f1 = 2 * p * r / (p + r) if p and r else 0.0
        rows.append(
            {
                "data_set": f"sandbox signal: {kind}",
                "signal": kind,
                "precision": p if p is not None else 0.0,
                "recall": r if r is not None else 0.0,
                "f1": round(f1, 4),
                "notes": f"{figures['planted']} planted, {figures['flagged']} flagged, {report['listings']} listings",
                "figures": figures,
            }
        )
    return rows
