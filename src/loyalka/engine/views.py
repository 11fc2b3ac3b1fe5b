"""Read-only views the engine needs: plain data built by the service layer from storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from loyalka.domain.events import OrderLine


@dataclass(frozen=True, slots=True)
class AccountView:
    id: int
    status: str  # "active" | "left" | "blocked"
    region: str | None = None
    industry: str | None = None
    tags: tuple[str, ...] = ()
    joined_at: datetime | None = None
    tier: str | None = None

    def as_condition_input(self) -> dict[str, object]:
        return {
            "id": self.id,
            "status": self.status,
            "region": self.region or "",
            "industry": self.industry or "",
            "tags": list(self.tags),
            "tier": self.tier or "",
        }


@dataclass(frozen=True, slots=True)
class OrderView:
    """An order as the engine sees it: its lines (net of returns when it is recomputed) and what points paid.

    ``paid_by_line`` is the money paid with points on each line, in the order of ``lines``."""

    event_id: str
    order_id: str
    account_id: int
    occurred_at: datetime
    lines: tuple[OrderLine, ...]
    paid_by_line: tuple[int, ...] = ()
    contact_id: int | None = None
    delivery_on: date | None = None
    version: int = 1
    first_order: bool = False  # the account's first order in the program
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def total_minor(self) -> int:
        return sum(line.amount_minor for line in self.lines)

    @property
    def points_paid_minor(self) -> int:
        return sum(self.paid_by_line)

    def paid(self, index: int) -> int:
        return self.paid_by_line[index] if index < len(self.paid_by_line) else 0

    def lead_days(self, tz_date: date) -> int:
        """Days between the order's date and the delivery date asked for (-1 when none was given)."""
        return (self.delivery_on - tz_date).days if self.delivery_on else -1

    def as_condition_input(self, local_date: date) -> dict[str, object]:
        return {
            "total": self.total_minor,
            "points_paid": self.points_paid_minor,
            "order_id": self.order_id,
            "contact_id": self.contact_id or 0,
            "categories": sorted({line.category or "" for line in self.lines}),
            "skus": [line.sku for line in self.lines],
            "lines": len(self.lines),
            "lead_days": self.lead_days(local_date),
            "first_order": self.first_order,
            "version": self.version,
            **self.extra,
        }
