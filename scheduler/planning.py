"""The test-purchase planner (网购抽样计划): which listings to buy in a period, within a budget.

Pure and deterministic: the caller passes the candidates, the categories with their yearly quotas, the
period, the budget and a seed; the same inputs always give the same plan. Nothing here reads a clock,
a database or the network.

Order of choice:

1. Listings with a confirmed flag (or one an analyst sent to purchase), highest risk first. They are
   bought whatever the quota says, and the same seller may appear more than once among them.
2. Risk-ranked sampling per category: the yearly quota of batches is prorated to the period
   cumulatively (``floor(quota × months elapsed at the period's end / 12)`` minus the same at its
   start), so twelve monthly plans add up to the yearly quota exactly; batches of the period already in
   other plans and this plan's confirmed-flag picks of the category count against it. Within a category the
   order is a weighted random sample without replacement (Efraimidis–Spirakis keys ``u ** (1 / w)``
   with ``w`` the listing's risk), seeded per category; categories take turns one pick at a time, in
   priority order, so one category cannot take the whole budget. A pick prefers the platform with the
   fewest picks so far in its category, and a seller already in the plan is passed over.
3. Every pick must fit the budget that remains. A listing without a usable price is costed at its
   category's median known price, or skipped with the reason when asked to or when there is no median.
"""

from __future__ import annotations

import calendar
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")
FLOOR_WEIGHT = 0.05
#: A category stops sampling after this many listings in a row that did not fit the budget.
MAX_BUDGET_MISSES = 20


class PeriodError(ValueError):
    """A period label that cannot be read."""


class UnknownPrice(StrEnum):
    MEDIAN = "median"
    SKIP = "skip"


@dataclass(frozen=True)
class Period:
    """A planning period: a month (``2026-12``), a quarter (``2026-Q4``), a half (``2026-H2``) or a year."""

    label: str
    year: int
    first_month: int
    last_month: int

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        return date(self.year, self.last_month, calendar.monthrange(self.year, self.last_month)[1])

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def code(self) -> str:
        """The period as it appears in a sample ID: ``2026-12``, ``2026-Q4``, ``2026-H2``, ``2026``."""
        return self.label

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_HALF = re.compile(r"^(\d{4})-H([12])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")


def parse_period(text: str) -> Period:
    value = (text or "").strip()
    if m := _MONTH.match(value):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise PeriodError(f"period {text!r}: month must be 01 to 12")
        return Period(f"{year:04d}-{month:02d}", year, month, month)
    if m := _QUARTER.match(value):
        year, q = int(m.group(1)), int(m.group(2))
        return Period(f"{year:04d}-Q{q}", year, 3 * q - 2, 3 * q)
    if m := _HALF.match(value):
        year, h = int(m.group(1)), int(m.group(2))
        return Period(f"{year:04d}-H{h}", year, 6 * h - 5, 6 * h)
    if m := _YEAR.match(value):
        return Period(value, int(value), 1, 12)
    raise PeriodError(f"period {text!r}: expected YYYY-MM, YYYY-Qn, YYYY-Hn or YYYY")


@dataclass(frozen=True)
class CategoryInfo:
    """A category as the planner needs it; ``done_in_period`` counts batches of the period already in
    other plans (not cancelled), so a second plan for the same period only tops up."""

    code: str
    name: str
    yearly_quota: int
    priority: int = 3
    done_in_period: int = 0


@dataclass(frozen=True)
class Candidate:
    """A listing that could be bought. ``flag_risk`` is the highest risk score of its open or confirmed
    flags; ``signals`` are further reasons for suspicion, each stated in words."""

    listing_id: int
    category: str
    platform: str
    seller: str | None
    price: Decimal | None
    title: str = ""
    confirmed_flag_id: int | None = None
    purchase_requested: bool = False
    flag_risk: float = 0.0
    flag_note: str = ""
    signals: tuple[str, ...] = ()


@dataclass
class Pick:
    listing_id: int
    category: str
    platform: str
    seller: str | None
    cost: Decimal
    cost_basis: str
    kind: str
    risk: float
    flag_id: int | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class Skip:
    listing_id: int
    category: str
    reason: str


@dataclass
class CategoryQuota:
    code: str
    yearly: int
    period_target: int
    done_in_period: int
    flagged: int = 0
    sampled: int = 0
    slots: int = 0
    candidates: int = 0
    note: str = ""

    def to_dict(self) -> dict[str, int | str]:
        return {
            "code": self.code,
            "yearly": self.yearly,
            "period_target": self.period_target,
            "done_in_period": self.done_in_period,
            "flagged": self.flagged,
            "sampled": self.sampled,
            "slots": self.slots,
            "candidates": self.candidates,
            "note": self.note,
        }


