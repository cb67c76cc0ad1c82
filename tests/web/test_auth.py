"""Accounts, sessions, CSRF and roles, through the app's real routes on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.routing import Mount
from typer.testing import CliRunner

from crawler.cli import app as cli_app
from crawler.storage.models import AuditEntry, User, WebSession
from crawler.web import create_app
from crawler.web.config import LOGIN_CSRF_COOKIE, SESSION_COOKIE
from crawler.web.routes.auth import safe_next
from crawler.web.security import WeakPassword, hash_password, verify_password
from tests.web.conftest import csrf_of, sign_in
from tests.web.seeding import PASSWORD, demo_dataset, quick_hash

#: /metrics has its own bearer token instead of a session (tests/operations/test_metrics.py).
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/metrics")}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def _walk(routes, prefix: str = ""):
    """Every endpoint route, also inside included routers (older FastAPI flattens them, newer nests)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            yield from _walk(route.original_router.routes, prefix + route.include_context.prefix)


def _routes(app) -> list[tuple[str, str]]:
    return [(method, path) for path, route in _walk(app.routes) for method in sorted(route.methods)]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_route_but_login_and_static_needs_a_session(app, client):
    routes = _routes(app)
    assert {"/queue", "/flags/{flag_id}", "/dashboard", "/sellers/{seller_id}", "/queue/bulk"} <= {
        p for _, p in routes
    }
    mounts = [r.path for r in app.routes if isinstance(r, Mount)]
    assert mounts == ["/static"]
    checked = 0
    for method, path in routes:
        if (method, path) in PUBLIC:
            continue
        response = client.request(method, _concrete(path))
        if method in ("GET", "HEAD"):
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/login?next="), (method, path)
        else:
            assert response.status_code == 401, (method, path)
        checked += 1
    assert checked >= 10
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/login").status_code == 200


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_state_changing_route_refuses_a_missing_or_wrong_csrf_token(app, analyst):
    client, token = analyst
    posts = [p for m, p in _routes(app) if m == "POST" and (m, p) not in PUBLIC]
    assert "/logout" in posts and "/queue/bulk" in posts and "/flags/{flag_id}/decision" in posts
    for path in posts:
        assert client.post(_concrete(path), data={"action": "confirm", "note": "x"}).status_code == 403
        bad = client.post(_concrete(path), data={"action": "confirm", "note": "x", "csrf_token": token[::-1]})
        assert bad.status_code == 403, path
    # a foreign Origin is refused even with the right token
    foreign = client.post("/logout", data={"csrf_token": token}, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    assert client.get("/queue").status_code == 200


def test_login_rotates_the_session_and_sets_a_hardened_cookie(client, web_context):
    page = client.get("/login")
    assert LOGIN_CSRF_COOKIE in page.headers["set-cookie"]
    response = client.post(
        "/login", data={"username": "analyst", "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    assert response.status_code == 303 and response.headers["location"] == "/queue"
    cookie = [c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)][0]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    first = client.cookies.get(SESSION_COOKIE)
    assert sign_in(client)
    second = client.cookies.get(SESSION_COOKIE)
    assert first and second and first != second
    client.cookies.set(SESSION_COOKIE, first)
    assert client.get("/queue").status_code == 303, "the session before the new sign-in must be ended"
    with web_context.sessions() as session:
        rows = list(session.scalars(select(WebSession)))
        assert len(rows) == 2 and sum(r.ended_at is None for r in rows) == 1
        assert all(SESSION_COOKIE not in r.token_hash and len(r.token_hash) == 64 for r in rows)
        assert session.scalar(select(User).where(User.username == "analyst")).last_login_at is not None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cookie_is_secure_over_https(app):
    with TestClient(app, base_url="https://review.example", follow_redirects=False) as client:
        page = client.get("/login")
        response = client.post(
            "/login", data={"username": "analyst", "password": PASSWORD, "csrf_token": csrf_of(page.text)}
        )
        cookie = [c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)][0]
        assert "Secure" in cookie and "HttpOnly" in cookie


def test_wrong_password_then_throttling_per_username_across_app_instances(client, web_context):
    page = client.get("/login")
    token = csrf_of(page.text)
    for _ in range(5):
        bad = client.post(
            "/login", data={"username": "analyst", "password": "wrong password!", "csrf_token": token}
        )
        assert bad.status_code == 401
        token = csrf_of(bad.text)
    blocked = client.post("/login", data={"username": "analyst", "password": PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429
    # another process on the same database sees the same failures
    with TestClient(create_app(web_context), follow_redirects=False) as other:
        token = csrf_of(other.get("/login").text)
        again = other.post("/login", data={"username": "analyst", "password": PASSWORD, "csrf_token": token})
        assert again.status_code == 429
        # other accounts from the same client still work until the per-client limit
        token = csrf_of(other.get("/login").text)
        ok = other.post("/login", data={"username": "officer", "password": PASSWORD, "csrf_token": token})
        assert ok.status_code == 303
    web_context.clock.advance(timedelta(minutes=16))
    token = csrf_of(client.get("/login").text)
    later = client.post("/login", data={"username": "analyst", "password": PASSWORD, "csrf_token": token})
    assert later.status_code == 303


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_throttling_per_client(app, client):
    app.state.web.dummy_hash = quick_hash("unknown user password")
    token = csrf_of(client.get("/login").text)
    for k in range(20):
        response = client.post(
            "/login", data={"username": f"nobody{k}", "password": "x" * 12, "csrf_token": token}
        )
        assert response.status_code == 401
        token = csrf_of(response.text)
    response = client.post("/login", data={"username": "analyst", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 429


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_login_form_needs_its_own_csrf_token(client):
    client.get("/login")
    response = client.post(
        "/login", data={"username": "analyst", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403 and SESSION_COOKIE not in client.cookies


def test_idle_timeout_uses_the_injected_clock(analyst, web_context):
    client, _ = analyst
    web_context.clock.advance(timedelta(minutes=29))
    assert client.get("/queue").status_code == 200
    web_context.clock.advance(timedelta(minutes=29))
    assert client.get("/queue").status_code == 200, "activity keeps the session alive"
    web_context.clock.advance(timedelta(minutes=31))
    response = client.get("/queue")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fqueue"


def test_logout_ends_the_session(analyst, web_context):
    client, token = analyst
    stolen = client.cookies.get(SESSION_COOKIE)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    client.cookies.set(SESSION_COOKIE, stolen)
    assert client.get("/queue").status_code == 303
    with web_context.sessions() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {"user.login", "user.logout"} <= actions


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_roles_are_enforced_on_the_server(client, web_context, web_sessions):
    demo = demo_dataset(web_sessions, web_context.clock, web_context.settings.data_dir, extra_flags=0)
    token = sign_in(client, "officer")
    page = client.get(f"/flags/{demo.top_flag}")
    assert page.status_code == 200 and 'id="do-confirm"' not in page.text
    response = client.post(
        f"/flags/{demo.top_flag}/decision", data={"action": "confirm", "csrf_token": token}
    )
    assert response.status_code == 403
    bulk = client.post(
        "/queue/bulk", data={"action": "confirm", "flag_ids": [demo.top_flag], "csrf_token": token}
    )
    assert bulk.status_code == 403


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_security_headers_on_every_kind_of_response(analyst):
    client, _ = analyst
    for url in ("/login", "/queue", "/flags/999999", "/static/app.css"):
        headers = client.get(url).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_passwords_are_argon2_and_at_least_twelve_characters():
    stored = hash_password("twelve chars")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "twelve chars") and not verify_password(stored, "twelve chars!")
    with pytest.raises(WeakPassword):
        hash_password("short pass")


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "\\\\evil", "", "queue"])
def test_next_after_login_stays_on_the_site(target):
    assert safe_next(target) == "/queue"
    assert safe_next("/flags/3?lang=en") == "/flags/3?lang=en"


def test_users_add_command(db_url, tmp_path):
    runner = CliRunner()
    base = ["--database-url", db_url, "users", "add"]
    result = runner.invoke(
        cli_app, [*base, "li.ming", "--role", "analyst", "--password-stdin"], input="long enough password\n"
    )
    assert result.exit_code == 0, result.output
    short = runner.invoke(cli_app, [*base, "wang", "--role", "lab", "--password-stdin"], input="too short\n")
    assert short.exit_code == 1 and "12" in short.output
    again = runner.invoke(
        cli_app, [*base, "li.ming", "--role", "admin", "--password-stdin"], input="long enough password\n"
    )
    assert again.exit_code == 1 and "exists" in again.output
    bad_role = runner.invoke(
        cli_app, [*base, "zhao", "--role", "boss", "--password-stdin"], input="long enough password\n"
    )
    assert bad_role.exit_code != 0
    from crawler.storage.engine import make_engine, make_session_factory

    engine = make_engine(db_url)
    with make_session_factory(engine)() as session:
        user = session.scalar(select(User).where(User.username == "li.ming"))
        assert user is not None and user.role == "analyst" and user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, "long enough password")
        assert (
            session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "user.create")) == 1
        )
    engine.dispose()
