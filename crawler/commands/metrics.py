"""``surveil metrics``: the Prometheus text the review app serves at /metrics, printed once."""

from __future__ import annotations

import sys

import typer

from crawler.commands.common import app_context


def metrics(ctx: typer.Context) -> None:
    """Print the operator's metrics (Prometheus text exposition) read from the database now."""
    from crawler.operations.metrics import exposition

    context = app_context(ctx)
    with context.sessions() as session:
        body = exposition(session, context.clock.now())
    sys.stdout.write(body.decode("utf-8"))
