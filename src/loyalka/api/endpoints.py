"""The routes: parse the request, call the service in one unit of work (one transaction), return its answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status
from pydantic import BaseModel

from loyalka.api.deps import Ctx, require_api_key
from loyalka.api.schemas import (
    AccountCreate,
    AccountOut,
    BalanceOut,
    CloseOut,
    ContactCreate,
    ContactOut,
    HealthOut,
    HoldCreate,
    HoldOut,
    OrderCreate,
    OrderOut,
    QuoteOut,
    QuoteRequest,
    ReturnCreate,
    ReturnOut,
    error_responses,
    request_digest,
)
from loyalka.jobs.period_close import close_month
from loyalka.services.accounts import add_contact, create_account, describe_account, get_account
from loyalka.services.events import Outcome, post_orders
from loyalka.services.redemption import hold_points, hold_view, quote_order, resolve_hold
from loyalka.services.returns import post_return

health_router = APIRouter(tags=["health"])
router = APIRouter(
    prefix="/v1",
    dependencies=[Depends(require_api_key)],
    responses=error_responses(401, 404, 409, 422, 503),
)


def _replay(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"model": model, "description": "A replay of a request seen before: the first answer, nothing changed."}
    }


@health_router.get("/health", summary="Is the server up", response_model=HealthOut)
def health(context: Ctx) -> dict[str, Any]:
    return {"status": "ok", "database": context.database.dialect}


# --- accounts ------------------------------------------------------------------------------------------------
@router.post(
    "/accounts",
    summary="Create an account",
    status_code=status.HTTP_201_CREATED,
    response_model=AccountOut,
    tags=["accounts"],
)
def post_account(body: AccountCreate, context: Ctx) -> dict[str, Any]:
    """Register a client company (and its contact persons) in a program."""
    data, now = body.to_domain(), context.clock()
    with context.database.unit_of_work() as session:
        create_account(session, data, now=now, program=body.program)
        return describe_account(session, data.code, now=now)


@router.get("/accounts/{code}", summary="Read an account", response_model=AccountOut, tags=["accounts"])
def get_account_card(code: str, context: Ctx) -> dict[str, Any]:
    """The account as a sales manager sees it: balance by kind with lots and dates, benefits, contacts."""
    with context.database.unit_of_work() as session:
        return describe_account(session, code, now=context.clock())


@router.get(
    "/accounts/{code}/balance", summary="Read an account's balance", response_model=BalanceOut, tags=["accounts"]
)
def get_balance(code: str, context: Ctx) -> dict[str, Any]:
    """Spendable and pending points by kind, with the lots they are made of."""
    with context.database.unit_of_work() as session:
        card = describe_account(session, code, now=context.clock())
    return {"account": card["code"], "balances": card["balances"]}


@router.post(
    "/accounts/{code}/contacts",
    summary="Add a contact person",
    status_code=status.HTTP_201_CREATED,
    response_model=ContactOut,
    tags=["accounts"],
)
def post_contact(code: str, body: ContactCreate, context: Ctx) -> dict[str, Any]:
    """Add a contact person to a client company."""
    data, now = body.to_domain(), context.clock()
    with context.database.unit_of_work() as session:
        add_contact(session, get_account(session, code, lock=True), data)
        card = describe_account(session, code, now=now)
    return next(c for c in card["contacts"] if c["code"] == data.code)


# --- events --------------------------------------------------------------------------------------------------
def _answer(outcome: Outcome, response: Response) -> dict[str, Any]:
    if outcome.replayed:
        response.status_code = status.HTTP_200_OK
    return {**outcome.result, "event_id": outcome.event_id, "replayed": outcome.replayed}


@router.post(
    "/orders",
    summary="Record an order",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderOut,
    tags=["events"],
    responses=_replay(OrderOut),
)
def post_order(body: OrderCreate, response: Response, context: Ctx) -> dict[str, Any]:
    """Record an order: it earns points and may be paid partly with points (a hold, or `redeem` now).

    `event_id` is the idempotency key: the same event again returns the first answer with status 200;
    the same id with other content is refused with 409 `idempotency_conflict`."""
    order = body.to_domain()
    with context.database.unit_of_work() as session:
        outcome = post_orders(session, [order], now=context.clock())[0]
    return _answer(outcome, response)


@router.post(
    "/returns",
    summary="Record a return",
    status_code=status.HTTP_201_CREATED,
    response_model=ReturnOut,
    tags=["events"],
    responses=_replay(ReturnOut),
)
def post_order_return(body: ReturnCreate, response: Response, context: Ctx) -> dict[str, Any]:
    """Record a return: what the returned part earned is taken back (what was spent already becomes a debt)."""
    ret = body.to_domain()
    with context.database.unit_of_work() as session:
        outcome = post_return(session, ret, now=context.clock())
    return _answer(outcome, response)


# --- paying with points --------------------------------------------------------------------------------------
@router.post(
    "/redemptions/quote", summary="Quote how much points may pay", response_model=QuoteOut, tags=["redemptions"]
)
def post_quote(body: QuoteRequest, context: Ctx) -> QuoteOut:
    """How much of an order the account's points may pay now, and why not more."""
    with context.database.unit_of_work() as session:
        quote = quote_order(
            session,
            account_code=body.account,
            order_total_minor=body.order_total or 0,
            lines=body.domain_lines(),
            contact_code=body.contact,
            at=context.clock(),
        )
    return QuoteOut.of(quote)


