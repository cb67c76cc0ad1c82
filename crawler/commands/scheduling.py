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
def run(ctx: typer.Context) -> None:
    """Run the scheduler in the foreground until stopped (SIGTERM or Ctrl-C)."""
    from scheduler.jobs import job_specs
    from scheduler.runner import build_scheduler, sync_jobs

    context = app_context(ctx)
    migrate.upgrade(context.engine)
    config = ctx.find_root().params.get("config")
    scheduler = build_scheduler(context.settings)

    def stop(_signum: int, _frame: object) -> None:
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    scheduler.start(paused=True)
    report = sync_jobs(scheduler, job_specs(), str(config) if config else None)
    for job in scheduler.get_jobs():
        console().print(f"{job.id:24} {report.get(job.id, '')!s:8} next {format_local(job.next_run_time)}")
    scheduler.resume()
    console().print("scheduler running; Ctrl-C to stop")
    try:
        signal.pause()
    except KeyboardInterrupt:
        scheduler.shutdown(wait=True)


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
    migrate.upgrade(context.engine)
    with context.sessions() as session:
        runs = JobRunRepository(session).recent(limit, job)
        rows = [
            {
                "id": r.id,
                "job_id": r.job_id,
                "outcome": r.outcome,
                "started": format_local(r.started_at),
                "finished": format_local(r.finished_at),
                "holder": r.holder,
                "detail": r.detail,
            }
            for r in runs
        ]
    if as_json:
        print_json(rows)
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
