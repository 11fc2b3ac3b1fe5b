"""What an imported history holds (`loyalka analyze import`): rows, lines by kind, cancellations and returns
recognised, rows without a customer, customers, invoices, the period and the value, as figures, text lines and
tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import polars as pl

from loyalka.analytics.history import KINDS, History, period_key
from loyalka.analytics.kpis_history import client_lines


@dataclass(frozen=True)
class HistorySummary:
    source: str
    currency: str
    timezone: str
    rows: int
    lines_by_kind: dict[str, int]
    cancellation_prefix: str | None
    cancellation_invoices: int  # invoices numbered with the cancellation prefix (0 without a prefix)
    cancellation_lines: int
    return_lines: int  # lines read as returns: cancellation lines of products, negative quantities of clients
    return_invoices: int
    returns_minor: int  # their value (negative)
    rows_without_customer: int
    value_without_customer_minor: int
    customers: int  # every client the file names
    clients_with_products: int  # clients with product lines: those per-client figures are about
    invoices: int
    first_at: datetime | None
    last_at: datetime | None
    total_minor: int  # every line, as in the file
    client_net_minor: int  # clients' product lines, sales minus returns: what per-client figures add up to


def summarize_history(history: History, *, cancellation_prefix: str | None = "C") -> HistorySummary:
    lines = history.lines
    returns = lines.filter(pl.col("kind") == "return")
    cancelled = (
        lines.filter(pl.col("invoice").str.starts_with(cancellation_prefix)) if cancellation_prefix else lines.head(0)
    )
    no_customer = lines.filter(pl.col("customer").is_null())
    own = client_lines(lines)
    return HistorySummary(
        source=history.source,
        currency=history.currency,
        timezone=history.timezone,
        rows=history.rows,
        lines_by_kind={kind: int(history.by_kind.get(kind, 0)) for kind in KINDS},
        cancellation_prefix=cancellation_prefix,
        cancellation_invoices=cancelled["invoice"].n_unique(),
        cancellation_lines=cancelled.height,
        return_lines=returns.height,
        return_invoices=returns["invoice"].n_unique(),
        returns_minor=int(returns["amount_minor"].sum()),
        rows_without_customer=history.rows_without_customer,
        value_without_customer_minor=int(no_customer["amount_minor"].sum()),
        customers=lines["customer"].drop_nulls().n_unique(),
        clients_with_products=own["customer"].n_unique(),
        invoices=lines["invoice"].n_unique(),
        first_at=lines["at"].min(),
        last_at=lines["at"].max(),
        total_minor=int(lines["amount_minor"].sum()),
        client_net_minor=int(own["amount_minor"].sum()),
    )


def money(minor: int, currency: str = "") -> str:
    """123456789 -> "1,234,567.89 GBP" (exact)."""
    text = f"{Decimal(minor).scaleb(-2):,.2f}"
    return f"{text} {currency}".strip()


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def summary_lines(s: HistorySummary) -> list[str]:
    """The summary as lines of text (the command prints them; the report opens with them)."""
    kinds = " · ".join(f"{kind} {count:,}" for kind, count in s.lines_by_kind.items())
    period = f"{s.first_at:%Y-%m-%d %H:%M} to {s.last_at:%Y-%m-%d %H:%M}" if s.first_at and s.last_at else "—"
    cancellations = (f"{s.cancellation_invoices:,} cancellation invoice(s) (number starting with "
                     f"{s.cancellation_prefix!r}), {s.cancellation_lines:,} line(s)") if s.cancellation_prefix else \
        "no cancellation prefix mapped"  # fmt: skip
    return [
        f"history: {s.source} ({s.currency}, times in {s.timezone})",
        f"rows: {s.rows:,}",
        f"lines by kind: {kinds}",
        f"cancellations: {cancellations}",
        f"returns recognised: {s.return_lines:,} line(s) in {s.return_invoices:,} invoice(s), "
        f"{money(s.returns_minor, s.currency)}",
        f"rows without a customer: {s.rows_without_customer:,} ({_share(s.rows_without_customer, s.rows)}), "
        f"{money(s.value_without_customer_minor, s.currency)}; left out of per-client figures",
        f"customers: {s.customers:,} ({s.clients_with_products:,} with product lines)",
        f"invoices: {s.invoices:,}",
        f"period: {period}",
        f"total value: {money(s.total_minor, s.currency)} (every line); clients' product lines net of returns: "
        f"{money(s.client_net_minor, s.currency)}",
    ]


def kinds_table(history: History) -> pl.DataFrame:
    """A row per kind: lines, invoices, value, lines without a customer."""
    order = pl.DataFrame({"kind": list(KINDS)})
    counts = history.lines.group_by("kind").agg(
        pl.len().cast(pl.Int64).alias("lines"),
        pl.col("invoice").n_unique().cast(pl.Int64).alias("invoices"),
        pl.col("amount_minor").sum().alias("value_minor"),
        pl.col("customer").is_null().sum().cast(pl.Int64).alias("without_customer"),
    )
    table = order.join(counts, on="kind", how="left", maintain_order="left")
    return table.with_columns(pl.col("lines", "invoices", "value_minor", "without_customer").fill_null(0))


def months_table(history: History) -> pl.DataFrame:
    """A row per month: lines, invoices, customers, the value of every line and the clients' net."""
    own = pl.col("customer").is_not_null() & pl.col("kind").is_in(["sale", "return"])
    return (
        history.lines.group_by(period_key("month").alias("month"))
        .agg(
            pl.len().cast(pl.Int64).alias("lines"),
            pl.col("invoice").n_unique().cast(pl.Int64).alias("invoices"),
            pl.col("customer").drop_nulls().n_unique().cast(pl.Int64).alias("customers"),
            pl.col("amount_minor").sum().alias("value_minor"),
            pl.col("amount_minor").filter(own).sum().alias("client_net_minor"),
        )
        .sort("month")
    )


def regions_table(history: History) -> pl.DataFrame:
    """A row per region (country): customers, lines and value, the largest value first."""
    return (
        history.lines.group_by("region")
        .agg(
            pl.col("customer").drop_nulls().n_unique().cast(pl.Int64).alias("customers"),
            pl.len().cast(pl.Int64).alias("lines"),
            pl.col("amount_minor").sum().alias("value_minor"),
        )
        .sort(["value_minor", "region"], descending=[True, False], nulls_last=True)
    )
