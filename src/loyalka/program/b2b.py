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
    """Manual adjustments: a reason always; above the role's limit, a second person's approval.

    A limit is the most one person may adjust alone in one adjustment, in points of the file's notation
    (converted to each kind's units); None: no limit. Staff roles are the keys of ``limits``."""

    limits: dict[Ident, Minor | None] = Field(
        default_factory=lambda: {"operator": 100_000, "manager": 1_000_000, "head": None}, min_length=1
    )
    approver_roles: list[str] | None = None  # who may approve (default: any role whose limit covers the amount)
    reason_min_chars: int = Field(default=10, ge=1, le=200)  # a reason shorter than this is refused
    net_debts: bool = False  # a positive adjustment first pays a debt left by a return (default: it does not)

    @model_validator(mode="after")
    def _approvers_are_roles(self) -> Adjustments:
        unknown = [role for role in self.approver_roles or () if role not in self.limits]
        if unknown:
            raise ValueError(
                f"approver_roles names {', '.join(map(repr, unknown))}, not a role of limits ({', '.join(self.limits)})"
            )
        return self
