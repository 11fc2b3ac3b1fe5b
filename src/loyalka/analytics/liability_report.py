"""The report of ``loyalka liability``: the liability at a moment and its monthly movement."""

from __future__ import annotations

import polars as pl
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from loyalka.analytics.liability import Liability
from loyalka.analytics.report import Report, add_chart, add_table
from loyalka.domain.money import format_minor


def liability_report(state: Liability, moves: pl.DataFrame, *, program: str, currency: str) -> Report:
    report = Report(
        "Points liability (IFRS 15)",
        f"program {program}, as of {state.at.isoformat(timespec='minutes')}, money in {currency}",
    )
    section = report.section(
        "The liability",
        f"Outstanding points are worth {format_minor(state.outstanding_minor)}; expected breakage on them "
        f"{format_minor(state.expected_breakage_minor)}; deferred revenue (contract liability) "
        f"{format_minor(state.deferred_minor)}.",
        "Breakage is the share of the points that expired or were forfeited rather than spent, over the months of "
        "earning whose every lot is settled (nothing left in it); a month with an open lot is left out whole.",
    )
    add_table(section, "liability by kind", state.by_kind)
    add_table(section, "liability by expiry month", state.by_expiry, "expires_in: the month of the last day the "
              "points can be spent")  # fmt: skip
    add_table(section, "breakage basis", state.breakage)
    section = report.section(
        "Monthly movement of the deferred revenue",
        "closing = opening + earned - spent - expired - forfeited - breakage change; earned, spent, expired and "
        "forfeited at the face value of the points, earned net of returns.",
    )
    add_table(section, "liability movement", moves)
    if moves.height:
        add_chart(section, "movement", movement_chart(moves), "outstanding value and deferred revenue by month")
    return report


def movement_chart(moves: pl.DataFrame) -> Figure:
    figure = Figure(figsize=(7.5, 3.8))
    axes = figure.add_subplot()
    months = moves["month"].to_list()
    x = range(len(months))
    major = [v / 100 for v in moves["outstanding_minor"]]
    axes.plot(x, major, color="#4c72b0", label="outstanding points, face value")
    axes.plot(x, [v / 100 for v in moves["closing_minor"]], color="#dd8452", label="deferred revenue")
    axes.fill_between(x, [v / 100 for v in moves["closing_minor"]], major, color="#dd8452", alpha=0.15,
                      label="expected breakage")  # fmt: skip
    step = max(1, len(months) // 12)
    axes.set_xticks(list(x)[::step], months[::step], rotation=45, fontsize=8)
    axes.set_ylabel("money")
    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}".replace(",", " ")))
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    return figure
