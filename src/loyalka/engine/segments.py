"""Whether an account belongs to a segment: pure evaluation of a ``SegmentFilter`` over an account's facts.

The service layer (``services.segments``) gathers the facts from storage; this module only decides. Every
condition of a filter must hold; a list means any of its values. The CEL ``when`` sees one map, ``account``:

    code, name, region, industry, tier, tags, status, language
    days_since_last_order   days since its last order (since joining when it never ordered)
    days_since_joined
    ever_ordered            true once it has placed an order
    purchases_30d, purchases_90d, purchases_365d   net purchases (orders less returns) in kopecks
    orders_30d, orders_90d, orders_365d            orders with something left after returns
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from loyalka.errors import InvalidInput
from loyalka.program.conditions import evaluate
from loyalka.program.engagement import SegmentFilter

STANDARD_WINDOWS = (30, 90, 365)  # the windows the CEL map always offers (days)


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """What a segment may look at for one account, at one moment."""

    account_id: int
    code: str
    name: str
    status: str
    joined_on: date  # in the program's time zone
    on: date  # the day the facts describe, in the program's time zone
    region: str | None = None
    industry: str | None = None
    tier: str | None = None
    tags: tuple[str, ...] = ()
    language: str = "ru"
    last_order_at: datetime | None = None
    last_order_on: date | None = None  # in the program's time zone
    purchases_minor: dict[int, int] = field(default_factory=dict)  # window days -> net purchases (kopecks)
    orders: dict[int, int] = field(default_factory=dict)  # window days -> orders

    @property
    def days_since_last_order(self) -> int:
        """Days of silence: since the last order, or since joining when the account never ordered."""
        return (self.on - (self.last_order_on or self.joined_on)).days

    def as_condition_input(self) -> dict[str, object]:
        facts: dict[str, object] = {
            "id": self.account_id,
            "code": self.code,
            "name": self.name,
            "status": self.status,
            "region": self.region or "",
            "industry": self.industry or "",
            "tier": self.tier or "",
            "tags": list(self.tags),
            "language": self.language,
            "days_since_last_order": self.days_since_last_order,
            "days_since_joined": (self.on - self.joined_on).days,
            "ever_ordered": self.last_order_on is not None,
        }
        for days in STANDARD_WINDOWS:
            facts[f"purchases_{days}d"] = self.purchases_minor.get(days, 0)
            facts[f"orders_{days}d"] = self.orders.get(days, 0)
        return facts


def windows_needed(segment_filter: SegmentFilter) -> set[int]:
    """The purchase windows (days) the filter looks at: its own, and those its ``when`` names."""
    wanted: set[int] = set()
    if segment_filter.purchases is not None:
        wanted.add(segment_filter.purchases.window_days)
    if segment_filter.orders is not None:
        wanted.add(segment_filter.orders.window_days)
    if segment_filter.when:
        wanted.update(d for d in STANDARD_WINDOWS if f"_{d}d" in segment_filter.when)
    return wanted


def prefilter(segment_filter: SegmentFilter, facts: AccountFacts) -> bool:
    """The conditions on the account's own fields (cheap: no purchase figures needed)."""
    f = segment_filter
    if facts.status not in f.statuses:
        return False
    if f.regions is not None and facts.region not in f.regions:
        return False
    if f.industries is not None and facts.industry not in f.industries:
        return False
    if f.tiers is not None and facts.tier not in f.tiers:
        return False
    tags = set(facts.tags)
    if f.tags_any is not None and not tags & set(f.tags_any):
        return False
    return not (f.tags_all is not None and not set(f.tags_all) <= tags)


def matches(segment_filter: SegmentFilter, facts: AccountFacts) -> bool:
    """Every condition of the filter holds for the account."""
    f = segment_filter
    if not prefilter(f, facts):
        return False
    if f.purchases is not None and not _within(facts.purchases_minor.get(f.purchases.window_days, 0), f.purchases):
        return False
    if f.orders is not None and not _within(facts.orders.get(f.orders.window_days, 0), f.orders):
        return False
    if f.inactive_days is not None and facts.days_since_last_order < f.inactive_days:
        return False
    return not (f.when and not condition_holds(f.when, facts))


def condition_holds(when: str, facts: AccountFacts) -> bool:
    """The ``when`` of a segment for an account; a condition that cannot be evaluated is a clear error."""
    try:
        return evaluate(when, {"account": facts.as_condition_input()})
    except InvalidInput:
        raise
    except Exception as exc:  # celpy's evaluation errors: an unknown key, a type mismatch
        raise InvalidInput(
            f"the segment condition {when!r} cannot be evaluated: {exc.args[0] if exc.args else exc}",
            code="condition_error",
            field="when",
        ) from exc


def trial(when: str) -> str | None:
    """Why ``when`` fails on a sample account (an unknown key, not a true/false answer...), or None."""
    sample = AccountFacts(0, "SAMPLE", "Sample", "active", date(2026, 1, 1), date(2026, 4, 1), region="Москва")
    try:
        condition_holds(when, sample)
    except InvalidInput as exc:
        return exc.message
    return None


def _within(value: int, bounds: object) -> bool:
    low = getattr(bounds, "min", None)
    high = getattr(bounds, "max", None)
    return (low is None or value >= low) and (high is None or value <= high)
