"""The reports of `loyalka analyze import | kpis | rfm`: sections, tables and charts built from the figures."""

from __future__ import annotations

import polars as pl

from loyalka.analytics import kpis_charts
from loyalka.analytics.history import History
from loyalka.analytics.history_summary import (
    HistorySummary,
    kinds_table,
    money,
    months_table,
    regions_table,
    summary_lines,
)
from loyalka.analytics.kpis_history import PeriodKpis, WholeHistory
from loyalka.analytics.report import Report, add_chart, add_table
from loyalka.analytics.rfm import SEGMENT_GRID, Rfm

KPI_NOTE = (
    "Over clients' product lines (sales and returns; lines without a customer, adjustments and fees are left "
    "out). Active: a positive net in the period. Average monthly purchases: the mean net of client-months with a "
    "positive net. Orders per client: sale invoices of active clients per active client; average check: their "
    "net per invoice. Retention: of the previous period's active clients, the share active again; churn = 1 - "
    "retention. Breadth: distinct products per active client. Net sales: every client's net in the period."
)


def import_report(history: History, summary: HistorySummary) -> Report:
    report = Report("History import", subtitle=history.source)
    section = report.section("What the file holds", *summary_lines(summary))
    add_table(section, "by kind", kinds_table(history), "Lines, invoices and value by kind of line")
    add_table(section, "by month", months_table(history), "Per month: every line, and the clients' net")
    add_table(section, "by region", regions_table(history), "Per region (country), the largest value first")
    return report


def whole_history_lines(whole: WholeHistory, threshold_minor: int | None, currency: str) -> list[str]:
    """Seed 000's single figures, as text."""
    mean = money(whole.avg_monthly_purchases_minor, currency) if whole.avg_monthly_purchases_minor is not None else "—"
    lines = [f"whole history: {whole.client_months:,} client-months with purchases, {mean} each on average"]
    if threshold_minor is not None and whole.under_threshold_share is not None:
        lines.append(f"{100 * whole.under_threshold_share:.1f}% of them under {money(threshold_minor, currency)}")
    if whole.quarterly_retention is not None:
        lines.append(f"quarterly retention, pooled over consecutive quarters: {100 * whole.quarterly_retention:.1f}%")
    return lines


def kpis_report(
    history: History, chosen: PeriodKpis, monthly: PeriodKpis, quarterly: PeriodKpis, whole: WholeHistory
) -> Report:
    """The chosen period's tables, and the charts: net sales and active clients by month, retention by quarter."""
    report = Report(f"Client KPIs by {chosen.period}", subtitle=f"{history.source} ({history.currency})")
    report.section("The whole history", *whole_history_lines(whole, chosen.threshold_minor, history.currency))
    threshold = (f" Share under the threshold: client-months whose net is under "
                 f"{money(chosen.threshold_minor, history.currency)}." if chosen.threshold_minor is not None else "")  # fmt: skip
    section = report.section(f"KPIs by {chosen.period}", KPI_NOTE + threshold)
    add_table(section, f"kpis by {chosen.period}", chosen.table, "A row per calendar period; complete: the history "
              "covers the whole period")  # fmt: skip
    add_chart(section, "net sales and active clients", kpis_charts.sales_and_clients(monthly.table, history.currency))
    add_chart(section, "retention by quarter", kpis_charts.retention(quarterly.table))
    if chosen.by_membership is not None:
        members = report.section("Members and non-members", "The same KPIs for the clients who were members in the "
                                 "period and for the others; retention counts a group's clients of the previous period.")  # fmt: skip
        add_table(members, "kpis by membership", chosen.by_membership)
    if chosen.program is not None:
        program = report.section("The program", "Participation: active members / active clients. Earn rate: points "
                                 "earned / sales; burn rate: points spent / earned; expiry (breakage) rate: points "
                                 "expired / earned; program cost: value of points spent / sales.")  # fmt: skip
        add_table(program, "program figures", chosen.program)
    return report


def rfm_report(history: History, result: Rfm) -> Report:
    """Segment sizes and revenue shares, the score grid, and each segment's clients (a sheet each)."""
    report = Report("RFM segmentation", subtitle=f"{history.source} ({history.currency}), as of {result.at}")
    total = int(result.clients["monetary_minor"].sum())
    section = report.section(
        "Segments",
        f"{result.clients.height:,} clients with a positive net before {result.at}, their revenue "
        f"{money(total, history.currency)}; {result.left_out_clients:,} client(s) with a net of zero or less "
        f"({money(result.left_out_net_minor, history.currency)}) are left out.",
        "Recency: days from the last purchase to the reference date; frequency: sale invoices; monetary: net value. "
        "Scores 1-5: 1 + floor(5 x clients with a strictly worse value / clients), ties share a score. "
        "Segments read R and FM = floor((F + M) / 2) on the grid below.",
    )
    add_table(section, "rfm segments", result.segments)
    add_chart(section, "rfm segments", kpis_charts.segments(result.segments))
    grid = pl.DataFrame([{"r": r, **{f"fm {i}": name for i, name in enumerate(row, start=1)}}
                         for r, row in SEGMENT_GRID.items()])  # fmt: skip
    add_table(section, "rfm grid", grid, "The segment of each recency score (r) and FM score")
    clients = report.section("Clients by segment", "Each segment's clients, the largest net first.")
    add_table(clients, "rfm clients", result.clients, "Every scored client", in_html=False)
    for name in result.segments["segment"]:
        add_table(clients, f"rfm {name}", result.clients.filter(pl.col("segment") == name).drop("segment"),
                  in_html=False)  # fmt: skip
    return report
