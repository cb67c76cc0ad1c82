"""``/metrics`` for Prometheus: behind its own bearer token (``SURVEIL_METRICS_TOKEN``), 404 when unset."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from crawler.web.deps import DB, State

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, state: State, db: DB) -> Response:
    from crawler.operations.metrics import CONTENT_TYPE, exposition

    token = state.context.settings.metrics_token
    if not token:
        raise HTTPException(404)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        return Response("unauthorized\n", status_code=401, headers={"WWW-Authenticate": "Bearer"})
    return Response(exposition(db, state.context.clock.now()), media_type=CONTENT_TYPE)
