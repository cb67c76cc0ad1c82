"""Sign in and out. Sign-in is the only page served without a session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from crawler.storage.repositories.audit import AuditRepository
from crawler.storage.repositories.users import UserRepository
from crawler.storage.repositories.web_sessions import LoginAttemptRepository, WebSessionRepository
from crawler.web.config import LOGIN_CSRF_COOKIE, SESSION_COOKIE
from crawler.web.deps import DB, CheckedViewer, State, client_address, client_scheme, render, same_origin
from crawler.web.deps import current_viewer as _current_viewer
from crawler.web.security import new_token, tokens_match, verify_password

public = APIRouter()
router = APIRouter(dependencies=[Depends(_current_viewer)])


def safe_next(target: str | None) -> str:
    """Only a path on this site: no scheme, no host, no protocol-relative ``//``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/queue"
    return target


def _login_form(request: Request, status_code: int = 200, error_key: str | None = None) -> Response:
    token = new_token()
    response = render(
        request,
        "login.html",
        status_code=status_code,
        login_csrf=token,
        next_url=safe_next(request.query_params.get("next")),
        error_key=error_key,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


@public.get("/login")
def login_page(request: Request) -> Response:
    return _login_form(request)


@public.post("/login")
def login(
    request: Request,
    state: State,
    db: DB,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form()] = "",
    next_url: Annotated[str, Form(alias="next")] = "/queue",
) -> Response:
    trust = state.config.trust_proxy
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token) or not same_origin(
        request, trust
    ):
        return _login_form(request, 403, "error.csrf")
    clock = state.context.clock
    client = client_address(request, trust)
    attempts = LoginAttemptRepository(db, clock, state.config.throttle)
    if attempts.blocked(username, client):
        db.commit()
        return _login_form(request, 429, "login.throttled")
    user = UserRepository(db, clock).by_name(username)
    if user is None:
        verify_password(state.unknown_user_hash(), password)
        ok = False
    else:
        ok = user.active and verify_password(user.password_hash, password)
    attempts.record(username, client, ok)
    if not ok or user is None:
        db.commit()
        return _login_form(request, 401, "login.failed")
    sessions = WebSessionRepository(db, clock, state.config.sessions)
    previous = sessions.resolve(request.cookies.get(SESSION_COOKIE))
    if previous is not None:
        sessions.end(previous)
    token, _row = sessions.start(user, client)
    user.last_login_at = clock.now()
    AuditRepository(db, clock).record("user.login", "user", user.id, user=user, details={"client": client})
    db.commit()
    response = RedirectResponse(safe_next(next_url), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        secure=client_scheme(request, trust) == "https",
        samesite="lax",
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(state: State, db: DB, viewer: CheckedViewer) -> Response:
    clock = state.context.clock
    WebSessionRepository(db, clock, state.config.sessions).end(viewer.web_session)
    AuditRepository(db, clock).record("user.logout", "user", viewer.user.id, user=viewer.user)
    db.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
