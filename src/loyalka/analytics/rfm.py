"""RFM segmentation of a sales history: recency, frequency and monetary value per client, quantile scores 1-5 and
named segments (docs/analytics/kpis.md gives the rules).

Over clients' product lines (sales and returns) dated before the reference date, for clients whose net value is
positive:

- recency: days from the client's last purchase (a sale line's date) to the reference date;
- frequency: the client's sale invoices; monetary: the client's net value (sales minus returns), minor units.

Scores: a client's score on a measure is ``1 + floor(5 x worse / clients)``, ``worse`` being the number of clients
with a strictly worse value (more days; fewer invoices; less money). Clients with equal values get equal scores
(the score of the first position of their tie), so a large tie (a third of the clients with one invoice) takes one
score and the next value may start at 3: the five scores are quintiles of positions, not of values.

Segments read the recency score R and FM = floor((F + M) / 2) on the grid ``SEGMENT_GRID``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from loyalka.analytics.kpis_history import client_lines

SEGMENTS = (
    "champions",
    "loyal customers",
    "potential loyalists",
    "new customers",
    "promising",
    "need attention",
    "about to sleep",
    "at risk",
    "can't lose them",
    "hibernating",
    "lost",
)

# rows: R 1..5; columns: FM 1..5
SEGMENT_GRID: dict[int, tuple[str, str, str, str, str]] = {
    5: ("new customers", "potential loyalists", "potential loyalists", "champions", "champions"),
    4: ("promising", "potential loyalists", "potential loyalists", "loyal customers", "loyal customers"),
    3: ("about to sleep", "about to sleep", "need attention", "loyal customers", "loyal customers"),
    2: ("hibernating", "hibernating", "at risk", "at risk", "can't lose them"),
    1: ("lost", "lost", "at risk", "at risk", "can't lose them"),
}


@dataclass(frozen=True)
class Rfm:
    """``clients``: a row per client with a positive net (customer, region, first and last purchase, recency_days,
    frequency, monetary_minor, r, f, m, fm, segment); ``segments``: a row per segment in ``SEGMENTS`` order;
    ``left_out``: clients with product lines whose net is zero or negative, and their net."""

    at: date
    clients: pl.DataFrame
    segments: pl.DataFrame
    left_out_clients: int
    left_out_net_minor: int


def default_reference(lines: pl.DataFrame) -> date:
    """The day after the history's last line."""
    return lines["at"].max().date() + timedelta(days=1)


def rfm(lines: pl.DataFrame, *, at: date | None = None) -> Rfm:
    """RFM of the canonical ``lines`` as of the start of day ``at`` (default: the day after the last line)."""
    at = at or default_reference(lines)
    own = client_lines(lines).filter(pl.col("at") < pl.datetime(at.year, at.month, at.day))
    sale = pl.col("kind") == "sale"
    per_client = own.group_by("customer").agg(
        pl.col("region").filter(sale).drop_nulls().last().alias("region"),
        pl.col("at").filter(sale).min().dt.date().alias("first_purchase"),
        pl.col("at").filter(sale).max().dt.date().alias("last_purchase"),
        pl.col("invoice").filter(sale).n_unique().cast(pl.Int64).alias("frequency"),
        pl.col("amount_minor").sum().alias("monetary_minor"),
    )
    scored = per_client.filter(pl.col("monetary_minor") > 0)
    left_out = per_client.filter(pl.col("monetary_minor") <= 0)
    scored = scored.with_columns(recency_days=(pl.lit(at) - pl.col("last_purchase")).dt.total_days().cast(pl.Int64))
    scored = scored.with_columns(
        score(pl.col("recency_days"), lower_is_better=True).alias("r"),
        score(pl.col("frequency")).alias("f"),
        score(pl.col("monetary_minor")).alias("m"),
    ).with_columns(((pl.col("f") + pl.col("m")) // 2).alias("fm"))
    scored = scored.with_columns(segment_of(pl.col("r"), pl.col("fm")).alias("segment")).select(
        "customer", "segment", "region", "first_purchase", "last_purchase", "recency_days", "frequency",
        "monetary_minor", "r", "f", "m", "fm",
    ).sort(["monetary_minor", "customer"], descending=[True, False])  # fmt: skip
    return Rfm(at, scored, segment_table(scored), left_out.height, int(left_out["monetary_minor"].sum()))


def score(values: pl.Expr, *, lower_is_better: bool = False) -> pl.Expr:
    """1 + floor(5 x (clients with a strictly worse value) / clients): 1..5, ties share a score."""
    worse = values.rank("min", descending=lower_is_better).cast(pl.Int64) - 1
    return (1 + 5 * worse // pl.len()).cast(pl.Int8)


def segment_of(r: pl.Expr, fm: pl.Expr) -> pl.Expr:
    expr = None
    for r_score, row in SEGMENT_GRID.items():
        for fm_score, name in enumerate(row, start=1):
            cond = (r == r_score) & (fm == fm_score)
            expr = pl.when(cond).then(pl.lit(name)) if expr is None else expr.when(cond).then(pl.lit(name))
    assert expr is not None
    return expr.otherwise(None)


def segment_table(clients: pl.DataFrame) -> pl.DataFrame:
    """Per segment (all eleven, in order, empty ones too): clients, their share, revenue and its share of the
    scored clients' net, and the segment's mean recency, frequency and monetary value."""
    total_clients, total_net = clients.height, int(clients["monetary_minor"].sum())
    order = pl.DataFrame({"segment": SEGMENTS, "rank": range(len(SEGMENTS))})
    sizes = clients.group_by("segment").agg(
        pl.len().cast(pl.Int64).alias("clients"),
        pl.col("monetary_minor").sum().alias("revenue_minor"),
        pl.col("recency_days").mean().alias("mean_recency_days"),
        pl.col("frequency").mean().alias("mean_frequency"),
    )
    frame = order.join(sizes, on="segment", how="left").sort("rank")
    frame = frame.with_columns(pl.col("clients", "revenue_minor").fill_null(0))
    return frame.select(
        "segment",
        "clients",
        (pl.col("clients") / total_clients if total_clients else pl.lit(None, pl.Float64)).alias("clients_share"),
        "revenue_minor",
        (pl.col("revenue_minor") / total_net if total_net else pl.lit(None, pl.Float64)).alias("revenue_share"),
        "mean_recency_days",
        "mean_frequency",
        pl.when(pl.col("clients") > 0)
        .then((2 * pl.col("revenue_minor") + pl.col("clients")) // (2 * pl.col("clients")))
        .alias("mean_monetary_minor"),
    )


def segment_slug(name: str) -> str:
    """A file name for a segment: "can't lose them" -> "cant_lose_them"."""
    return "".join(ch for ch in name if ch.isalnum() or ch == " ").replace(" ", "_")
