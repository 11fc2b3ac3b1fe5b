"""Manual adjustments and the audit log: request, approve, reject, list; read who did what."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status

from loyalka.api.audit_schemas import (
    AdjustmentApproval,
    AdjustmentCreate,
    AdjustmentOut,
    AdjustmentRejection,
    AdjustmentsOut,
    AuditOut,
)
from loyalka.api.deps import MAX_ID, Ctx, require_api_key
from loyalka.api.schemas import error_responses
from loyalka.services.adjustments import (
    AdjustmentOutcome,
    approve_adjustment,
    list_adjustments,
    reject_adjustment,
    request_adjustment,
)
from loyalka.services.audit_log import MAX_PAGE, audit_lines

router = APIRouter(
    prefix="/v1",
    dependencies=[Depends(require_api_key)],
    responses=error_responses(401, 404, 409, 422, 503),
    tags=["adjustments"],
)
AdjustmentId = Annotated[int, Path(ge=1, le=MAX_ID, description="the adjustment's id")]


def _answer(outcome: AdjustmentOutcome, response: Response | None = None) -> dict[str, Any]:
    if response is not None and outcome.replayed:
        response.status_code = status.HTTP_200_OK
    return {**outcome.adjustment, "replayed": outcome.replayed}


@router.post(
    "/adjustments",
    summary="Ask for a manual adjustment",
    status_code=status.HTTP_201_CREATED,
    response_model=AdjustmentOut,
    responses={200: {"model": AdjustmentOut, "description": "A repeat of a known key: the adjustment as it stands."}},
)
def post_adjustment(body: AdjustmentCreate, response: Response, context: Ctx) -> dict[str, Any]:
    """Add (positive `points`) or take (negative) points of a kind, with a reason. Within the limit of the
    asker's role it is applied at once (`applied`); above it, it waits (`pending`) for another person.

    `key` is the idempotency key: the same request again returns the adjustment with status 200."""
    with context.database.unit_of_work() as session:
        outcome = request_adjustment(
            session,
            key=body.key,
            account_code=body.account,
            kind=body.kind,
            points=body.points,
            reason=body.reason,
            by=body.by,
            now=context.clock(),
        )
    return _answer(outcome, response)


@router.post("/adjustments/{adjustment_id}/approve", summary="Approve an adjustment", response_model=AdjustmentOut)
def post_approval(adjustment_id: AdjustmentId, body: AdjustmentApproval, context: Ctx) -> dict[str, Any]:
    """Approve a pending adjustment and apply it: by an active person other than the asker, whose role's limit
    covers it (and who holds one of the program's approver roles, when it names them)."""
    with context.database.unit_of_work() as session:
        outcome = approve_adjustment(session, adjustment_id=adjustment_id, by=body.by, now=context.clock())
    return _answer(outcome)


@router.post("/adjustments/{adjustment_id}/reject", summary="Reject an adjustment", response_model=AdjustmentOut)
def post_rejection(adjustment_id: AdjustmentId, body: AdjustmentRejection, context: Ctx) -> dict[str, Any]:
    """Reject a pending adjustment, with a reason; nothing is credited or taken."""
    with context.database.unit_of_work() as session:
        outcome = reject_adjustment(
            session, adjustment_id=adjustment_id, by=body.by, reason=body.reason, now=context.clock()
        )
    return _answer(outcome)


@router.get("/adjustments", summary="List adjustments", response_model=AdjustmentsOut)
def get_adjustments(
    context: Ctx,
    status_: Annotated[str | None, Query(alias="status", description="pending, applied or rejected")] = None,
    account: Annotated[str | None, Query(description="one account's code")] = None,
) -> dict[str, Any]:
    """Adjustments, oldest first; `status=pending` is what waits for a second person."""
    with context.database.unit_of_work() as session:
        return {"adjustments": list_adjustments(session, status=status_, account_code=account)}


@router.get("/audit", summary="Read the audit log", response_model=AuditOut, tags=["audit"])
def get_audit(
    context: Ctx,
    account: Annotated[str | None, Query(description="one account's code")] = None,
    after: Annotated[int, Query(ge=0, le=MAX_ID, description="the last id of the previous page")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 200,
) -> dict[str, Any]:
    """Who did what, when, to which account, oldest first. The log is append-only: nothing in it can change."""
    with context.database.unit_of_work() as session:
        lines = audit_lines(session, account_code=account, after_id=after, limit=limit)
    return {"lines": lines, "next_after": lines[-1]["id"] if len(lines) == limit else None}
