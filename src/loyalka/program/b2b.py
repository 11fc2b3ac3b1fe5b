"""Terms of B2B trade: invoices and payment discipline, volume bonuses, transfers, manual adjustments."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from loyalka.program.types import Ident, Minor, PeriodUnit, Rate, Strict


class Overdue(Strict):
    """While one of a member's invoices is overdue (past its due date plus the grace days, not fully paid)."""

    grace_days: int = Field(default=0, ge=0, le=365)
    block_spending: bool = True  # the member cannot pay with points
    block_earning: bool = False  # ...and its orders earn nothing


class Invoices(Strict):
    """Invoices that bill orders. An invoice whose orders give no due date is due this many days after it is
    issued (the account's tier's ``payment_terms_days`` when it has them): 0 means due on receipt."""

    default_due_days: int = Field(default=0, ge=0, le=365)
    overdue: Overdue = Overdue()


class Bracket(Strict):
    from_: Minor = Field(alias="from")
    percent: Rate

    model_config = Strict.model_config | {"populate_by_name": True}


class VolumeBonus(Strict):
    """A turnover bracket reached in a period applies its rate retroactively to the whole period's net
    purchases at the period's close, less what ``net_of_rules`` already earned on them in the period."""

    id: Ident
    kind: str
    period: Literal["month", "quarter", "half_year", "year"] = "quarter"
    brackets: list[Bracket] = Field(min_length=1)  # ascending by `from`
    categories: list[str] | None = None  # count only lines of these categories (default: every line)
    net_of_rules: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ascending(self) -> VolumeBonus:
        froms = [b.from_ for b in self.brackets]
        if froms != sorted(froms) or len(set(froms)) != len(froms):
            raise ValueError("brackets must be in ascending order of 'from', each 'from' once")
        return self


class Transfers(Strict):
    """Members may give points to each other, within limits. Both sides must be active members."""

    kinds: list[str] = Field(min_length=1)
    min: Minor = 0
    max_per_transfer: Minor | None = None
    max_per_month: Minor | None = None  # sent by one account in a calendar month
    period: PeriodUnit = "month"
    exclude_tags: list[str] = Field(default_factory=list)  # accounts with these tags may neither send nor receive


class Adjustments(Strict):
    """Manual adjustments: a reason always; above the role's limit, a second person's approval."""

    limits: dict[Ident, Minor | None] = Field(
        default_factory=lambda: {"operator": 100_000, "manager": 1_000_000, "head": None}
    )  # role -> the most one person may adjust alone per adjustment (None: no limit)
    approver_roles: list[str] | None = None  # who may approve (default: any role whose limit covers the amount)