@router.post(
    "/redemptions/holds",
    summary="Hold points for an order",
    status_code=status.HTTP_201_CREATED,
    response_model=HoldOut,
    tags=["redemptions"],
    responses=_replay(HoldOut),
)
def post_hold(body: HoldCreate, response: Response, context: Ctx) -> dict[str, Any]:
    """Reserve points for an order being checked out; capture or release the hold later.

    `key` is the idempotency key: the same request again returns the same hold with status 200."""
    with context.database.unit_of_work() as session:
        hold, replayed = hold_points(
            session,
            key=body.key,
            request_hash=request_digest(body),
            account_code=body.account,
            order_ref=body.order_id,
            order_total_minor=body.order_total or 0,
            lines=body.domain_lines(),
            money_minor=body.amount,
            contact_code=body.contact,
            at=context.clock(),
        )
        if replayed:
            response.status_code = status.HTTP_200_OK
        return hold_view(session, hold)


@router.post("/redemptions/holds/{key}/capture", summary="Capture a hold", response_model=HoldOut, tags=["redemptions"])
def capture(key: str, context: Ctx) -> dict[str, Any]:
    """Spend the held points for good (capturing a captured hold again changes nothing)."""
    with context.database.unit_of_work() as session:
        return hold_view(session, resolve_hold(session, key, capture=True, at=context.clock()))


@router.post("/redemptions/holds/{key}/release", summary="Release a hold", response_model=HoldOut, tags=["redemptions"])
def release(key: str, context: Ctx) -> dict[str, Any]:
    """Give the held points back (a captured hold cannot be released: 409 `hold_resolved`)."""
    with context.database.unit_of_work() as session:
        return hold_view(session, resolve_hold(session, key, capture=False, at=context.clock()))


# --- jobs ----------------------------------------------------------------------------------------------------
@router.post("/periods/{period}/close", summary="Close a month", response_model=CloseOut, tags=["periods"])
def post_close(
    period: Annotated[str, Path(description="the month, YYYY-MM", examples=["2026-10"])],
    context: Ctx,
    program: Annotated[
        str | None, Query(description="the program's code; may be left out when only one is loaded")
    ] = None,
) -> dict[str, Any]:
    """Close a month (YYYY-MM): activate, expire, take out clients under the threshold, grant benefits, rank.

    Months close in order and only after they end; closing a closed month again returns its first summary."""
    with context.database.unit_of_work() as session:
        return close_month(session, period, now=context.clock(), program=program)
