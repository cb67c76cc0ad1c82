"""``surveil sandbox``: serve the local marketplace, write its ground truth and its reference list."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

import typer

from crawler.commands.common import fail, print_json

app = typer.Typer(
    help="The local sandbox marketplace used by tests, the demo and benchmarks.", no_args_is_help=True
)

SEED = typer.Option(1, "--seed", help="Everything served follows from the seed.")
SIZE = typer.Option(3000, "--size", min=1, help="Listings per platform on night 0.")
NIGHT = typer.Option(0, "--night", min=0, help="Move the marketplace forward this many nights.")
REFS = typer.Option(
    "auto", "--references", help='"auto" (shared data when present), "shipped", or a data directory.'
)
HOSTILE = typer.Option(
    False, "--hostile", help="Some listings carry injection payloads in titles, shop names and specs."
)
HOSTILE_SHARE = typer.Option(0.5, "--hostile-share", min=0.0, max=1.0, help="Share of hostile listings.")
SIGNALS = typer.Option(
    False,
    "--signals",
    help="Plant risk-signal cases (cancelled licence, missing CCC, fakes, blacklist, price).",
)


def _config(seed: int, size: int, night: int, faults: str | None, references: str, **extra: float | bool):
    from crawler.sandbox.config import SandboxConfig
    from crawler.sandbox.faults import FaultError, parse_profiles

    try:
        profiles = parse_profiles(faults)
    except FaultError as exc:
        fail(str(exc))
    return SandboxConfig(seed=seed, size=size, night=night, faults=profiles, references=references, **extra)


@app.command()
def serve(
    port: int = typer.Option(8800, "--port", help="TCP port on --host."),
    host: str = typer.Option("127.0.0.1", "--host"),
    seed: int = SEED,
    size: int = SIZE,
    night: int = NIGHT,
    faults: str | None = typer.Option(None, "--faults", help="Comma-separated fault profiles, or 'all'."),
    references: str = REFS,
    slow_seconds: float = typer.Option(3.0, "--slow-seconds", help="Delay of the 'slow' fault."),
    limit_per_minute: int = typer.Option(
        140, "--limit-per-minute", help="JD requests a minute before the limit page."
    ),
    hostile: bool = HOSTILE,
    hostile_share: float = HOSTILE_SHARE,
    signals: bool = SIGNALS,
    layouts: str = typer.Option(
        "jd:searchm",
        "--layouts",
        help="With --faults layout: platform:layout,... switched to (searchm, unknown).",
    ),
    layout_night: int = typer.Option(
        1, "--layout-night", help="With --faults layout: the night of the switch."
    ),
) -> None:
    """Serve every platform from one process; dispatch is by the Host header (or proxy-style absolute URLs)."""
    from crawler.sandbox.server import Sandbox

    config = _config(
        seed,
        size,
        night,
        faults,
        references,
        slow_seconds=slow_seconds,
        limit_per_minute=limit_per_minute,
        hostile=hostile,
        hostile_share=hostile_share,
        signals=signals,
        layouts=layouts,
        layout_night=layout_night,
    )
    sandbox = Sandbox(config)
    info = sandbox.describe()
    typer.echo(
        f"sandbox on http://{host}:{port} seed={seed} size={size} night={night} "
        f"faults={','.join(info['faults']) or '-'} references={info['references']}"
        + (f" hostile={hostile_share}" if hostile else ""),
        err=True,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(sandbox, host, port))


async def _serve(sandbox, host: str, port: int) -> None:
    from aiohttp import web

    runner = web.AppRunner(sandbox.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port, backlog=1024).start()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


@app.command()
def truth(
    seed: int = SEED,
    size: int = SIZE,
    night: int = NIGHT,
    references: str = REFS,
    out: Path | None = typer.Option(None, "--out", help="JSONL file; standard output when absent."),
    no_plain: bool = typer.Option(False, "--no-plain", help="Leave out plain listings."),
    platform: list[str] = typer.Option([], "--platform", help="Only these platforms (repeatable)."),
    hostile: bool = HOSTILE,
    hostile_share: float = HOSTILE_SHARE,
    signals: bool = SIGNALS,
) -> None:
    """Write the ground truth as JSONL: one meta line, then one line per listing of every platform."""
    from crawler.sandbox.config import PLATFORMS
    from crawler.sandbox.content import Market
    from crawler.sandbox.truth import write_truth

    unknown = sorted(set(platform) - set(PLATFORMS))
    if unknown:
        fail(f"unknown platform(s): {', '.join(unknown)}; known: {', '.join(PLATFORMS)}")
    chosen = tuple(p for p in PLATFORMS if p in platform) or PLATFORMS
    market = Market(
        _config(
            seed, size, night, None, references, hostile=hostile, hostile_share=hostile_share, signals=signals
        )
    )
    if out is None:
        write_truth(market, sys.stdout, include_plain=not no_plain, platforms=chosen)
        return
    with out.open("w", encoding="utf-8") as fh:
        count = write_truth(market, fh, include_plain=not no_plain, platforms=chosen)
    typer.echo(f"{count} listings written to {out}", err=True)


@app.command()
def refs(
    out: Path = typer.Option(..., "--out", help="Directory for references.csv (generic_csv) and photos/."),
    seed: int = SEED,
    references: str = REFS,
) -> None:
    """Write the reference entries the marketplace plants, with their reference photos."""
    from crawler.sandbox.content import Market
    from crawler.sandbox.truth import write_reference_list

    market = Market(_config(seed, 1, 0, None, references))
    path = write_reference_list(market, out)
    typer.echo(f"{len(market.pool.refs)} entries ({market.pool.origin}) written to {path}", err=True)


@app.command()
def session(
    platform: str = typer.Option(..., "--platform"),
    account: str = typer.Option("bureau-01", "--account"),
    seed: int = SEED,
    serial: int = typer.Option(0, "--serial", help="A new serial is a new login of the same account."),
) -> None:
    """Print the cookies of a logged-in session of a named test account."""
    from crawler.sandbox import accounts

    try:
        cookies = accounts.mint(seed, platform, account, serial)
    except (KeyError, ValueError) as exc:
        fail(str(exc))
    print_json(
        {
            "platform": platform,
            "account": account,
            "domain": accounts.cookie_domain(platform),
            "cookies": cookies,
        }
    )


@app.command("signal-lists")
def signal_lists(
    out: Path = typer.Option(..., "--out", help="Folder for the three CSV files."),
    seed: int = SEED,
    size: int = SIZE,
    night: int = NIGHT,
    references: str = REFS,
) -> None:
    """Write the licence registry, licensed-products allow-list and company blacklist that go with the
    planted signal cases (import them with 'surveil references import')."""
    from crawler.sandbox.content import Market
    from crawler.sandbox.signal_cases import write_signal_lists

    market = Market(_config(seed, size, night, None, references, signals=True))
    for list_type, path in write_signal_lists(market, out).items():
        typer.echo(f"{list_type}: {path}")
