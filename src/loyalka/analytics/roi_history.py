"""Seed 002's first step from a sales history: the yearly revenue of a large client (Z) and the yearly churn of the
large clients (W), so the ROI starts from the seller's own numbers instead of guesses.

The history is cut in two halves of equal time. The large clients are the top ``large_share`` of the clients of
the first half by their net purchases in it (chosen on the first half only, so that clients who leave are not
ruled out of "large" by the very purchases they did not make). Z is their average net purchases in the first half,
scaled to a year; the half-year churn is the share of them who bought nothing in the second half, compounded to a
year: W = 1 - (1 - churn_half)^(365.25 / days of the second half).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext

import polars as pl

from loyalka.analytics.history import History
from loyalka.errors import InvalidInput

YEAR_DAYS = Decimal("365.25")


@dataclass(frozen=True, slots=True)
class HistoryInputs:
    revenue: Decimal  # Z: a large client's yearly net purchases, major units (kopeck precision)
    churn: Decimal  # W: yearly, 0..1 (4 decimals)
    half_churn: Decimal  # the share of the large clients who bought nothing in the second half
    clients: int  # clients with net purchases above zero in the first half
    large: int
    left: int  # large clients who bought nothing in the second half
    first_half: tuple[datetime, datetime]  # [start, end)
    second_half: tuple[datetime, datetime]  # [start, end]


def estimate(history: History, *, large_share: Decimal = Decimal("0.2")) -> HistoryInputs:
    if not 0 < large_share <= 1:
        raise InvalidInput("the share of large clients is above 0% and at most 100%", field="large_share")
    lines = history.client_lines.select("customer", "at", "amount_minor", "kind")
    if lines.is_empty():
        raise InvalidInput("the history has no sales of clients to estimate Z and W from", field="history")
    start, end = lines["at"].min(), lines["at"].max()
    middle = start + (end - start) / 2  # type: ignore[operator]
    if (end - start).days < 60:  # type: ignore[operator]
        raise InvalidInput("the history covers less than two months: too short to estimate a churn", field="history")
    first = (
        lines.filter(pl.col("at") < middle)
        .group_by("customer")
        .agg(pl.col("amount_minor").sum().alias("net_minor"))
        .filter(pl.col("net_minor") > 0)
        .sort("net_minor", "customer", descending=[True, False])
    )
    if first.is_empty():
        raise InvalidInput("no client bought in the first half of the history", field="history")
    count = max(1, math.ceil(first.height * large_share))
    large = first.head(count)
    buyers = set(lines.filter((pl.col("at") >= middle) & (pl.col("kind") == "sale"))["customer"].unique())
    gone = sum(1 for c in large["customer"] if c not in buyers)
    with localcontext() as ctx:
        ctx.prec = 40
        first_days = Decimal((middle - start).total_seconds()) / 86400  # type: ignore[operator]
        second_days = Decimal((end - middle).total_seconds()) / 86400  # type: ignore[operator]
        half = Decimal(gone) / Decimal(count)
        revenue = Decimal(int(large["net_minor"].sum())) / count / 100 * YEAR_DAYS / first_days
        churn = 1 - (1 - half) ** (YEAR_DAYS / second_days) if half < 1 else Decimal(1)
    return HistoryInputs(
        revenue=revenue.quantize(Decimal("0.01"), ROUND_HALF_UP),
        churn=churn.quantize(Decimal("0.0001"), ROUND_HALF_UP),
        half_churn=half,
        clients=first.height,
        large=count,
        left=gone,
        first_half=(start, middle),
        second_half=(middle, end),
    )
