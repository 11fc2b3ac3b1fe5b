"""Request and response bodies of the stamp cards and the rewards catalog."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from loyalka.api.schemas import Code, Instant, RequestModel, StampCardOut


class ClaimCreate(RequestModel):
    column: int = Field(ge=1, le=12, description="the full column whose gift the member takes (1 for the first)")
    key: Code = Field(description="the caller's idempotency key of this claim")


class RedeemCreate(RequestModel):
    account: Code
    key: Code = Field(description="the caller's idempotency key of this redemption")
    contact: Code | None = Field(None, description="the contact person who asked for it (must be allowed to spend)")


class ResolveRequest(RequestModel):
    note: str | None = Field(None, max_length=300, description="who handed it over, or why it is cancelled")


class StampCardsOut(BaseModel):
    account: str
    tier: str | None
    stamp_cards: list[StampCardOut]


class RewardOrderOut(BaseModel):
    id: int
    account: str
    source: Literal["catalog", "stamp_card"]
    item: str = Field(description="the reward's id, or the stamp card's id")
    type: str = Field(description="the reward's type; gift for a stamp card's gift")
    name: str
    name_en: str
    points: dict[str, str] = Field(description="points paid, by kind (none for a stamp card's gift)")
    column: int | None = Field(description="the stamp card's column whose gift this is")
    contact: str | None
    status: Literal["new", "fulfilled", "cancelled"]
    key: str
    created_at: Instant
    resolved_at: Instant | None
    note: str | None


class ClaimOut(BaseModel):
    key: str
    card: str
    cycle: int = Field(description="the card (cycle) the gift was taken from")
    column: int
    tier: str | None = Field(description="the member's tier at the claim: it chose the gift")
    gift: str
    gift_en: str
    stamps_used: int
    stamps_carried: int = Field(description="stamps beyond the column, moved to the next card")
    claimed_at: Instant
    order: RewardOrderOut


class PriceOut(BaseModel):
    kind: str
    points: str


class RewardOut(BaseModel):
    id: str
    name: str
    name_en: str
    type: str
    description: str | None
    description_en: str | None
    price: PriceOut
    stock: int | None = Field(description="items left; none: unlimited")
    tiers: list[str] | None = Field(description="the tiers it is for; none: every member")
    available: bool | None = Field(description="may the account take it now (none without an account)")
    reason: str | None = Field(description="why not, when it may not")
    reason_code: str | None


class CatalogOut(BaseModel):
    program: str
    account: str | None
    rewards: list[RewardOut]


class StockChangeOut(BaseModel):
    at: Instant
    reason: Literal["initialised", "set", "redeemed", "cancelled"]
    before: int | None
    after: int | None
    actor: str | None
    note: str | None
    order: int | None


class RewardHistoryOut(BaseModel):
    program: str
    reward: str
    stock: int | None
    history: list[StockChangeOut]
