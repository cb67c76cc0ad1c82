"""Which Chromium to drive and how to start it.

Playwright's own browser is used where it is installed; otherwise Debian's ``chromium`` package
through ``executable_path`` (Playwright cannot download its browser on machines without internet).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

DEBIAN_CHROMIUM = "/usr/bin/chromium"

#: Flags for a headless browser on a closed network: no background traffic, no first-run dialogs.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


class BrowserNotFound(RuntimeError):
    pass


def playwright_browser_installed() -> bool:
    root = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")
    return any(root.glob("chromium-*/chrome-linux*/chrome")) or any(
        root.glob("chromium_headless_shell-*/*/*")
    )


def find_chromium(explicit: str | None = None) -> str | None:
    """The executable to pass as ``executable_path``, or ``None`` to let Playwright use its own."""
    if explicit:
        if not (Path(explicit).is_file() and os.access(explicit, os.X_OK)):
            raise BrowserNotFound(f"browser_executable {explicit!r} is not an executable file")
        return explicit
    if playwright_browser_installed():
        return None
    found = shutil.which("chromium") or (DEBIAN_CHROMIUM if Path(DEBIAN_CHROMIUM).exists() else None)
    if found is None:
        raise BrowserNotFound(
            "no Chromium found: run 'make setup' (installs Debian's chromium and fonts-noto-cjk), "
            "or set SURVEIL_BROWSER_EXECUTABLE"
        )
    return found


def launch_options(executable: str | None, headless: bool = True) -> dict[str, Any]:
    args = list(CHROMIUM_ARGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    options: dict[str, Any] = {"headless": headless, "args": args}
    if executable:
        options["executable_path"] = executable
    return options
