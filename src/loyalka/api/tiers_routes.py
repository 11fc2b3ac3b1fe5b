"""Tier routes: an account's tier, its progress to the next level and its history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from loyalka.api.deps import Ctx, require_api_key
from loyalka.api.schemas import error_responses
from loyalka.api.tiers_schemas import AccountTierOut
from loyalka.services.tier_views import tier_card

router = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key)], responses=error_responses(401, 404, 422, 503))


@router.get(
    "/accounts/{code}/tier",
    summary="Read an account's tier",
    response_model=AccountTierOut,
    tags=["accounts"],
)
def get_tier(code: str, context: Ctx) -> dict[str, Any]:
    """The account's tier (multiplier, benefits), what it has and needs for the next level, and every change
    of its tier. 404 `tiers_not_configured` when its program has no tiers."""
    with context.database.unit_of_work() as session:
        return tier_card(session, code, now=context.clock())
