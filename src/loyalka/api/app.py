"""The FastAPI application: routes, and one rendering of every error as JSON ``{"code", "message", "field"}``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException

from loyalka import __version__
from loyalka.api import b2b_routes, catalog_routes, preview_routes
from loyalka.api.audit_routes import router as audit_router
from loyalka.api.deps import Context, refuse_nul
from loyalka.api.endpoints import health_router, router
from loyalka.api.engagement_routes import router as engagement_router
from loyalka.api.exchange_routes import router as exchange_router
from loyalka.api.rules_routes import router as rules_router
from loyalka.api.tiers_routes import router as tiers_router
from loyalka.domain.periods import utcnow
from loyalka.errors import LoyaltyError
from loyalka.storage.database import Database

log = logging.getLogger(__name__)

DESCRIPTION = """\
Loyalka's HTTP API for the seller's ERP, CRM or web shop: register client companies, send orders and
returns, ask how much of an order points may pay, hold points at checkout and capture or release them,
close months.

* Amounts are decimal strings in rubles (`"1234.56"`); integers are accepted on input, floats never.
* Date-times are ISO 8601 with a UTC offset (`2026-10-05T12:00:00+03:00`).
* Orders and returns are idempotent by `event_id`, holds by `key`: a repeat returns the first answer
  (status 200); the same key with another request is refused with 409 `idempotency_conflict`.
* Every error is `{"code", "message", "field"}` with a stable `code`.
* When the server has an API key, every `/v1` route needs it in the `X-API-Key` header.
"""

TAGS = [
    {"name": "accounts", "description": "Client companies, their contact persons and balances."},
    {"name": "events", "description": "Orders and returns sent by the seller's systems."},
    {"name": "redemptions", "description": "Paying with points: quote, hold, capture or release."},
    {"name": "stamps", "description": "Stamp cards: stamps per qualifying order, gifts of full columns."},
    {"name": "rewards", "description": "The rewards catalog: redeem points for rewards, fulfil or cancel orders."},
    {"name": "periods", "description": "Closing a month: activation, expiry, exits, benefits, leaderboards."},
    {"name": "engagement", "description": "Daily triggers, segments, campaigns and the messages to members."},
    {"name": "programs", "description": "The published rules of a program, to attach to a supply contract."},
    {"name": "health", "description": "Liveness."},
]

_HTTP_CODES = {401: "unauthorized", 404: "not_found", 405: "method_not_allowed", 415: "unsupported_media_type"}
_LOCATIONS = ("body", "query", "path", "header", "cookie")
_OWN_MESSAGES = (
    "invalid_amount",
    "negative_amount",
    "invalid_code",
    "invalid_datetime",
)  # schemas.py: they name the field


def create_app(database: Database, *, clock: Callable[[], datetime] = utcnow, api_key: str | None = None) -> FastAPI:
    """The API over ``database``; ``clock`` is every service's ``now``; an ``api_key`` closes the /v1 routes."""
    app = FastAPI(
        title="Loyalka API",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        dependencies=[Depends(refuse_nul)],
    )
    app.state.context = Context(database, clock, api_key or None)
    app.include_router(health_router)
    app.include_router(router)
    app.include_router(preview_routes.router)
    app.include_router(tiers_router)
    app.include_router(audit_router)
    app.include_router(exchange_router)
    app.include_router(engagement_router)
    app.include_router(catalog_routes.router)
    app.include_router(b2b_routes.router)
    app.include_router(rules_router)
    app.add_exception_handler(LoyaltyError, _loyalty_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(Exception, _internal_error)
    return app


async def _loyalty_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LoyaltyError)
    return JSONResponse(exc.as_dict(), status_code=exc.status)


async def _invalid_request(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_detail(error) for error in exc.errors()]
    broken = next((e for e in exc.errors() if e["type"] == "json_invalid"), None)
    if broken is not None:
        where = broken["loc"][-1] if broken["loc"] else "?"
        reason = (broken.get("ctx") or {}).get("error", broken["msg"])
        body = {"code": "invalid_json", "message": f"the request body is not valid JSON: {reason} at character {where}"}
        return JSONResponse({**body, "field": None, "errors": errors}, status_code=422)
    first = errors[0] if errors else {"field": None, "type": "invalid", "message": "the request is invalid"}
    message = _sentence(first)
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return JSONResponse(
        {"code": "invalid_request", "message": message, "field": first["field"], "errors": errors}, status_code=422
    )


def _detail(error: Any) -> dict[str, Any]:
    loc = list(error.get("loc") or ())
    if loc and loc[0] in _LOCATIONS:
        loc = loc[1:]
    return {"field": ".".join(str(part) for part in loc) or None, "type": error["type"], "message": error["msg"]}


def _sentence(detail: dict[str, Any]) -> str:
    field, kind, message = detail["field"], detail["type"], detail["message"]
    if field is None and kind == "missing":
        return "the request needs a JSON body"
    if field is None:
        return f"the request body is invalid: {message[:1].lower()}{message[1:]}"
    if kind == "missing":
        return f"{field} is required"
    if kind == "extra_forbidden":
        return f"{field} is not a field of this request"
    if kind in _OWN_MESSAGES:
        return str(message)
    return f"{field} is invalid: {message[:1].lower()}{message[1:]}"


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400:  # FastAPI's only 400: a body it could not decode (not UTF-8, say)
        message = f"the request body could not be read as JSON: {exc.detail}"
        return JSONResponse({"code": "invalid_json", "message": message, "field": None}, status_code=422)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return JSONResponse(
        {"code": code, "message": str(exc.detail), "field": None}, status_code=exc.status_code, headers=exc.headers
    )


async def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    log.error("database error: %s", exc)
    message = "the database is not available right now; nothing was recorded, try again"
    return JSONResponse({"code": "database_unavailable", "message": message, "field": None}, status_code=503)


async def _internal_error(_request: Request, exc: Exception) -> JSONResponse:
    # the traceback goes to the server's log (Starlette re-raises after this), never to the client
    message = "an unexpected error happened; nothing was recorded"
    return JSONResponse({"code": "internal_error", "message": message, "field": None}, status_code=500)
