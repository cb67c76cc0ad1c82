"""``surveil scheduler``: the one scheduler process and its jobs."""

from __future__ import annotations

import signal

import typer
from rich.table import Table

from crawler.commands.common import app_context, console, fail, print_json
from crawler.storage import migrate
from crawler.storage.repositories.scheduling import JobRunRepository
from crawler.timeutil import format_local

app = typer.Typer(
    help="The nightly scheduler (APScheduler, jobs stored in the database).", no_args_is_help=True
)


@app.command()
def run(
    ctx: typer.Context,
    once: bool = typer.Option(
        False,
        "--once",
        help="One tick, then exit: store the jobs, run those due in the minute of --at (default now).",
    ),
    at: str | None = typer.Option(
        None, "--at", help="With --once: the tick's time, ISO 8601 with zone (2026-11-21T07:30+08:00)."
    ),
) -> None:
    """Run the scheduler in the foreground until stopped (SIGTERM or Ctrl-C), or one tick with --once."""
    import threading

    from apscheduler.schedulers.background import BackgroundScheduler

    from scheduler.jobs import job_specs
    from scheduler.runner import build_scheduler, sync_jobs

    context = app_context(ctx)
    if at is not None and not once:
        fail("--at needs --once (the running scheduler follows the real clock)")
    tick = _tick_time(at, context.clock) if once else None
    migrate.upgrade(context.engine)
    config = ctx.find_root().params.get("config")
    specs = job_specs()
    # A background scheduler: a blocking one would block in start() and never store the jobs.
    scheduler = build_scheduler(context.settings, BackgroundScheduler)
    scheduler.start(paused=True)
    report = sync_jobs(scheduler, specs, str(config) if config else None)
    for job in scheduler.get_jobs():
        console().print(f"{job.id:24} {report.get(job.id, '')!s:8} next {format_local(job.next_run_time)}")
    if tick is not None:
        # Detach the store first: a stopping scheduler must not run the stored jobs itself.
        scheduler.remove_jobstore("default")
        scheduler.shutdown(wait=False)
        _run_tick(context, specs, tick)
        return
    stop = threading.Event()

    def on_signal(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    scheduler.resume()
    console().print("scheduler running; Ctrl-C to stop")
    while not stop.wait(1):
        pass
    console().print("stopping: waiting for running jobs")
    scheduler.shutdown(wait=True)


def _tick_time(at: str | None, clock):  # noqa: ANN001, ANN202 - Clock, datetime
    from datetime import datetime

    if at is None:
        return clock.now()
    try:
        when = datetime.fromisoformat(at)
    except ValueError as exc:
        fail(f"--at: {exc}")
    if when.tzinfo is None:
        fail(f"--at {at}: give the time zone (e.g. +08:00)")
    return when


def _run_tick(context, specs, tick) -> None:  # noqa: ANN001 - AppContext, JobSpec list, datetime
    """Run, one after the other and each under its lease, the jobs due in the tick's minute."""
    from crawler.timeutil import FixedClock
    from scheduler.runner import due_at
    from scheduler.tasks import run_task

    due = due_at(specs, tick)
    out = console()
    if not due:
        out.print(f"tick {format_local(tick)}: no job is due")
        return
    failed = 0
    for spec, fire in due:
        context.clock = FixedClock(fire)
        try:
            outcome = run_task(context, spec.job_id, spec.task, spec.params, scheduled_for=fire)
        except Exception as exc:  # noqa: BLE001 - recorded in the job run; reported here
            failed += 1
            out.print(f"tick {format_local(fire)}: {spec.job_id} failed: {exc.__class__.__name__}: {exc}")
            continue
        failed += outcome.outcome == "failed"
        out.print(f"tick {format_local(fire)}: {spec.job_id} {outcome.outcome} (job run {outcome.run_id})")
    if failed:
        raise typer.Exit(1)


@app.command()
def jobs(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """List the jobs the scheduler runs and when each fires next."""
    from datetime import UTC, datetime

    from scheduler.jobs import job_specs

    now = datetime.now(UTC)
    rows = [
        {
            "job_id": s.job_id,
            "task": s.task,
            "trigger": str(s.trigger),
            "params": s.params,
            "next": format_local(s.trigger.get_next_fire_time(None, now)),
            "description": s.description,
        }
        for s in job_specs()
    ]
    if as_json:
        print_json(rows)
        return
    table = Table(title="Scheduled jobs (times in Asia/Shanghai)")
    for column in ("job", "trigger", "next", "what"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["job_id"], row["trigger"], row["next"], row["description"])
    console().print(table)


@app.command("history")
def history(
    ctx: typer.Context,
    limit: int = typer.Option(30, min=1),
    job: str | None = typer.Option(None),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Every job run with its outcome, newest first."""
    context = app_context(ctx)
    zone = context.settings.display_timezone
    migrate.upgrade(context.engine)
    with context.sessions() as session:
        runs = JobRunRepository(session).recent(limit, job)
        rows = [
            {
                "id": r.id,
                "job_id": r.job_id,
                "outcome": r.outcome,
                "started": format_local(r.started_at, zone),
                "finished": format_local(r.finished_at, zone),
                "holder": r.holder,
                "detail": r.detail,
            }
            for r in runs
        ]
    if as_json:
        print_json(rows)
        return
    if not rows:
        which = f"job {job}" if job else "any job"
        console().print(f"No runs of {which} recorded yet: the scheduler has not run it.")
        return
    table = Table(title="Job runs")
    for column in ("id", "job", "outcome", "started", "finished", "detail"):
        table.add_column(column)
    for row in rows:
        style = {"failed": "red", "partial": "yellow", "skipped": "dim"}.get(row["outcome"], "")
        detail = str(row["detail"].get("error") or row["detail"].get("reason") or "")[:60]
        table.add_row(
            str(row["id"]),
            row["job_id"],
            f"[{style}]{row['outcome']}[/]" if style else row["outcome"],
            row["started"],
            row["finished"],
            detail,
        )
    console().print(table)


@app.command("run-job")
def run_job(
    ctx: typer.Context,
    job_id: str = typer.Argument(..., help="A job id from 'surveil scheduler jobs'."),
    at: str | None = typer.Option(
        None, "--at", help="The scheduled time (ISO 8601 with zone): run as of then, once per that time."
    ),
) -> None:
    """Run one scheduled job now, under its lease, and record the run."""
    from datetime import datetime

    from crawler.timeutil import FixedClock
    from scheduler.jobs import job_specs
    from scheduler.tasks import run_task

    specs = {spec.job_id: spec for spec in job_specs()}
    if job_id not in specs:
        fail(f"unknown job {job_id!r}; known: {', '.join(specs)}")
    context = app_context(ctx)
    if at:
        try:
            context.clock = FixedClock(datetime.fromisoformat(at))
        except ValueError as exc:
            fail(f"--at: {exc}")
    migrate.upgrade(context.engine)
    spec = specs[job_id]
    scheduled_for = context.clock.now() if at else None
    try:
        outcome = run_task(context, job_id, spec.task, spec.params, scheduled_for=scheduled_for)
    except Exception as exc:  # noqa: BLE001 - recorded in the job run; reported here
        fail(f"{job_id} failed: {exc.__class__.__name__}: {exc}")
    print_json(
        {"job_id": job_id, "outcome": outcome.outcome, "run_id": outcome.run_id, "detail": outcome.detail}
    )
    if outcome.outcome == "skipped" and not outcome.detail.get("already_done"):
        raise typer.Exit(3)
