"""``surveil signals``: every risk signal over the live stored listings, as flags.

Each listing's findings and its list-match flags combine into one risk score (weights from
:mod:`crawler.signals.weights`); every signal flag carries that score and the reasons of its own
finding, followed by the other findings that raised the score.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crawler.signals.facts import facts_of
from crawler.signals.flags import upsert_signal_flag
from crawler.signals.references import blacklist_entries, licensed_entries, registry_entries
from crawler.signals.weights import Weights, load_weights
from crawler.storage.engine import transaction
from crawler.storage.models import Category, Flag, FlagStatus, Listing
from crawler.storage.repositories import ReferenceRepository
from crawler.timeutil import Clock
from matchers.models import canonical
from matchers.risk_signals.checks import (
    check_blacklist,
    check_claims,
    check_licensed,
    check_required,
    registry_index,
)
from matchers.risk_signals.findings import Finding
from matchers.risk_signals.prices import price_anomaly

BATCH = 500


@dataclass
class SignalSummary:
    listings: int = 0
    findings: dict[str, int] = field(default_factory=dict)
    flags_created: int = 0
    flags_updated: int = 0
    weights: str = ""
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class _Priced:
    listing_id: int
    price: float
    currency: str
    category_id: int | None
    brand: str
    model: str


def _price_groups(session) -> tuple[dict[tuple, list[_Priced]], dict[int, _Priced]]:
    rows = session.execute(
        select(
            Listing.id,
            Listing.price,
            Listing.price_masked,
            Listing.currency,
            Listing.category_id,
            Listing.brand,
            Listing.model,
        ).where(Listing.gone_at.is_(None), Listing.price.is_not(None), Listing.price_masked.is_(False))
    ).all()
    groups: dict[tuple, list[_Priced]] = defaultdict(list)
    by_id: dict[int, _Priced] = {}
    for listing_id, price, _masked, currency, category_id, brand, model in rows:
        item = _Priced(
            listing_id,
            float(price),
            currency or "",
            category_id,
            (brand or "").strip().lower(),
            canonical(model) if model else "",
        )
        if item.price <= 0:
            continue
        by_id[listing_id] = item
        if item.model and len(item.model) >= 3:
            groups[("model", item.currency, item.model)].append(item)
        if item.category_id and item.brand:
            groups[("brand", item.currency, item.category_id, item.brand)].append(item)
    return groups, by_id


def _price_finding(item: _Priced, groups: dict[tuple, list[_Priced]], weights: Weights) -> Finding | None:
    options = []
    if item.model and len(item.model) >= 3:
        options.append((("model", item.currency, item.model), f"same model {item.model}"))
    if item.category_id and item.brand:
        options.append(
            (("brand", item.currency, item.category_id, item.brand), f"same category and brand {item.brand}")
        )
    for key, label in options:
        peers = [p.price for p in groups.get(key, []) if p.listing_id != item.listing_id]
        finding = price_anomaly(
            item.price,
            peers,
            label,
            min_peers=int(weights.price.get("min_peers", 5)),
            max_ratio=weights.price.get("max_ratio", 0.4),
            min_z=weights.price.get("min_mads", 3.0),
            max_spread=weights.price.get("max_spread", 0.5),
        )
        if finding is not None:
            finding.subject = "price"
            return finding
    return None


def run_signals(sessions, clock: Clock, weights: Weights | None = None) -> SignalSummary:
    """Check every live listing; create or refresh its signal flags. The whole run commits at once."""
    weights = weights or load_weights()
    summary = SignalSummary(weights=weights.source)
    today = clock.now().date()
    with transaction(sessions) as session:
        entries = ReferenceRepository(session, clock).active_entries()
        registry = registry_index(registry_entries(entries))
        licensed = licensed_entries(entries)
        blacklist = blacklist_entries(entries)
        categories = {c.id: c for c in session.scalars(select(Category))}
        groups, priced = _price_groups(session)
        match_risk: dict[int, list[tuple[int, float]]] = defaultdict(list)
        for flag_id, listing_id, risk in session.execute(
            select(Flag.id, Flag.listing_id, Flag.risk_score).where(
                Flag.kind == "match", Flag.status != FlagStatus.DISMISSED
            )
        ):
            match_risk[listing_id].append((flag_id, float(risk or 0)))
        ids = list(session.scalars(select(Listing.id).where(Listing.gone_at.is_(None)).order_by(Listing.id)))
        for start in range(0, len(ids), BATCH):
            listings = session.scalars(
                select(Listing)
                .where(Listing.id.in_(ids[start : start + BATCH]))
                .options(selectinload(Listing.seller), selectinload(Listing.category))
                .order_by(Listing.id)
            )
            for listing in listings:
                summary.listings += 1
                try:
                    findings = _findings(
                        listing, registry, licensed, blacklist, categories, groups, priced, weights, today
                    )
                except Exception as exc:  # noqa: BLE001 - one bad listing is reported, the run goes on
                    summary.problems.append(f"listing {listing.id}: {exc.__class__.__name__}: {exc}")
                    continue
                if findings:
                    _store(
                        session, clock, listing.id, findings, match_risk.get(listing.id, []), weights, summary
                    )
    return summary


def _findings(
    listing, registry, licensed, blacklist, categories, groups, priced, weights, today
) -> list[Finding]:
    facts = facts_of(listing)
    findings = check_claims(facts, registry, today)
    category = categories.get(listing.category_id)
    if category is not None and (listing.currency or "CNY") == "CNY":
        findings += check_required(facts, bool(category.licence_required), bool(category.ccc_required))
    findings += check_licensed(facts, licensed)
    findings += check_blacklist(facts, blacklist)
    if listing.id in priced:
        price = _price_finding(priced[listing.id], groups, weights)
        if price is not None:
            findings.append(price)
    return findings


def _store(session, clock, listing_id, findings, matches, weights, summary) -> None:
    parts = [(f.kind, f.strength) for f in findings] + [("match", risk) for _, risk in matches]
    risk = weights.combine(parts)
    for finding in findings:
        summary.findings[finding.kind] = summary.findings.get(finding.kind, 0) + 1
        others = [f"also {o.kind}: {o.reasons[0]}" for o in findings if o is not finding and o.reasons]
        others += [f"also list match flag #{flag_id} (risk {r:.2f})" for flag_id, r in matches]
        explanation = [
            *finding.reasons,
            f"risk {risk:.2f} = {finding.kind} weight {weights.of(finding.kind):.2f} x strength {finding.strength:.2f}"
            + (f", combined with {len(others)} other finding(s)" if others else ""),
            *others,
        ]
        _, created = upsert_signal_flag(session, clock, listing_id, finding, risk, explanation)
        if created:
            summary.flags_created += 1
        else:
            summary.flags_updated += 1
