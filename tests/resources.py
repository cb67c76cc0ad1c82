"""External resources the tests need (PostgreSQL, Redis, a Chromium, ../shared/data) and what happens without one.

Every test that needs such a resource asks for it through :func:`require`. Outside strict mode a missing
resource skips the test with the reason; in strict mode (``CI=true`` or ``SURVEIL_STRICT=1``) it fails the
test with one line naming what is missing and how to provide it. At the end of each run the plugin prints,
per group, how many tests that needed it ran and how many were skipped or failed for lack of it.

A test counts towards a group when it carries the group's marker (added here for tests that use a
resource fixture) or when it called :func:`require` for it.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import pytest

USER_PROPERTY = "surveil_resource"


class Resource(enum.Enum):
    """A group of tests by the external resource they need; the value is the pytest marker."""

    POSTGRES = "postgres"
    REDIS = "redis"
    BROWSER = "browser"
    SHARED_DATA = "shared_data"

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def how(self) -> str:
        return HOW[self]


LABELS = {
    Resource.POSTGRES: "PostgreSQL",
    Resource.REDIS: "Redis",
    Resource.BROWSER: "browser",
    Resource.SHARED_DATA: "shared data",
}

HOW = {
    Resource.POSTGRES: (
        "start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | head -n1) main start` "
        "or point SURVEIL_TEST_POSTGRES at one"
    ),
    Resource.REDIS: (
        "start it with `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no` "
        "or point SURVEIL_TEST_REDIS_URL at one"
    ),
    Resource.BROWSER: "run `make system-deps` (Debian's chromium) or set SURVEIL_BROWSER_EXECUTABLE",
    Resource.SHARED_DATA: "check out the shared data beside the project (../shared/data) or set SURVEIL_SHARED_DATA",
}

#: Fixtures whose use means the test needs the resource (a session- or module-scoped fixture calls
#: ``require`` only once, in the first test that uses it; the marker counts the others).
RESOURCE_FIXTURES = {
    "postgres_url": Resource.POSTGRES,
    "empty_postgres": Resource.POSTGRES,
    "prefix": Resource.REDIS,
    "chromium_browser": Resource.BROWSER,
}


def strict_mode(environ: Mapping[str, str] | None = None) -> bool:
    """True where a missing resource must fail the test: on CI (``CI=true``) or with ``SURVEIL_STRICT=1``."""
    env = os.environ if environ is None else environ
    return env.get("CI", "").strip().lower() in {"1", "true", "yes"} or env.get("SURVEIL_STRICT", "") == "1"


def require(resource: Resource, reason: str | None) -> None:
    """Record that the running test needs ``resource``; ``reason`` is None when it is there, else why not.

    A missing resource skips the test, or fails it in strict mode, with one line naming what is missing and
    how to provide it."""
    ledger = _ledger()
    if ledger is not None:
        ledger.record(resource, missing=reason is not None)
    if reason is None:
        return
    message = " ".join(f"{missing_message_prefix(resource)} {reason} -- {resource.how}".split())
    if strict_mode():
        pytest.fail(f"[strict] {message}", pytrace=False)
    pytest.skip(message)


def missing_message_prefix(resource: Resource) -> str:
    return f"{resource.label} missing:"


def _longrepr_text(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr or "")


@dataclass(kw_only=True)
class GroupCount:
    ran: int = 0
    skipped: int = 0
    failed: int = 0
    skipped_otherwise: int = 0


@dataclass(kw_only=True)
class _TestRecord:
    needs: set[Resource] = field(default_factory=set)
    lacks: set[Resource] = field(default_factory=set)
    outcome: str = "passed"


class ResourceLedger:
    """The pytest plugin: marks, records and sums up resource use (also across xdist workers, since the
    records travel in the reports' user properties)."""

    def __init__(self) -> None:
        self.current: pytest.Item | None = None
        self.tests: dict[str, _TestRecord] = {}

    def record(self, resource: Resource, *, missing: bool) -> None:
        if self.current is None:
            return
        self.current.user_properties.append((USER_PROPERTY, f"{resource.value}:{int(missing)}"))

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            names = set(getattr(item, "fixturenames", ()))
            for name, resource in RESOURCE_FIXTURES.items():
                if name in names and item.get_closest_marker(resource.value) is None:
                    item.add_marker(resource.value)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Iterator[None]:
        self.current = item
        for resource in Resource:
            if item.get_closest_marker(resource.value) is not None:
                item.user_properties.append((USER_PROPERTY, f"{resource.value}:0"))
        try:
            return (yield)
        finally:
            self.current = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        entry = self.tests.setdefault(report.nodeid, _TestRecord())
        for prop in report.user_properties:
            if prop[0] == USER_PROPERTY:
                name, missing = str(prop[1]).rsplit(":", 1)
                resource = Resource(name)
                entry.needs.add(resource)
                if missing == "1":
                    entry.lacks.add(resource)
        if report.failed or report.skipped:
            # A scoped fixture that found the resource missing is not set up again: later tests meet its
            # cached skip or failure, whose message still names the resource.
            text = _longrepr_text(report)
            for resource in Resource:
                if missing_message_prefix(resource) in text:
                    entry.needs.add(resource)
                    entry.lacks.add(resource)
        if report.failed:
            entry.outcome = "failed"
        elif report.skipped and entry.outcome != "failed":
            entry.outcome = "skipped"

    def counts(self) -> dict[Resource, GroupCount]:
        out = {resource: GroupCount() for resource in Resource}
        for entry in self.tests.values():
            for resource in entry.needs:
                count = out[resource]
                if resource in entry.lacks:
                    if entry.outcome == "failed":
                        count.failed += 1
                    else:
                        count.skipped += 1
                elif entry.outcome != "skipped":
                    count.ran += 1
                else:
                    count.skipped_otherwise += 1
        return out

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        terminalreporter.section("external resources")
        mode = "strict: a missing resource fails" if strict_mode() else "a missing resource skips"
        terminalreporter.write_line(f"mode: {mode} (CI=true or SURVEIL_STRICT=1 makes it strict)")
        for resource, count in self.counts().items():
            line = (
                f"{resource.label:<12} ran {count.ran:>4}   skipped {count.skipped:>4}   "
                f"failed for lack of it {count.failed:>4}"
            )
            if count.skipped_otherwise:
                line += f"   (skipped for other reasons {count.skipped_otherwise})"
            short = count.skipped or count.failed
            terminalreporter.write_line(line, red=bool(count.failed), yellow=bool(short and not count.failed))


_PLUGIN_NAME = "surveil-resources"
#: The ledgers of the pytest sessions running in this process, innermost last (a pytester run nests one):
#: ``require`` is called from fixtures and helpers that have no ``config`` to find the ledger through.
_active: list[ResourceLedger] = []


def _ledger() -> ResourceLedger | None:
    return _active[-1] if _active else None


def configure(config: pytest.Config) -> None:
    """Register the ledger plugin (called from ``tests/conftest.py``'s ``pytest_configure``); the markers
    are declared in pyproject.toml."""
    ledger = ResourceLedger()
    config.pluginmanager.register(ledger, _PLUGIN_NAME)
    _active.append(ledger)


def unconfigure(config: pytest.Config) -> None:
    ledger = config.pluginmanager.get_plugin(_PLUGIN_NAME)
    if ledger is not None:
        config.pluginmanager.unregister(ledger)
        if ledger in _active:
            _active.remove(ledger)


def require_chromium(explicit: str | None = None) -> str | None:
    """The Chromium to launch (None: Playwright's own), through :func:`require`: Playwright must import
    and a browser must be found."""
    from crawler.browser.launch import BrowserNotFound, find_chromium

    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        require(Resource.BROWSER, f"Playwright does not import ({exc})")
    try:
        executable = find_chromium(explicit)
    except BrowserNotFound as exc:
        require(Resource.BROWSER, str(exc))
        return None
    require(Resource.BROWSER, None)
    return executable


def postgres_reason(url: str) -> str | None:
    """None when PostgreSQL answers at ``url``, else why not."""
    try:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "no server to test against"
        return f"PostgreSQL at {url} did not answer: {exc.__class__.__name__}: {exc}".strip()


def _report(environ: Mapping[str, str]) -> list[str]:
    """What a test run will use: one line per resource, and the mode (``python -m tests.resources``)."""
    from pathlib import Path

    from crawler.browser.launch import BrowserNotFound, find_chromium
    from tests.distributed.helpers import REDIS_URL, redis_reason

    postgres = environ.get("SURVEIL_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
    shared = Path(
        environ.get("SURVEIL_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    try:
        browser = (
            find_chromium(environ.get("SURVEIL_BROWSER_EXECUTABLE") or None) or "Playwright's own Chromium"
        )
        browser_reason = None
    except BrowserNotFound as exc:
        browser, browser_reason = "", str(exc)
    found = {
        Resource.POSTGRES: (postgres, postgres_reason(postgres)),
        Resource.REDIS: (REDIS_URL, redis_reason()),
        Resource.BROWSER: (browser, browser_reason),
        Resource.SHARED_DATA: (str(shared), None if shared.is_dir() else f"{shared} does not exist"),
    }
    strict = strict_mode(environ)
    lines = [
        f"tests: {'STRICT: a missing resource fails its tests' if strict else 'a missing resource skips its tests (CI=true or SURVEIL_STRICT=1: fail)'}"
    ]
    for resource, (where, reason) in found.items():
        if reason is None:
            lines.append(f"  {resource.label:<12} yes  {where}")
        else:
            verb = "FAIL" if strict else "SKIP"
            lines.append(
                f"  {resource.label:<12} NO   its tests {verb}: {' '.join(reason.split())} -- {resource.how}"
            )
    return lines


if __name__ == "__main__":
    print("\n".join(_report(os.environ)))
