"""Read-only views the engine needs: plain data built by the service layer from storage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class AccountView:
    id: int
    status: str  # "active" | "left" | "blocked"
    region: str | None = None
    industry: str | None = None
    tags: tuple[str, ...] = ()
    joined_at: datetime | None = None

    def as_condition_input(self) -> dict[str, object]:
        return {
            "id": self.id,
            "status": self.status,
            "region": self.region or "",
            "industry": self.industry or "",
            "tags": list(self.tags),
        }


@dataclass(frozen=True, slots=True)
class OrderView:
    event_id: str
    order_id: str
    account_id: int
    occurred_at: datetime
    total_minor: int
    points_paid_minor: int = 0
    contact_id: int | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def as_condition_input(self) -> dict[str, object]:
        return {
            "total": self.total_minor,
            "points_paid": self.points_paid_minor,
            "order_id": self.order_id,
            "contact_id": self.contact_id or 0,
            **self.extra,
        }
