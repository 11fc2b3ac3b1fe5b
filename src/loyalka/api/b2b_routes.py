"""Routes of B2B terms: invoices, payments, activities. Each parses, opens one unit of work, calls the service."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response, status

from loyalka.api.b2b_schemas import (
    ActivityCreate,
    ActivityOut,
    InvoiceCreate,
    InvoiceOut,
    PaymentCreate,
    PaymentOut,
)
from loyalka.api.deps import Ctx, require_api_key
from loyalka.api.schemas import error_responses
from loyalka.services.activities import post_activity
from loyalka.services.events import Outcome
from loyalka.services.invoices import describe_invoice, find_invoice, upsert_invoice
from loyalka.services.payments import post_payment

router = APIRouter(
    prefix="/v1",
    dependencies=[Depends(require_api_key)],
    responses=error_responses(401, 404, 409, 422, 503),
    tags=["b2b terms"],
)
_REPLAY = "A replay of a request seen before: the first answer, nothing changed."


def _answer(outcome: Outcome, response: Response) -> dict[str, Any]:
    if outcome.replayed:
        response.status_code = status.HTTP_200_OK
    return {**outcome.result, "event_id": outcome.event_id, "replayed": outcome.replayed}


@router.post("/invoices", summary="State an invoice", response_model=InvoiceOut)
def put_invoice(body: InvoiceCreate, context: Ctx) -> dict[str, Any]:
    """Create an invoice, or change its amount or due date (the same request again changes nothing).

    Orders that name an invoice (`invoice_id`) create it and add to it without this call; state it to bill an
    amount of your own (a prepayment before the orders come) or to move its due date."""
    data, now = body.to_domain(), context.clock()
    with context.database.unit_of_work() as session:
        invoice = upsert_invoice(session, data, now=now)
        return describe_invoice(session, invoice, now=now)


@router.get("/invoices/{invoice_id}", summary="Read an invoice", response_model=InvoiceOut)
def get_invoice(invoice_id: str, context: Ctx) -> dict[str, Any]:
    """What the invoice bills, what was returned and paid, its orders and payments, whether it is overdue."""
    with context.database.unit_of_work() as session:
        return describe_invoice(session, find_invoice(session, invoice_id), now=context.clock())


@router.post(
    "/payments",
    summary="Record a payment of an invoice",
    status_code=status.HTTP_201_CREATED,
    response_model=PaymentOut,
    responses={200: {"model": PaymentOut, "description": _REPLAY}},
)
def post_invoice_payment(body: PaymentCreate, response: Response, context: Ctx) -> dict[str, Any]:
    """Record a payment: it releases the paid share of the points its invoice's orders wait for, and earns
    under the program's payment rules (paying on time or early). More than is left to pay is refused.

    `event_id` is the idempotency key: the same payment again returns the first answer with status 200."""
    payment = body.to_domain()
    with context.database.unit_of_work() as session:
        return _answer(post_payment(session, payment, now=context.clock()), response)


@router.post(
    "/activities",
    summary="Record an activity",
    status_code=status.HTTP_201_CREATED,
    response_model=ActivityOut,
    responses={200: {"model": ActivityOut, "description": _REPLAY}},
)
def post_member_activity(body: ActivityCreate, response: Response, context: Ctx) -> dict[str, Any]:
    """Record something a client did besides buying (a review, a survey, a webinar...): it earns under the
    program's activity rules, within their limits; `notes` say why it earned nothing when it did not.

    `event_id` is the idempotency key: the same activity again returns the first answer with status 200."""
    activity = body.to_domain()
    with context.database.unit_of_work() as session:
        return _answer(post_activity(session, activity, now=context.clock()), response)
