"""The app factory: wires the context, templates, security headers and the routers. Nothing at import."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from crawler.context import AppContext
from crawler.web.config import LANG_COOKIE, WebConfig
from crawler.web.deps import BadRequest, Forbidden, LoginRequired, WebState, render
from crawler.web.i18n import LANGS, pick_lang
from crawler.web.routes import auth, dashboard, flags, media, metrics, pages, queue
from crawler.web.security import SECURITY_HEADERS
from crawler.web.templating import make_environment
from crawler.web.views import reason_text

STATIC = Path(__file__).with_name("static")


def create_app(context: AppContext, config: WebConfig | None = None) -> FastAPI:
    config = config or WebConfig()
    app = FastAPI(title="surveil review", docs_url=None, redoc_url=None, openapi_url=None)
    env = make_environment(context.settings.display_timezone)
    env.filters["reason"] = reason_text
    app.state.web = WebState(context=context, config=config, env=env)

    @app.middleware("http")
    async def headers_and_language(request: Request, call_next):  # type: ignore[no-untyped-def]
        asked = request.query_params.get("lang")
        request.state.lang = pick_lang(asked, request.cookies.get(LANG_COOKIE))
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        if asked in LANGS:
            response.set_cookie(
                LANG_COOKIE, asked, max_age=365 * 86400, httponly=True, samesite="lax", path="/"
            )
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        if request.method in ("GET", "HEAD"):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        return render(request, "error.html", status_code=401, message_key="login.expired")

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return render(request, "error.html", status_code=403, message_key=exc.message_key)

    @app.exception_handler(BadRequest)
    async def bad_request(request: Request, exc: BadRequest) -> Response:
        return render(request, "error.html", status_code=400, message_key=exc.message_key)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, _exc: RequestValidationError) -> Response:
        return render(request, "error.html", status_code=400, message_key="error.bad_request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        key = {404: "error.not_found", 403: "error.forbidden"}.get(exc.status_code, "error.bad_request")
        return render(request, "error.html", status_code=exc.status_code, message_key=key)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(auth.public)
    app.include_router(metrics.router)
    for router in (auth.router, queue.router, flags.router, pages.router, dashboard.router, media.router):
        app.include_router(router)
    return app
