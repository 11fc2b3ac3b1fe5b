"""Hand-made histories for the driver analysis: canonical lines built directly, and the same as a Loyalka
orders CSV (the ``loyalka`` preset) for the command line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl

from loyalka.analytics.history import History

SCHEMA = {
    "customer": pl.Utf8, "invoice": pl.Utf8, "at": pl.Datetime("us"), "sku": pl.Utf8, "description": pl.Utf8,
    "category": pl.Utf8, "region": pl.Utf8, "quantity": pl.Float64, "amount_minor": pl.Int64,
    "cost_minor": pl.Int64, "kind": pl.Utf8,
}  # fmt: skip


@dataclass(frozen=True)
class Line:
    customer: str
    invoice: str
    at: datetime
    sku: str
    amount_minor: int
    cost_minor: int | None = None
    region: str | None = "Россия"
    category: str | None = None

    @property
    def kind(self) -> str:
        return "return" if self.amount_minor < 0 else "sale"


def history_of(lines: list[Line], currency: str = "RUB") -> History:
    frame = pl.DataFrame(
        [
            {"customer": x.customer, "invoice": x.invoice, "at": x.at, "sku": x.sku, "description": None,
             "category": x.category, "region": x.region, "quantity": 1.0 if x.amount_minor >= 0 else -1.0,
             "amount_minor": x.amount_minor, "cost_minor": x.cost_minor, "kind": x.kind}
            for x in lines
        ],
        schema=SCHEMA,
    )  # fmt: skip
    return History(lines=frame, currency=currency, timezone="Europe/Moscow", source="hand-made", rows=frame.height)


REGIONS = ("Москва", "Казань", "Набережные Челны")


def frequency_drives_volume() -> list[Line]:
    """60 clients, all from 2024-01-02 to 2024-08-20, two products an order: the first 30 order 16 times, the
    other 30 twice. Their check (2,000 to 2,800 RUB an order) and region vary with the client's number, not
    with the group; breadth, tenure and recency are the same for all. Only the order frequency sets volume."""
    first, last = datetime(2024, 1, 2, 10), datetime(2024, 8, 20, 10)
    lines = []
    for n in range(60):
        customer = f"C{n:02d}"
        orders = 16 if n < 30 else 2
        step = (last - first) / (orders - 1)
        per_line = 100_000 + 10_000 * (n % 5)  # 1,000 to 1,400 RUB a line
        for k in range(orders):
            at = first + step * k
            for sku in ("P1", "P2"):
                lines.append(Line(customer, f"{customer}-{k}", at, sku, per_line, region=REGIONS[n % 3]))
    return lines


def sleeping_cases() -> list[Line]:
    """As of 2024-06-30, with 90 and 180 days: see test_sleeping_and_lost_cut_offs_fall_on_exact_days."""
    day = lambda y, m, d: datetime(y, m, d, 12)  # noqa: E731
    orders = {
        "E1": [day(2024, 1, 10), day(2024, 4, 1)],  # idle 90: sleeping
        "E2": [day(2024, 1, 10), day(2024, 4, 2)],  # idle 89: active
        "E3": [day(2023, 12, 1), day(2023, 12, 20), day(2024, 1, 3)],  # idle 179: sleeping
        "E4": [day(2024, 1, 2)],  # idle 180: lost, though one order
        "E5": [day(2024, 3, 1)],  # idle 121, one order: neither (no habit to wake)
        "E6": [day(2023, 12, 1), day(2024, 2, 1), day(2024, 7, 5)],  # the July order is after the as-of day
    }
    lines = [Line(c, f"{c}-{k}", at, "P1", 10_000) for c, ats in orders.items() for k, at in enumerate(ats)]
    lines += [Line("E7", "E7-0", day(2024, 2, 1), "P1", 10_000), Line("E7", "E7-1", day(2024, 3, 1), "P1", 10_000),
              Line("E7", "E7-R", day(2024, 6, 20), "P1", -10_000)]  # a return is not an order: idle 121  # fmt: skip
    return lines


def write_orders_csv(path: Path, lines: list[Line]) -> Path:
    """The lines as a Loyalka orders CSV (account, order_id, occurred_at, sku, quantity, amount, category, cost) with
    a ``region`` column (map it with ``--map region=region``)."""
    rows = ["account,order_id,occurred_at,sku,quantity,amount,category,cost,region"]
    for x in lines:
        cost = "" if x.cost_minor is None else f"{x.cost_minor / 100:.2f}"
        quantity = 1 if x.amount_minor >= 0 else -1
        rows.append(f"{x.customer},{x.invoice},{x.at:%Y-%m-%dT%H:%M:%S},{x.sku},{quantity},"
                    f"{x.amount_minor / 100:.2f},{x.category or ''},{cost},{x.region or ''}")  # fmt: skip
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def shifted(lines: list[Line], days: int) -> list[Line]:
    return [Line(x.customer, x.invoice, x.at + timedelta(days=days), x.sku, x.amount_minor, x.cost_minor,
                 x.region, x.category) for x in lines]  # fmt: skip
