"""What every request needs: the database, the clock, and (when one is configured) a valid API key."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from loyalka.errors import InvalidInput, LoyaltyError
from loyalka.storage.database import Database

MAX_ID = 2**63 - 1  # the largest id a BIGINT column holds: a larger one in a path or a query is a 422


class Unauthorized(LoyaltyError):
    status = 401
    default_code = "unauthorized"


@dataclass(frozen=True, slots=True)
class Context:
    database: Database
    clock: Callable[[], datetime]  # the services' ``now``; tests pass a fixed one
    api_key: str | None  # None: the API is open


def get_context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


Ctx = Annotated[Context, Depends(get_context)]

_api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="Required on every /v1 route when the server has an API key."
)


def refuse_nul(request: Request) -> None:
    """The NUL character in a path or a query is refused before any lookup (PostgreSQL cannot compare with it);
    bodies are checked by their models (``schemas.RequestModel``)."""
    if "\x00" in request.url.path or any("\x00" in k + v for k, v in request.query_params.multi_items()):
        raise InvalidInput(
            "the URL contains the NUL character (%00), which no code, id or filter holds",
            code="invalid_text",
            field="url",
        )


def require_api_key(context: Ctx, key: Annotated[str | None, Security(_api_key_header)]) -> None:
    if context.api_key is None:
        return
    if key is None:
        raise Unauthorized("this route needs an API key in the X-API-Key header", field="X-API-Key")
    if not hmac.compare_digest(key.encode(), context.api_key.encode()):
        raise Unauthorized("the API key in the X-API-Key header is not valid", field="X-API-Key")
