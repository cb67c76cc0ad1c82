"""Typed dependencies: the database session, the signed-in viewer, CSRF and role checks, the language."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment
from sqlalchemy.orm import Session

from crawler.context import AppContext
from crawler.storage.models import Role, User, WebSession
from crawler.storage.repositories.web_sessions import WebSessionRepository
from crawler.web.config import SESSION_COOKIE, WebConfig
from crawler.web.i18n import DEFAULT_LANG, Translator
from crawler.web.security import dummy_hash, tokens_match

#: Roles that may take review decisions; officers and lab liaison read.
REVIEW_ROLES = frozenset({Role.ADMIN, Role.ANALYST})


class LoginRequired(Exception):
    """No live session: pages redirect to the sign-in form, other requests get 401."""


class Forbidden(Exception):
    def __init__(self, message_key: str = "error.forbidden") -> None:
        super().__init__(message_key)
        self.message_key = message_key


class BadRequest(Exception):
    def __init__(self, message_key: str = "error.bad_request") -> None:
        super().__init__(message_key)
        self.message_key = message_key


@dataclass
class WebState:
    context: AppContext
    config: WebConfig
    env: Environment
    #: Verified against for unknown usernames so that both cases cost the same; made on first need.
    dummy_hash: str | None = None

    def unknown_user_hash(self) -> str:
        if self.dummy_hash is None:
            self.dummy_hash = dummy_hash()
        return self.dummy_hash


@dataclass
class Viewer:
    """The signed-in person; plain copies of what pages show, so error pages render after a rollback."""

    user: User
    web_session: WebSession
    username: str
    role: str
    csrf_token: str

    @classmethod
    def of(cls, row: WebSession) -> Viewer:
        return cls(row.user, row, row.user.username, str(row.user.role), row.csrf_token)

    @property
    def can_review(self) -> bool:
        return self.role in REVIEW_ROLES


def web_state(request: Request) -> WebState:
    return request.app.state.web


State = Annotated[WebState, Depends(web_state)]


def db_session(state: State) -> Iterator[Session]:
    with state.context.sessions() as session:
        yield session


DB = Annotated[Session, Depends(db_session)]


def current_viewer(request: Request, state: State, db: DB) -> Viewer:
    repo = WebSessionRepository(db, state.context.clock, state.config.sessions)
    row = repo.resolve(request.cookies.get(SESSION_COOKIE))
    db.commit()
    if row is None:
        raise LoginRequired()
    viewer = Viewer.of(row)
    request.state.viewer = viewer
    return viewer


CurrentViewer = Annotated[Viewer, Depends(current_viewer)]


def same_origin(request: Request, trust_proxy: bool) -> bool:
    """A browser's Origin (or Referer) header, when sent, must name this site."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin is None
    scheme = client_scheme(request, trust_proxy)
    host = request.headers.get("host", "")
    expected = f"{scheme}://{host}"
    return origin == expected or origin.startswith(expected + "/")


async def checked_viewer(request: Request, state: State, viewer: CurrentViewer) -> Viewer:
    """The viewer of a state-changing request whose CSRF token and origin check out."""
    form = await request.form()
    given = form.get("csrf_token") or request.headers.get("x-csrf-token")
    if not tokens_match(viewer.csrf_token, given if isinstance(given, str) else None):
        raise Forbidden("error.csrf")
    if not same_origin(request, state.config.trust_proxy):
        raise Forbidden("error.csrf")
    return viewer


CheckedViewer = Annotated[Viewer, Depends(checked_viewer)]


def reviewer(viewer: CheckedViewer) -> Viewer:
    if not viewer.can_review:
        raise Forbidden()
    return viewer


Reviewer = Annotated[Viewer, Depends(reviewer)]


def translator(request: Request) -> Translator:
    return Translator(getattr(request.state, "lang", DEFAULT_LANG))


T = Annotated[Translator, Depends(translator)]


def client_address(request: Request, trust_proxy: bool) -> str:
    if trust_proxy and request.headers.get("x-forwarded-for"):
        return request.headers["x-forwarded-for"].split(",")[0].strip()[:100]
    return request.client.host if request.client else "unknown"


def client_scheme(request: Request, trust_proxy: bool) -> str:
    if trust_proxy and request.headers.get("x-forwarded-proto"):
        return request.headers["x-forwarded-proto"].split(",")[0].strip().lower()
    return request.url.scheme


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    state: WebState = request.app.state.web
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    t = Translator(getattr(request.state, "lang", DEFAULT_LANG))
    html = state.env.get_template(name).render(
        request=request,
        t=t,
        lang=t.lang,
        viewer=viewer,
        csrf_token=viewer.csrf_token if viewer else "",
        params=dict(request.query_params),
        zone=state.context.settings.display_timezone,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)
