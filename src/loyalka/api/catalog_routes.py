"""Routes of the stamp cards and the rewards catalog: parse, one unit of work, call the service, return."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status

from loyalka.api.catalog_schemas import (
    CatalogOut,
    ClaimCreate,
    ClaimOut,
    RedeemCreate,
    ResolveRequest,
    RewardHistoryOut,
    RewardOrderOut,
    StampCardsOut,
)
from loyalka.api.deps import MAX_ID, Ctx, require_api_key
from loyalka.api.schemas import error_responses
from loyalka.services import fulfilment, rewards, stamps

router = APIRouter(
    prefix="/v1",
    dependencies=[Depends(require_api_key)],
    responses=error_responses(401, 404, 409, 422, 503),
)
ProgramQuery = Annotated[str | None, Query(description="the program's code; may be left out when only one is loaded")]
RewardOrderId = Annotated[int, Path(ge=1, le=MAX_ID, description="the reward order's id")]
REPLAY = {200: {"description": "A replay of a request seen before: the first answer, nothing changed."}}


# --- stamp cards ---------------------------------------------------------------------------------------------
@router.get(
    "/accounts/{code}/stamp-cards",
    summary="Read an account's stamp cards",
    response_model=StampCardsOut,
    tags=["stamps"],
)
def get_stamp_cards(code: str, context: Ctx) -> dict[str, Any]:
    """Stamps on each card, the full columns and the gift each offers the member's tier, and what the next
    qualifying order brings."""
    with context.database.unit_of_work() as session:
        return stamps.account_cards(session, code, now=context.clock())


@router.post(
    "/accounts/{code}/stamp-cards/{card}/claim",
    summary="Take a full column's gift",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimOut,
    tags=["stamps"],
    responses=REPLAY,
)
def post_claim(code: str, card: str, body: ClaimCreate, response: Response, context: Ctx) -> dict[str, Any]:
    """Take the gift of a full column (the gift for the member's tier now); the card starts its next cycle and
    the stamps beyond that column move to it. Opens an order to fulfil. `key` makes it idempotent."""
    with context.database.unit_of_work() as session:
        claim, replayed = stamps.claim_gift(
            session, account_code=code, card_id=card, column=body.column, key=body.key, now=context.clock()
        )
    if replayed:
        response.status_code = status.HTTP_200_OK
    return claim


# --- rewards -------------------------------------------------------------------------------------------------
@router.get("/rewards", summary="The rewards catalog", response_model=CatalogOut, tags=["rewards"])
def get_rewards(
    context: Ctx,
    account: Annotated[str | None, Query(description="say whether this account may take each reward now")] = None,
    program: ProgramQuery = None,
) -> dict[str, Any]:
    """Every reward with its price and stock; with `account`, whether it may take each now and why not."""
    with context.database.unit_of_work() as session:
        return rewards.catalog(session, now=context.clock(), account_code=account, program=program)


@router.get(
    "/rewards/{reward}/history", summary="A reward's stock history", response_model=RewardHistoryOut, tags=["rewards"]
)
def get_reward_history(reward: str, context: Ctx, program: ProgramQuery = None) -> dict[str, Any]:
    """Every change of the reward's stock: initialised from the file, set by a person, redeemed, given back."""
    with context.database.unit_of_work() as session:
        return rewards.reward_history(session, reward_id=reward, program=program)


@router.post(
    "/rewards/{reward}/redeem",
    summary="Redeem a reward for points",
    status_code=status.HTTP_201_CREATED,
    response_model=RewardOrderOut,
    tags=["rewards"],
    responses=REPLAY,
)
def post_redeem(reward: str, body: RedeemCreate, response: Response, context: Ctx) -> dict[str, Any]:
    """Debit the reward's price from the account's spendable points and open an order to fulfil.

    Refused with `reward_not_found`, `account_not_member`, `reward_not_available` (tier), `insufficient_points`,
    `out_of_stock`, `spending_blocked`, `contact_may_not_spend`, `redemption_limit_exceeded` (the contact's
    monthly limit). `key` is the idempotency key."""
    with context.database.unit_of_work() as session:
        order, replayed = rewards.redeem_reward(
            session,
            reward_id=reward,
            account_code=body.account,
            key=body.key,
            contact_code=body.contact,
            now=context.clock(),
        )
        if replayed:
            response.status_code = status.HTTP_200_OK
        return fulfilment.order_view(session, order)


@router.post(
    "/reward-orders/{order_id}/fulfil",
    summary="Mark a reward order handed over",
    response_model=RewardOrderOut,
    tags=["rewards"],
)
def post_fulfil(order_id: RewardOrderId, context: Ctx, body: ResolveRequest | None = None) -> dict[str, Any]:
    """`new` -> `fulfilled` (fulfilling it again changes nothing; a cancelled order: 409 `reward_order_resolved`)."""
    with context.database.unit_of_work() as session:
        order = fulfilment.fulfil_order(session, order_id, at=context.clock(), note=body.note if body else None)
        return fulfilment.order_view(session, order)


@router.post(
    "/reward-orders/{order_id}/cancel", summary="Cancel a reward order", response_model=RewardOrderOut, tags=["rewards"]
)
def post_cancel(order_id: RewardOrderId, context: Ctx, body: ResolveRequest | None = None) -> dict[str, Any]:
    """`new` -> `cancelled`: the points go back to their lots, the item to stock, a gift's stamps to the card
    (a fulfilled order: 409 `reward_order_resolved`)."""
    with context.database.unit_of_work() as session:
        order = fulfilment.cancel_order(session, order_id, at=context.clock(), reason=body.note if body else None)
        return fulfilment.order_view(session, order)


@router.get(
    "/accounts/{code}/reward-orders",
    summary="An account's reward orders",
    response_model=list[RewardOrderOut],
    tags=["rewards"],
)
def get_reward_orders(
    code: str,
    context: Ctx,
    status_filter: Annotated[str | None, Query(alias="status", description="new, fulfilled or cancelled")] = None,
) -> list[dict[str, Any]]:
    """Rewards redeemed and gifts taken by the account, newest first."""
    with context.database.unit_of_work() as session:
        return fulfilment.account_orders(session, code, status=status_filter)
