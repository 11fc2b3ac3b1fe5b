"""Client KPIs of seed 000 over monthly net purchases: pure functions over plain tuples.

``months`` maps a month key ("2026-10") to {client: net purchases in kopecks} for clients who bought.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

MonthTotals = Mapping[str, Mapping[str, int]]


@dataclass(frozen=True, slots=True)
class KpiSummary:
    months: int
    client_months: int
    sales_minor: int
    avg_monthly_purchases_minor: int  # per client who bought in the month, averaged over client-months
    share_under_threshold: Decimal  # of client-months under the threshold, 0..1
    quarterly_retention: Decimal | None  # share of a quarter's clients who buy again the next quarter, 0..1


def summarize(months: MonthTotals, keys: Sequence[str], *, threshold_minor: int) -> KpiSummary:
    client_months = [(key, amount) for key in keys for amount in months.get(key, {}).values() if amount > 0]
    count = len(client_months)
    sales = sum(amount for _, amount in client_months)
    under = sum(1 for _, amount in client_months if amount < threshold_minor)
    return KpiSummary(
        months=len(keys),
        client_months=count,
        sales_minor=sales,
        avg_monthly_purchases_minor=sales // count if count else 0,
        share_under_threshold=_ratio(under, count),
        quarterly_retention=quarterly_retention(months, keys),
    )


def quarterly_retention(months: MonthTotals, keys: Sequence[str]) -> Decimal | None:
    """Pool consecutive whole quarters in ``keys``: of the clients who bought in one quarter, the share who bought
    in the next one too."""
    quarters: dict[str, set[str]] = {}
    for key in keys:
        year, month = key.split("-")
        quarter = f"{year}-Q{(int(month) - 1) // 3 + 1}"
        quarters.setdefault(quarter, set()).update(c for c, a in months.get(key, {}).items() if a > 0)
    names = sorted(quarters)
    kept = base = 0
    for previous, current in zip(names, names[1:], strict=False):
        base += len(quarters[previous])
        kept += len(quarters[previous] & quarters[current])
    return _ratio(kept, base) if base else None


def _ratio(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)


def percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{(value * 100).quantize(Decimal('0.1'))}%"
