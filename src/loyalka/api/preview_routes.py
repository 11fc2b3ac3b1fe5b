"""What the next order brings: the member portal's and the checkout's question, answered without writing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from loyalka.api.deps import Ctx, require_api_key
from loyalka.api.schemas import EarnedOut, QuoteRequest, error_responses
from loyalka.services.preview import preview_order

router = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key)], responses=error_responses(401, 404, 422))


class PreviewRequest(QuoteRequest):
    pay_with_points: bool = Field(False, description="pay as much as allowed with points and earn on the rest")


class PreviewOut(BaseModel):
    account: str
    order_total: str
    tier: str | None
    first_order: bool = Field(description="the account has no order yet: a first-order minimum may apply")
    may_pay_with_points: str = Field(description="the most of this order points may pay now")
    pays_with_points: str = Field(description="what the preview pays with points (pay_with_points)")
    reason: str | None = Field(description="why points may pay nothing, when they may not")
    earns: list[EarnedOut]
    notes: list[str] = Field(description="as an order's: the upgrade it would make, or why it would earn nothing")


@router.post("/orders/preview", summary="Preview what an order would bring", response_model=PreviewOut, tags=["events"])
def post_preview(body: PreviewRequest, context: Ctx) -> dict[str, Any]:
    """The points an order would earn, when they become spendable and expire, and how much of it points may
    pay now — at the tier the order would lift the account to, and nothing while an overdue invoice blocks
    earning, as the order itself. Nothing is recorded."""
    with context.database.unit_of_work() as session:
        return preview_order(
            session,
            account_code=body.account,
            at=context.clock(),
            order_total_minor=body.order_total or 0,
            lines=body.domain_lines(),
            contact_code=body.contact,
            pay_with_points=body.pay_with_points,
        )
