"""Charts of the KPIs and the RFM segments (matplotlib figures, no pyplot state)."""

from __future__ import annotations

import polars as pl
from matplotlib.figure import Figure

SALES = "#3b6ea8"
CLIENTS = "#d1762b"
REVENUE = "#5a9e6f"


def _partial(frame: pl.DataFrame) -> list[bool]:
    return [not c for c in frame["complete"].to_list()] if "complete" in frame.columns else [False] * frame.height


def sales_and_clients(monthly: pl.DataFrame, currency: str) -> Figure:
    """Net sales (bars) and active clients (line) per month; months the history covers only in part hatched."""
    figure = Figure(figsize=(8.5, 4.0))
    axes = figure.subplots()
    labels = monthly["period"].to_list()
    sales = [v / 100 / 1000 for v in monthly["net_sales_minor"].fill_null(0).to_list()]
    bars = axes.bar(labels, sales, color=SALES, label=f"net sales, thousand {currency}")
    for bar, partial in zip(bars, _partial(monthly), strict=True):
        if partial:
            bar.set_hatch("//")
            bar.set_alpha(0.55)
    axes.set_ylabel(f"net sales, thousand {currency}")
    axes.tick_params(axis="x", labelrotation=45)
    twin = axes.twinx()
    twin.plot(labels, monthly["active_clients"].to_list(), color=CLIENTS, marker="o", label="active clients")
    twin.set_ylabel("active clients")
    twin.set_ylim(bottom=0)
    handles = [bars, *twin.get_lines()]
    axes.legend(handles, [h.get_label() for h in handles], loc="upper left", frameon=False)
    axes.set_title("Net sales and active clients by month (hatched: month covered in part)")
    figure.tight_layout()
    return figure


def retention(quarterly: pl.DataFrame) -> Figure:
    """Retention per quarter (the share of the previous quarter's clients who bought again)."""
    figure = Figure(figsize=(6.5, 3.6))
    axes = figure.subplots()
    rows = [(p, r, partial) for p, r, partial in zip(quarterly["period"], quarterly["retention"], _partial(quarterly),
                                                     strict=True) if r is not None]  # fmt: skip
    labels = [p for p, _, _ in rows]
    values = [100 * r for _, r, _ in rows]
    bars = axes.bar(labels, values, color=SALES)
    for bar, (_, value, partial) in zip(bars, rows, strict=True):
        if partial:
            bar.set_hatch("//")
            bar.set_alpha(0.55)
        axes.annotate(f"{100 * value:.1f}%", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                      ha="center", va="bottom", fontsize=9)  # fmt: skip
    axes.set_ylim(0, 100)
    axes.set_ylabel("retention, %")
    axes.set_title("Retention by quarter (hatched: quarter covered in part)")
    figure.tight_layout()
    return figure


def segments(table: pl.DataFrame) -> Figure:
    """Each RFM segment's share of the clients and of the revenue."""
    figure = Figure(figsize=(8.0, 4.6))
    axes = figure.subplots()
    names = table["segment"].to_list()[::-1]
    positions = list(range(len(names)))
    clients = [100 * (v or 0) for v in table["clients_share"].to_list()[::-1]]
    revenue = [100 * (v or 0) for v in table["revenue_share"].to_list()[::-1]]
    height = 0.4
    axes.barh([p + height / 2 for p in positions], clients, height, color=CLIENTS, label="share of clients")
    axes.barh([p - height / 2 for p in positions], revenue, height, color=REVENUE, label="share of revenue")
    for p, c, r in zip(positions, clients, revenue, strict=True):
        axes.annotate(
            f"{c:.1f}%", (c, p + height / 2), va="center", fontsize=8, xytext=(2, 0), textcoords="offset points"
        )
        axes.annotate(
            f"{r:.1f}%", (r, p - height / 2), va="center", fontsize=8, xytext=(2, 0), textcoords="offset points"
        )
    axes.set_yticks(positions, names)
    axes.set_xlabel("%")
    axes.set_xlim(0, max([*clients, *revenue, 1]) * 1.15)
    axes.legend(loc="lower right", frameon=False)
    axes.set_title("RFM segments: size and revenue")
    figure.tight_layout()
    return figure
