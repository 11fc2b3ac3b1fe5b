"""Bodies of the adjustment and audit routes. Points travel as decimal strings in the program file's notation
("500", "-120.50"); the service checks them against the kind's decimals."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

from loyalka.api.schemas import Code, Instant, RequestModel
from loyalka.domain.money import parse_minor
from loyalka.errors import InvalidInput

_POINTS_SCHEMA = {
    "type": "string",
    "pattern": r"^-?\d{1,15}(\.\d{1,2})?$",
    "examples": ["500", "-120.50"],
    "description": "Signed points as a decimal string: positive adds, negative takes (an integer is accepted too).",
}


def _points(value: object, info: ValidationInfo) -> str:
    """Checked as a signed amount (floats refused) and kept as given: the kind's decimals are the service's."""
    try:
        parse_minor(value, field=info.field_name or "points", allow_negative=True)
    except InvalidInput as exc:
        raise PydanticCustomError(exc.code, exc.message) from exc
    return str(value).strip()


SignedPoints = Annotated[str, BeforeValidator(_points), WithJsonSchema(_POINTS_SCHEMA)]
Reason = Annotated[str, Field(max_length=1000, description="why: a sentence, at least the program's minimum length")]


class AdjustmentCreate(RequestModel):
    key: Code = Field(description="the caller's idempotency key of this adjustment")
    account: Code
    kind: str = Field(min_length=1, max_length=64, description="the point kind, as the program file names it")
    points: SignedPoints
    reason: Reason
    by: Code = Field(description="the staff member who asks (their code)")


class AdjustmentApproval(RequestModel):
    by: Code = Field(description="the staff member who approves: not the one who asked")


class AdjustmentRejection(RequestModel):
    by: Code = Field(description="the staff member who rejects (the one who asked may withdraw)")
    reason: Reason


class AdjustmentOut(BaseModel):
    id: int
    key: str
    event_id: str = Field(description="what the adjustment's ledger entries point at")
    account: str
    kind: str
    points: str
    reason: str
    status: Literal["pending", "applied", "rejected"]
    requested_by: str
    requested_at: Instant
    approver_roles: list[str] = Field(description="while pending: the roles that may approve it")
    decided_by: str | None
    decided_at: Instant | None
    decision_reason: str | None
    applied_at: Instant | None
    replayed: bool = False


class AdjustmentsOut(BaseModel):
    adjustments: list[AdjustmentOut]


class AuditLineOut(BaseModel):
    id: int
    at: Instant
    actor: str = Field(description="a staff code, or cli:<user> for set-up commands run without one")
    action: str
    account: str | None
    details: dict[str, Any]


class AuditOut(BaseModel):
    lines: list[AuditLineOut]
    next_after: int | None = Field(description="pass as `after` for the next page; null when this page is the last")