@dataclass
class PlanProposal:
    period: Period
    budget: Decimal
    seed: int
    picks: list[Pick]
    skipped: list[Skip]
    quotas: dict[str, CategoryQuota]

    @property
    def spent(self) -> Decimal:
        return sum((p.cost for p in self.picks), Decimal("0.00"))

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.spent


def cumulative_quota(yearly_quota: int, months_elapsed: int) -> int:
    """Batches due by the end of month ``months_elapsed`` (0..12) of the yearly plan."""
    return (yearly_quota * months_elapsed) // 12


def period_target(yearly_quota: int, period: Period) -> int:
    """Batches the period itself should add; over a year's periods these add up to the quota."""
    return cumulative_quota(yearly_quota, period.last_month) - cumulative_quota(
        yearly_quota, period.first_month - 1
    )


def median_price(prices: list[Decimal]) -> Decimal | None:
    values = sorted(prices)
    if not values:
        return None
    mid = len(values) // 2
    value = values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def risk_score(candidate: Candidate, category: CategoryInfo) -> float:
    """A 0..1 risk for the sampling order: 0.6 × the highest flag risk, 0.25 × the category's priority
    (1 → 1.0, 5 → 0.0) and 0.05 per stated signal (at most three)."""
    priority_weight = (5 - min(max(category.priority, 1), 5)) / 4
    score = 0.6 * candidate.flag_risk + 0.25 * priority_weight + 0.05 * min(len(candidate.signals), 3)
    return round(min(score, 1.0), 4)


def risk_reasons(candidate: Candidate, category: CategoryInfo) -> list[str]:
    parts: list[str] = []
    if candidate.flag_risk > 0:
        note = f" ({candidate.flag_note})" if candidate.flag_note else ""
        parts.append(f"open flag risk {candidate.flag_risk:.2f}{note}")
    parts.append(f"category priority {category.priority}")
    parts.extend(candidate.signals)
    return parts


def risk_of(candidate: Candidate, category: CategoryInfo) -> tuple[float, list[str]]:
    """The risk with the reasons that make it up."""
    return risk_score(candidate, category), risk_reasons(candidate, category)


def _money(value: Decimal) -> str:
    return f"¥{value.quantize(CENT, rounding=ROUND_HALF_UP)}"


