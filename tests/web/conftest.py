"""Review-app fixtures: a migrated database on each backend, the app on it, signed-in clients."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from crawler.config import load_settings
from crawler.context import AppContext
from crawler.timeutil import FixedClock
from crawler.web import WebConfig, create_app
from tests.web.seeding import PASSWORD, add_users, load_catalogue

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def web_context(db_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[AppContext]:
    context = AppContext(settings=load_settings(data_dir=tmp_path / "data", database_url=db_url), clock=clock)
    yield context
    context.close()


@pytest.fixture
def web_sessions(web_context: AppContext) -> sessionmaker[Session]:
    load_catalogue(web_context.sessions, web_context.clock)  # type: ignore[arg-type]
    add_users(web_context.sessions, web_context.clock)  # type: ignore[arg-type]
    return web_context.sessions


@pytest.fixture
def app(web_context: AppContext, web_sessions: sessionmaker[Session]) -> FastAPI:
    return create_app(web_context, WebConfig(page_size=20))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as c:
        yield c


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client: TestClient, username: str = "analyst", password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token for later posts."""
    page = client.get("/login")
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_of(page.text)}
    )
    assert response.status_code == 303, response.text[:500]
    return csrf_of(client.get("/queue").text)


@pytest.fixture
def analyst(client: TestClient) -> tuple[TestClient, str]:
    return client, sign_in(client)


@pytest.fixture(scope="module")
def chromium_browser():
    """A headless Chromium (Debian's, or Playwright's own where installed); skipped when there is none.

    One per module: a sync Playwright left running would make every later ``sync_playwright()`` in the
    same run (the sandbox's and the evidence tests') fail with "Sync API inside the asyncio loop"."""
    from playwright.sync_api import sync_playwright

    from crawler.browser.launch import launch_options
    from tests.resources import require_chromium

    executable = require_chromium(load_settings().browser_executable)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_options(executable))
        yield browser
        browser.close()


def live_context(tmp: Path) -> AppContext:
    """A fresh SQLite file migrated with the project's migrations, catalogue and accounts loaded."""
    from datetime import UTC, datetime

    from crawler.storage import migrate

    clock = FixedClock(datetime(2026, 11, 20, 18, 0, tzinfo=UTC))
    context = AppContext(
        settings=load_settings(data_dir=tmp / "data", database_url=f"sqlite:///{tmp / 'review.db'}"),
        clock=clock,
    )
    migrate.upgrade(context.engine)
    load_catalogue(context.sessions, clock)  # type: ignore[arg-type]
    add_users(context.sessions, clock)  # type: ignore[arg-type]
    return context
