"""The stamp card and the rewards catalog."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from loyalka.program.types import Ident, Minor, Strict, Text

MAX_STOCK = 1_000_000_000  # a reward's stock is an INTEGER column


class StampRule(Strict):
    """Which purchases earn a stamp (one per qualifying order)."""

    min_order: Minor = 0
    when: str | None = None  # a CEL condition over `order` and `account`


class ColumnGift(Strict):
    """What a full column offers: by the member's tier when it claims, else ``default``."""

    default: Text
    by_tier: dict[Ident, Text] = Field(default_factory=dict)

    def for_tier(self, tier: str | None) -> Text:
        return self.by_tier.get(tier, self.default) if tier else self.default


class StampCard(Strict):
    """A grid of ``columns`` x ``cells``; each full column offers its gift. The member takes the gift of a
    full column (the card then starts anew) or keeps collecting towards the next column's gift."""

    id: Ident
    name: Text
    columns: int = Field(ge=1, le=12)
    cells: int = Field(ge=1, le=20)
    stamp: StampRule = StampRule()
    gifts: list[ColumnGift]  # one per column, first column first

    @model_validator(mode="after")
    def _one_gift_per_column(self) -> StampCard:
        if len(self.gifts) != self.columns:
            raise ValueError(f"give one gift per column: {self.columns} column(s), {len(self.gifts)} gift(s)")
        return self

    @property
    def size(self) -> int:
        return self.columns * self.cells


class Price(Strict):
    kind: str
    points: Minor

    @model_validator(mode="after")
    def _positive(self) -> Price:
        if self.points <= 0:
            raise ValueError("a price must be above zero")
        return self


class Reward(Strict):
    id: Ident
    name: Text
    type: Literal["gift", "certificate", "service_discount", "free_delivery"]
    price: Price
    stock: int | None = Field(default=None, ge=0, le=MAX_STOCK)  # the starting stock; None: unlimited
    tiers: list[str] | None = None  # available to members of these tiers only (default: every member)
    description: Text | None = None