def plan_purchases(
    candidates: list[Candidate],
    categories: list[CategoryInfo],
    period: Period,
    budget: Decimal,
    seed: int = 0,
    unknown_price: UnknownPrice | str = UnknownPrice.MEDIAN,
) -> PlanProposal:
    """Choose the test buys for ``period`` within ``budget``; see the module text for the rules."""
    if not isinstance(budget, Decimal):
        raise TypeError("budget must be a Decimal")
    if budget < 0:
        raise ValueError("budget must not be negative")
    unknown_price = UnknownPrice(unknown_price)
    cats = {c.code: c for c in categories}
    ordered = sorted((c for c in candidates if c.category in cats), key=lambda c: (c.category, c.listing_id))
    by_category: dict[str, list[Candidate]] = defaultdict(list)
    for c in ordered:
        by_category[c.category].append(c)
    medians = {
        code: median_price([c.price for c in by_category[code] if c.price is not None and c.price > 0])
        for code in cats
    }
    quotas = {
        code: CategoryQuota(
            code=code,
            yearly=info.yearly_quota,
            period_target=period_target(info.yearly_quota, period),
            done_in_period=info.done_in_period,
        )
        for code, info in cats.items()
    }
    picks: list[Pick] = []
    skipped: list[Skip] = []
    remaining = budget
    sellers_used: set[str] = set()
    chosen: set[int] = set()

    def cost_of(c: Candidate) -> tuple[Decimal | None, str]:
        if c.price is not None and c.price > 0:
            return c.price.quantize(CENT, rounding=ROUND_HALF_UP), "listing price"
        median = medians.get(c.category)
        if unknown_price is UnknownPrice.SKIP:
            return None, "price unknown or masked; unknown prices are skipped in this plan"
        if median is None:
            return None, "price unknown or masked and no known price in its category to cost it at"
        return median, f"price unknown or masked: costed at the category median {_money(median)}"

    # 1. confirmed flags first
    flagged = sorted(
        (c for c in ordered if c.confirmed_flag_id is not None),
        key=lambda c: (not c.purchase_requested, -c.flag_risk, c.listing_id),
    )
    for c in flagged:
        info = cats[c.category]
        quotas[c.category].candidates += 1
        cost, basis = cost_of(c)
        if cost is None:
            skipped.append(Skip(c.listing_id, c.category, f"confirmed flag #{c.confirmed_flag_id}: {basis}"))
            continue
        if cost > remaining:
            skipped.append(
                Skip(
                    c.listing_id,
                    c.category,
                    f"confirmed flag #{c.confirmed_flag_id}: costs {_money(cost)}, "
                    f"only {_money(remaining)} of the budget left",
                )
            )
            continue
        risk, _ = risk_of(c, info)
        what = "sent to test purchase by an analyst" if c.purchase_requested else "confirmed"
        note = f": {c.flag_note}" if c.flag_note else ""
        reasons = [f"flag #{c.confirmed_flag_id} {what} (risk {c.flag_risk:.2f}){note}"]
        if basis != "listing price":
            reasons.append(basis)
        picks.append(
            Pick(
                c.listing_id,
                c.category,
                c.platform,
                c.seller,
                cost,
                "listing price" if basis == "listing price" else "category median",
                "confirmed_flag",
                risk,
                c.confirmed_flag_id,
                reasons,
            )
        )
        remaining -= cost
        chosen.add(c.listing_id)
        quotas[c.category].flagged += 1
        if c.seller:
            sellers_used.add(c.seller)

    # 2. risk-ranked sampling against the prorated quota
    queues: dict[str, list[tuple[Candidate, float]]] = {}
    queue_platforms: dict[str, Counter[str]] = {}
    for code, info in cats.items():
        quota = quotas[code]
        quota.slots = max(0, quota.period_target - quota.done_in_period - quota.flagged)
        rng = random.Random(f"{seed}:{code}")
        keyed = []
        for c in by_category[code]:
            if c.listing_id in chosen:
                continue
            quota.candidates += 1
            risk = risk_score(c, info)
            key = rng.random() ** (1.0 / max(risk, FLOOR_WEIGHT))
            keyed.append((key, c, risk))
        keyed.sort(key=lambda t: (-t[0], t[1].listing_id))
        queues[code] = [(c, risk) for _key, c, risk in keyed]
        queue_platforms[code] = Counter(c.platform for c, _risk in queues[code])

    order = sorted(cats.values(), key=lambda i: (i.priority, i.code))
    platform_in_cat: dict[str, Counter[str]] = defaultdict(Counter)
    platform_total: Counter[str] = Counter()
    active = [info.code for info in order if quotas[info.code].slots > 0]
    misses: Counter[str] = Counter()
    while active and remaining > 0:
        still = []
        for code in active:
            quota = quotas[code]
            queue = queues[code]
            best_index = None
            best_rank = None
            left = queue_platforms[code]
            found: set[str] = set()
            index = 0
            while index < len(queue):
                c = queue[index][0]
                if c.seller and c.seller in sellers_used:
                    queue.pop(index)
                    left[c.platform] -= 1
                    skipped.append(
                        Skip(c.listing_id, c.category, f"seller {c.seller} is already in this plan")
                    )
                    continue
                if c.platform not in found:
                    found.add(c.platform)
                    rank = (platform_in_cat[code][c.platform], platform_total[c.platform], index)
                    if best_rank is None or rank < best_rank:
                        best_rank, best_index = rank, index
                    if len(found) == sum(1 for n in left.values() if n > 0):
                        break
                index += 1
            if best_index is None:
                continue
            c, risk = queue.pop(best_index)
            queue_platforms[code][c.platform] -= 1
            cost, basis = cost_of(c)
            if cost is None or cost > remaining:
                reason = (
                    basis
                    if cost is None
                    else (f"costs {_money(cost)}, only {_money(remaining)} of the budget left")
                )
                skipped.append(Skip(c.listing_id, c.category, reason))
                if cost is not None:
                    misses[code] += 1
                if misses[code] >= MAX_BUDGET_MISSES:
                    quota.note = (
                        f"stopped after {MAX_BUDGET_MISSES} listings in a row over the budget left; "
                        f"{len(queue)} not tried"
                    )
                elif queue:
                    still.append(code)
                continue
            misses[code] = 0
            info = cats[code]
            parts = risk_reasons(c, info)
            quota.sampled += 1
            reasons = [
                f"risk-ranked sample {quota.sampled} of {quota.slots} for {info.name} in {period.label} "
                f"(yearly quota {info.yearly_quota}, {quota.period_target} due this period, "
                f"{quota.done_in_period} already planned)",
                f"risk {risk:.2f}: " + ", ".join(parts),
            ]
            if basis != "listing price":
                reasons.append(basis)
            picks.append(
                Pick(
                    c.listing_id,
                    code,
                    c.platform,
                    c.seller,
                    cost,
                    "listing price" if basis == "listing price" else "category median",
                    "risk_sample",
                    risk,
                    None,
                    reasons,
                )
            )
            remaining -= cost
            chosen.add(c.listing_id)
            platform_in_cat[code][c.platform] += 1
            platform_total[c.platform] += 1
            if c.seller:
                sellers_used.add(c.seller)
            if quota.sampled < quota.slots and queue:
                still.append(code)
        active = still
    return PlanProposal(period, budget, seed, picks, skipped, quotas)
