"""The dashboard: flags over time, crawl coverage (blocked is not empty), purchases by status."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from crawler.storage.models import PurchaseStatus
from crawler.storage.repositories.dashboard import DashboardRepository
from crawler.web import charts
from crawler.web.deps import DB, State, T, current_viewer, render
from crawler.web.i18n import Translator

router = APIRouter(dependencies=[Depends(current_viewer)])

DAYS = 30
TOP_SERIES = 7


def _series(
    data: dict[tuple[str, str, str], dict[date, int]], t: Translator
) -> list[tuple[str, dict[date, int]]]:
    ranked = sorted(data.items(), key=lambda kv: (-sum(kv[1].values()), kv[0][0]))
    out = [(t.name(zh, en), values) for (_code, zh, en), values in ranked[:TOP_SERIES]]
    rest: dict[date, int] = {}
    for _key, values in ranked[TOP_SERIES:]:
        for day, n in values.items():
            rest[day] = rest.get(day, 0) + n
    if rest:
        out.append((t("dash.other"), rest))
    return out


@router.get("/dashboard")
def dashboard(request: Request, state: State, db: DB, t: T) -> Response:
    repo = DashboardRepository(db, state.context.clock, state.context.settings.display_timezone)
    days = repo.days(DAYS)
    empty = t("dash.no_data")
    by_category = charts.stacked_days(
        days, _series(repo.flags_per_day("category", DAYS), t), t("dash.flags_by_category", n=DAYS), empty
    )
    by_platform = charts.stacked_days(
        days, _series(repo.flags_per_day("platform", DAYS), t), t("dash.flags_by_platform", n=DAYS), empty
    )
    coverage = repo.coverage()
    names = {code: name for code, name in coverage.platforms}
    names.update({code: t.name(zh, en) for code, zh, en in coverage.categories})
    labels = {key: t(f"dash.legend.{key}") for key in ("blocked", "layout_changed", "empty", "ok", "missing")}
    labels["title"] = t("dash.coverage")
    grid = charts.coverage_grid(coverage, names, labels) if coverage.run else None
    counts = repo.purchases_by_status()
    purchases = charts.bars(
        [(t(f"purchase.{s.value}"), counts.get(s.value, 0)) for s in PurchaseStatus],
        t("dash.purchases"),
        empty,
    )
    return render(
        request,
        "dashboard.html",
        by_category=by_category,
        by_platform=by_platform,
        coverage=coverage,
        grid=grid,
        purchases=purchases,
        days=DAYS,
    )
