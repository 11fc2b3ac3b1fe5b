"""Routes of the exchange: transfers between members, one-time grants, activation codes, naming a referrer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response, status

from loyalka.api.deps import Ctx, require_api_key
from loyalka.api.exchange_schemas import (
    ActivationCreate,
    ActivationOut,
    GrantOut,
    ReferrerCreate,
    TransferCreate,
    TransferOut,
)
from loyalka.api.schemas import ReferralOut, error_responses
from loyalka.services.codes import activate_code
from loyalka.services.events import Outcome
from loyalka.services.one_time_grants import run_grant
from loyalka.services.referrals import set_referrer
from loyalka.services.transfers import transfer_points

router = APIRouter(
    prefix="/v1",
    dependencies=[Depends(require_api_key)],
    responses=error_responses(401, 404, 409, 422, 503),
    tags=["exchange"],
)


def _answer(outcome: Outcome, response: Response) -> dict[str, Any]:
    if outcome.replayed:
        response.status_code = status.HTTP_200_OK
    return {**outcome.result, "event_id": outcome.event_id, "replayed": outcome.replayed}


@router.post(
    "/transfers",
    summary="Transfer points to another member",
    status_code=status.HTTP_201_CREATED,
    response_model=TransferOut,
    responses={200: {"model": TransferOut, "description": "A repeat of a recorded transfer: the first answer."}},
)
def post_transfer(body: TransferCreate, response: Response, context: Ctx) -> dict[str, Any]:
    """Give points of a kind to another member of the same program, within the program's limits.

    `key` is the idempotency key: the same request again returns the first answer with status 200; the same key
    with another request is refused with 409 `idempotency_conflict`. The receiver's points keep the sender's
    activation and expiry dates."""
    with context.database.unit_of_work() as session:
        outcome = transfer_points(
            session,
            key=body.key,
            sender=body.sender,
            receiver=body.receiver,
            points=body.points,
            kind=body.kind,
            now=context.clock(),
        )
    answer = _answer(outcome, response)
    answer.pop("event_id")
    return answer


@router.post(
    "/grants/{grant_id}/accounts/{code}",
    summary="Credit a one-time grant to an account",
    status_code=status.HTTP_201_CREATED,
    response_model=GrantOut,
    responses={200: {"model": GrantOut, "description": "The account received this grant before: the first credit."}},
)
def post_grant(grant_id: str, code: str, response: Response, context: Ctx) -> dict[str, Any]:
    """Credit the program's one-time grant `grant_id` (a migrated discount card...) to the account, once ever."""
    with context.database.unit_of_work() as session:
        [outcome] = run_grant(session, grant_id, [code], now=context.clock())
    return _answer(outcome, response)


@router.post(
    "/codes/{set_id}/activate",
    summary="Activate a code",
    status_code=status.HTTP_201_CREATED,
    response_model=ActivationOut,
)
def post_activation(set_id: str, body: ActivationCreate, context: Ctx) -> dict[str, Any]:
    """Activate a code of the set (a partner club's card) for the account and credit the set's points.

    A code activates once in the whole system: any later attempt, by anyone, is refused with 409
    `code_already_activated`, saying when it was activated."""
    with context.database.unit_of_work() as session:
        outcome = activate_code(session, set_id, body.code, body.account, now=context.clock())
    return {**outcome.result, "event_id": outcome.event_id, "replayed": False}


@router.post(
    "/accounts/{code}/referrer",
    summary="Name the account's referrer",
    response_model=ReferralOut,
    tags=["accounts"],
)
def post_referrer(code: str, body: ReferrerCreate, context: Ctx) -> dict[str, Any]:
    """Name, by its referral code, the company that brought this one; only before the account's first order,
    and only once (naming the same referrer again changes nothing)."""
    with context.database.unit_of_work() as session:
        return set_referrer(session, code, body.referral_code, now=context.clock())
