"""The client lists of seed 003: highest and lowest gross profit, high potential, sleeping and lost.

- Gross profit (``gross_profit_lists``): per client who bought in the window, net revenue minus the cost of its
  lines net of returns, when every line of those clients has a cost price; otherwise the lists rank net revenue
  and say so (``basis``). Ties: by customer.
- High potential (``high_potential``): a client whose monthly revenue (net revenue per month active, so that a
  client who came late is not taken for a small one) is at most 1/``factor`` of the median monthly revenue of
  its peers — the clients in its leaf of the volume tree, who look like it by the tree's factors (breadth,
  check, frequency, region...) — when those peers buy more a month than the median client (a leaf of big
  buyers) and the client is not lost (idle fewer than ``lost_days``). Ranked by the monthly gap (peers' median
  minus its own): the money on the table each month.
- Sleeping and lost (``sleeping_and_lost``): over the whole history up to the as-of day, ``idle_days`` = as-of day
  minus the day of the last order. Lost: idle_days >= lost_days. Sleeping: sleeping_days <= idle_days <
  lost_days and at least ``min_orders`` orders before ("active before": a one-off buyer has no habit to wake).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl

from loyalka.analytics.client_features import regions
from loyalka.errors import InvalidInput

SLEEPING_DAYS = 90  # a quarter without an order: 14.4% of the gaps between a UCI client's order days are as long
LOST_DAYS = 180  # two quarters: 3.5% of those gaps are as long
MIN_ORDERS = 2
POTENTIAL_FACTOR = 2
LIST_SIZE = 20


def gross_profit_lists(features: pl.DataFrame, size: int = LIST_SIZE) -> tuple[pl.DataFrame, pl.DataFrame, str]:
    """(highest, lowest, basis): ``basis`` is "gross profit" when cost prices cover every client, else "revenue"."""
    if size < 1:
        raise InvalidInput(f"a list holds at least 1 client, not {size}", code="invalid_size", field="top")
    known = features["cost_minor"].null_count() == 0
    if known:
        ranked = features.with_columns(
            (pl.col("net_revenue_minor") - pl.col("cost_minor")).alias("gross_profit_minor"),
        ).with_columns(
            pl.when(pl.col("net_revenue_minor") > 0)
            .then(pl.col("gross_profit_minor") / pl.col("net_revenue_minor"))
            .alias("margin_rate")
        )
        key, columns = "gross_profit_minor", ["cost_minor", "gross_profit_minor", "margin_rate"]
    else:
        ranked, key, columns = features, "net_revenue_minor", []
    shown = ["customer", "region", "orders", "net_revenue_minor", *columns, "last_order"]
    top = ranked.sort([key, "customer"], descending=[True, False]).head(size).select(shown)
    bottom = ranked.sort([key, "customer"], descending=[False, False]).head(size).select(shown)
    return top, bottom, "gross profit" if known else "revenue"


def high_potential(
    features: pl.DataFrame,
    assignments: pl.DataFrame,
    leaves: pl.DataFrame,
    *,
    lost_days: int = LOST_DAYS,
    factor: float = POTENTIAL_FACTOR,
) -> pl.DataFrame:
    """Clients of a volume tree's leaf of big buyers whose monthly revenue is at most 1/factor of their peers'
    median (see the module's docstring), the biggest monthly gap first."""
    if factor <= 1:
        raise InvalidInput(f"the potential factor must be more than 1, not {factor}", code="invalid_factor",
                           field="potential_factor")  # fmt: skip
    overall = features["monthly_revenue_minor"].median()
    frame = features.join(assignments, on="customer").with_columns(
        pl.col("monthly_revenue_minor").median().over("leaf").round().cast(pl.Int64).alias("peers_monthly_minor")
    )
    chosen = frame.filter(
        (pl.col("peers_monthly_minor") > overall)
        & (pl.col("monthly_revenue_minor") * factor <= pl.col("peers_monthly_minor"))
        & (pl.col("recency_days") < lost_days)
    ).with_columns((pl.col("peers_monthly_minor") - pl.col("monthly_revenue_minor")).alias("monthly_gap_minor"))
    return (
        chosen.join(leaves.select("leaf", "rule"), on="leaf")
        .sort(["monthly_gap_minor", "customer"], descending=[True, False])
        .select(
            "customer", "region", "industry", "orders", "net_revenue_minor", "monthly_revenue_minor",
            "peers_monthly_minor", "monthly_gap_minor", "leaf", "rule", "first_order", "last_order", "recency_days",
        )
    )  # fmt: skip


def check_days(sleeping_days: int, lost_days: int) -> None:
    if sleeping_days < 1:
        raise InvalidInput(f"--sleeping-days must be at least 1, not {sleeping_days}", code="invalid_days",
                           field="sleeping_days")  # fmt: skip
    if lost_days <= sleeping_days:
        raise InvalidInput(f"--lost-days ({lost_days}) must be more than --sleeping-days ({sleeping_days})",
                           code="invalid_days", field="lost_days")  # fmt: skip


def last_orders(client_lines: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Every client with a sale up to the as-of day: its orders, net revenue, region and last order then."""
    until = datetime.combine(as_of + timedelta(days=1), datetime.min.time())
    lines = client_lines.filter(pl.col("at") < until)
    sale = pl.col("kind") == "sale"
    per_client = (
        lines.group_by("customer")
        .agg(
            pl.col("invoice").filter(sale).n_unique().cast(pl.Int64).alias("orders"),
            pl.col("amount_minor").sum().alias("net_revenue_minor"),
            pl.col("at").filter(sale).max().dt.date().alias("last_order"),
        )
        .filter(pl.col("orders") > 0)
    )
    return per_client.join(regions(lines), on="customer", how="left").with_columns(
        (pl.lit(as_of) - pl.col("last_order")).dt.total_days().cast(pl.Int64).alias("idle_days")
    )


def sleeping_and_lost(
    client_lines: pl.DataFrame,
    as_of: date,
    *,
    sleeping_days: int = SLEEPING_DAYS,
    lost_days: int = LOST_DAYS,
    min_orders: int = MIN_ORDERS,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(sleeping, lost), longest idle first, with the date of their last order (see the module's docstring)."""
    check_days(sleeping_days, lost_days)
    clients = last_orders(client_lines, as_of)
    shown = ["customer", "region", "orders", "net_revenue_minor", "last_order", "idle_days"]
    order = (["idle_days", "customer"], [True, False])
    sleeping = clients.filter(
        (pl.col("idle_days") >= sleeping_days) & (pl.col("idle_days") < lost_days) & (pl.col("orders") >= min_orders)
    )
    lost = clients.filter(pl.col("idle_days") >= lost_days)
    return (
        sleeping.sort(order[0], descending=order[1]).select(shown),
        lost.sort(order[0], descending=order[1]).select(shown),
    )
