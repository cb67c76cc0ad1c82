"""``surveil match-file``, ``surveil match`` and ``surveil eval``: list matching and its quality."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from crawler.commands.common import app_context, console, err_console, fail, print_json

if TYPE_CHECKING:
    from matchers import Thresholds


def _thresholds(match: float, review: float, photo_distance: int) -> Thresholds:
    if not 0 <= review <= match <= 1:
        fail("thresholds must satisfy 0 <= --review-threshold <= --match-threshold <= 1")
    if not 0 <= photo_distance <= 32:
        fail("--photo-distance must be between 0 and 32 bits")
    from matchers import Thresholds

    return Thresholds(match=match, review=review, photo_distance=photo_distance)


MATCH_T = typer.Option(0.80, "--match-threshold", help="Score from which an identified pair is a match.")
REVIEW_T = typer.Option(0.50, "--review-threshold", help="Score from which a pair goes to review.")
PHOTO_D = typer.Option(6, "--photo-distance", help="Largest photo hash distance (of 64 bits) that counts.")


def match_file(
    references: Path = typer.Option(
        ..., "--references", help="Reference list (generic CSV or any importer format)."
    ),
    listings: Path = typer.Option(..., "--listings", help="Listings, one JSON object per line."),
    out: Path = typer.Option(..., "--out", help="Where to write the surfaced pairs (JSON lines)."),
    match_threshold: float = MATCH_T,
    review_threshold: float = REVIEW_T,
    photo_distance: int = PHOTO_D,
) -> None:
    """Match a listings file against a reference file, outside the database."""
    from crawler.matching.batch import match_file as run

    for path in (references, listings):
        if not path.is_file():
            fail(f"{path}: no such file")
    thresholds = _thresholds(match_threshold, review_threshold, photo_distance)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    with tmp.open("w", encoding="utf-8") as handle:
        report = run(references, listings, handle, thresholds=thresholds)
    os.replace(tmp, out)
    for problem in report.problems:
        err_console().print(f"problem: {problem}", markup=False, soft_wrap=True)
    console().print(
        f"{report.listings} listings x {report.references} entries: {report.matches} match, "
        f"{report.reviews} review -> {out}"
        + (f" ({len(report.problems)} problems reported)" if report.problems else "")
    )


def match(
    ctx: typer.Context,
    full: bool = typer.Option(False, "--full", help="Re-match every listing, not only what changed."),
    match_threshold: float = MATCH_T,
    review_threshold: float = REVIEW_T,
    photo_distance: int = PHOTO_D,
    as_json: bool = typer.Option(False, "--json", help="Print the run summary as JSON."),
) -> None:
    """Match stored listings against the active reference lists and raise flags (incremental)."""
    from crawler.matching.run import run_matching

    context = app_context(ctx)
    thresholds = _thresholds(match_threshold, review_threshold, photo_distance)
    summary = run_matching(context.sessions, context.clock, thresholds=thresholds, full=full)
    if as_json:
        print_json(summary.to_json())
        return
    console().print(
        f"{summary.mode} run: {summary.listings_changed} listings new/changed, "
        f"{summary.listings_rechecked_for_new_versions} rechecked for {len(summary.new_versions)} new list "
        f"version(s), {summary.entries} entries; matches +{summary.matches_created} ~{summary.matches_updated}, "
        f"flags +{summary.flags_created} ~{summary.flags_updated}"
    )
    for problem in summary.problems:
        err_console().print(f"problem: {problem}", markup=False, soft_wrap=True)


def _shared_data() -> Path:
    env = os.environ.get("SURVEIL_SHARED_DATA")
    if env:
        return Path(env)
    here = Path.cwd()
    for base in (here, *here.parents):
        candidate = base / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return Path(__file__).resolve().parents[3] / "shared" / "data"


def evaluate(
    ctx: typer.Context,
    data: Path = typer.Option(
        None, "--data", help="The shared data folder (default: ../shared/data or SURVEIL_SHARED_DATA)."
    ),
    only: list[str] = typer.Option(
        [],
        "--set",
        help="Run only these: sandbox, photos, signals, traps, Abt-Buy, Walmart-Amazon, Amazon-Google, "
        "wdc (repeatable).",
    ),
    limit: int | None = typer.Option(
        None, "--limit", help="Read at most this many pairs per file (quick runs)."
    ),
    sandbox_size: int = typer.Option(300, "--sandbox-size", help="Listings per platform in the sandbox run."),
    tables: Path | None = typer.Option(
        None,
        "--tables",
        help="Folder of the DeepMatcher sets' unlabelled source tables (d2_abt_buy/tableA.csv, ...), used as "
        "context: where each pair stands among all rows (default: entity_matching/magellan_tables of --data).",
    ),
    no_tables: bool = typer.Option(
        False, "--no-tables", help="Run the DeepMatcher sets without table context."
    ),
    out: Path | None = typer.Option(None, "--out", help="Also write the report as JSON here."),
    feedback: bool = typer.Option(
        False,
        "--feedback",
        help="Also fit the matcher's weights on the analysts' stored decisions (database), score them "
        "against the rules on a held-out part, and store them; nightly matching uses them only if better.",
    ),
) -> None:
    """Precision, recall and F1 on the sandbox truth, the DeepMatcher splits and the WDC Products tests."""
    from matchers.evaluation.runner import DEEPMATCHER_SETS, WDC_SETS, evaluate_split, evaluate_wdc

    root = data or _shared_data()
    wanted = {w.lower() for w in only} or {
        "sandbox",
        "photos",
        "signals",
        "traps",
        "wdc",
        *(s.lower() for s in DEEPMATCHER_SETS),
    }
    known_sets = {"sandbox", "photos", "signals", "traps", "wdc", *(s.lower() for s in DEEPMATCHER_SETS)}
    if "feedback" in wanted:  # --set feedback: the decisions' fit alone
        feedback = True
        wanted.discard("feedback")
    unknown = wanted - known_sets
    if unknown:
        fail(f"unknown --set {', '.join(sorted(unknown))}")
    report: list[dict] = []
    if "sandbox" in wanted:
        try:
            from crawler.matching.sandbox_eval import evaluate_sandbox
        except ImportError as exc:
            report.append({"data_set": "sandbox", "skipped": f"sandbox not available: {exc}"})
        else:
            sandbox_report = evaluate_sandbox(size=sandbox_size)
            report.append(sandbox_report)
            from crawler.matching.sandbox_eval import trap_rows

            report.extend(trap_rows(sandbox_report))
    if "photos" in wanted:
        from crawler.matching.photo_eval import evaluate_photos, photo_rows

        report.extend(photo_rows(evaluate_photos()))
    if "signals" in wanted:
        from crawler.signals.sandbox_eval import evaluate_signals, signal_rows

        report.extend(signal_rows(evaluate_signals(size=sandbox_size)))
    if "traps" in wanted:
        from matchers.evaluation.traps import evaluate_traps, trap_rows

        report.extend(trap_rows(evaluate_traps()))
    pairs = root / "entity_matching" / "ditto_pairs"
    if no_tables:
        tables = None
    elif tables is None and (root / "entity_matching" / "magellan_tables").is_dir():
        tables = root / "entity_matching" / "magellan_tables"
    elif tables is not None and not tables.is_dir():
        fail(f"--tables {tables}: not a folder")
    for name in DEEPMATCHER_SETS:
        if name.lower() not in wanted:
            continue
        if not (pairs / name / "valid.txt").is_file():
            report.append({"data_set": name, "skipped": f"{pairs / name} not found"})
            continue
        report.append(evaluate_split(pairs / name, limit=limit, tables=tables))
    if "wdc" in wanted:
        wdc = root / "entity_matching" / "wdc_products_ditto"
        train = [pairs / n for n in DEEPMATCHER_SETS if (pairs / n / "valid.txt").is_file()]
        tests = [wdc / n for n in WDC_SETS if (wdc / n / "test.txt").is_file()]
        if not train or not tests:
            report.append({"data_set": "wdc", "skipped": f"{wdc} or the DeepMatcher valid splits not found"})
        else:
            report.extend(evaluate_wdc(train, tests, limit=limit))
    if feedback:
        from crawler.matching.feedback import feedback_rows, fit_feedback

        context = app_context(ctx)
        report.extend(feedback_rows(fit_feedback(context.sessions, context.clock)))
    if out is not None:
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _print_table(report)


def _print_table(report: list[dict]) -> None:
    write = sys.stdout.write
    write(f"{'data set':<34} {'precision':>9} {'recall':>7} {'F1':>6}  notes\n")
    for row in report:
        if "skipped" in row:
            write(f"{row['data_set']:<34} {'-':>9} {'-':>7} {'-':>6}  skipped: {row['skipped']}\n")
            continue
        if "decision_match" in row:
            for label, shown in (
                ("decision_match", "sandbox: match"),
                ("match_or_review", "sandbox: match+review"),
            ):
                s = row[label]
                write(
                    f"{shown:<34} {s['precision']:>9.4f} {s['recall']:>7.4f} {s['f1']:>6.4f}  "
                    f"{row['data_set']}: {row['true_pairs']} true pairs, {row['listings']} listings, "
                    f"{row['seconds']}s\n"
                )
            continue
        if "notes" in row:
            p, r, f = (_figure(row.get(k), w) for k, w in (("precision", 9), ("recall", 7), ("f1", 6)))
            write(f"{row['data_set']:<34} {p} {r} {f}  {row['notes']}\n")
            continue
        write(
            f"{row['data_set']:<34} {row['precision']:>9.4f} {row['recall']:>7.4f} {row['f1']:>6.4f}  "
            f"fitted on {row['fitted_on']}, {_context_note(row.get('context'))}, {row['blend']}, "
            f"threshold {row['threshold']}, {row['seconds']}s\n"
        )


def _figure(value: float | None, width: int) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.4f}"


def _context_note(context: dict | None) -> str:
    if not context or not context.get("tables"):
        return "no table context" + (f" ({context['why']})" if context and context.get("why") else "")
    found = "; ".join(f"{side} {n['found']}/{n['of']}" for side, n in context["found"].items())
    rows = context["rows"]
    return f"table context {context['tables']} ({rows['left']}+{rows['right']} rows; records found: {found})"
