"""Request and response bodies of transfers, one-time grants, activation codes and referrers.

Points travel as decimal strings in the kind's points ("1500", "12.50"); an integer is accepted, a float never.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from loyalka.api.schemas import Code, Instant, RequestModel


def _points_text(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PydanticCustomError(
            "invalid_amount", 'points must be a decimal string such as "1500" or an integer, not a float'
        )
    return str(value)


PointsText = Annotated[str, BeforeValidator(_points_text), Field(examples=["1500"])]


class TransferCreate(RequestModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    key: Code = Field(description="the caller's idempotency key of this transfer")
    sender: Code = Field(alias="from", description="the account that gives the points")
    receiver: Code = Field(alias="to", description="the account that receives them")
    points: PointsText = Field(description="points of the kind, as a decimal string")
    kind: Code | None = Field(None, description="the point kind; may be left out when only one is transferable")


class TransferLotOut(BaseModel):
    points: str
    available_from: Instant
    expires_at: Instant | None = Field(description="the sender's expiry date, kept: a transfer never extends it")


class TransferOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    key: str
    replayed: bool = Field(description="true: this transfer was recorded before; nothing changed")
    type: Literal["transfer"]
    sender: str = Field(alias="from")
    receiver: str = Field(alias="to")
    kind: str
    points: str
    occurred_at: Instant
    lots: list[TransferLotOut] = Field(description="the receiver's new lots, one for each lot of the sender used")
    sent_this_month: str = Field(description="points of the kind the sender gave this calendar month, this included")
    left_this_month: str | None = Field(description="what the sender may still give this month (none: no limit)")


class CreditOut(BaseModel):
    event_id: str
    replayed: bool = Field(description="true: the account received this before; the first credit is reported")
    account: str
    kind: str
    points: str
    rule: str
    available_from: Instant
    expires_at: Instant | None


class GrantOut(CreditOut):
    type: Literal["grant"]
    grant: str


class ActivationCreate(RequestModel):
    account: Code
    code: str = Field(min_length=1, max_length=100, description="the code as presented (spaces are ignored)")


class ActivationOut(CreditOut):
    type: Literal["code"]
    set: str
    code: str = Field(description="the code in its normal form: no spaces, upper case")


class ReferrerCreate(RequestModel):
    referral_code: str = Field(min_length=1, max_length=32, examples=["K7M2Q9XA"])
