"""``surveil browser``: check the mobile browser set-up."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer

from crawler.browser.devices import DEFAULT_DEVICE, device_profile
from crawler.browser.launch import BrowserNotFound, find_chromium
from crawler.commands.common import app_context, console, fail, print_json

app = typer.Typer(help="The mobile browser (Chromium through Playwright).", no_args_is_help=True)


@app.command()
def render(
    ctx: typer.Context,
    url: str = typer.Argument(..., help="Page to render."),
    device: str = typer.Option(DEFAULT_DEVICE, help="Playwright device profile."),
    screenshot: Path = typer.Option(Path("render.png"), help="Where to write the screenshot."),
    selector: str = typer.Option("body", help="Wait for this element and read its text."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Render a page as a mobile device does and save a screenshot."""
    from crawler.browser.render import render as render_page

    settings = app_context(ctx).settings
    try:
        executable = find_chromium(settings.browser_executable)
        profile = device_profile(device)
    except (BrowserNotFound, KeyError) as exc:
        fail(str(exc))
    result = render_page(url, profile, screenshot, selector, executable)
    if as_json:
        print_json(dataclasses.asdict(result))
    else:
        console().print(
            f"{result.status} {result.final_url} as {profile.name}: {result.title!r}, "
            f"screenshot {result.screenshot or 'not written'}"
        )
    if result.errors or not result.screenshot:
        fail("; ".join(result.errors) or "the page did not render")
