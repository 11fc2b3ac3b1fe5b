"""The driver analysis as a report: the importances chart, the tree's rules, its fit, and a table (an XLSX sheet)
per client list."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from matplotlib.figure import Figure

from loyalka.analytics.driver_tree import TreeFit
from loyalka.analytics.drivers import MIN_ORDERS, DriversResult
from loyalka.analytics.report import Report, add_chart, add_table
from loyalka.errors import InvalidInput

WEAK_R2 = 0.1
WHAT = {
    ("volume", "log"): "net revenue in the window, fitted on a log scale (sign(x)·ln(1 + |x|), x in major units)",
    ("volume", "money"): "net revenue in the window, fitted in money",
    ("growth", "log"): "growth: the second half's net revenue over the first half's, fitted as the log of the ratio",
    ("growth", "money"): "growth: the second half's net revenue minus the first half's, fitted in money",
}


def importances_figure(fit: TreeFit, title: str) -> Figure:
    """A horizontal bar per factor, the most important on top, labelled in percent."""
    factors = fit.factors.sort(["importance_share", "factor"], descending=[False, True])
    figure = Figure(figsize=(7, 0.45 * factors.height + 1.2))
    axes = figure.subplots()
    values = [v * 100 for v in factors["importance_share"]]
    bars = axes.barh(factors["factor"].to_list(), values, color="#3b6ea8")
    axes.bar_label(bars, labels=[f"{v:.1f}%" for v in values], padding=3, fontsize=9)
    axes.set_xlim(0, max([*values, 1.0]) * 1.18)
    axes.set_xlabel("share of the tree's importance (%)")
    axes.set_title(title, fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


def write_chart(result: DriversResult, path: str | Path) -> Path:
    path = Path(path)
    if not path.parent.exists():
        raise InvalidInput(f"cannot write {path}: its folder does not exist", code="cannot_write", field="chart")
    try:
        importances_figure(result.fit, _chart_title(result)).savefig(path, format="png", dpi=100, bbox_inches="tight")
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror}", code="cannot_write", field="chart") from exc
    return path


def _chart_title(result: DriversResult) -> str:
    return f"What drives {result.target} ({result.window.label()}, depth {result.fit.depth})"


def drivers_report(result: DriversResult, source: str) -> Report:
    fit = result.fit
    report = Report(
        f"Drivers of {result.target}",
        f"{source} · {result.window.label()} · amounts in {result.currency}",
    )
    _method(report, result)
    drivers = report.section(
        f"What drives {result.target}",
        "Importance: the share of the tree's reduction of squared error due to each factor (one-hot levels of a "
        "categorical factor summed into it); the shares sum to 100% when the tree splits at all.",
    )
    add_chart(drivers, "importances", importances_figure(fit, _chart_title(result)))
    add_table(drivers, "factors", fit.factors, "importance by factor")
    used = fit.importances.filter(pl.col("importance_share") > 0)
    add_table(drivers, "features", used, "the features the tree split on (every other feature: 0)")
    rules = report.section(
        "The tree's rules",
        f"A leaf per rule, applied to every client of the analysis; figures of the {_value_name(result)} in "
        f"{result.currency}. Held-out R² by depth below: the evidence for the depth.",
    )
    add_table(rules, "rules", _leaves(fit, result), "leaves, the best first")
    add_table(rules, "depths", result.depths, "R² of the fitted 75% and of the held-out 25% at every depth")
    if result.volume_fit is not fit:
        add_table(rules, "volume rules", _leaves(result.volume_fit, None),
                  "the volume tree whose leaves the high-potential list compares clients with")  # fmt: skip
    _lists(report, result)
    over = "the window's first half" if result.target == "growth" else "the window"
    features = report.section("Client features", f"Every client of the analysis with its features over {over}.")
    shown = result.features.with_columns(pl.col(pl.Float64).fill_nan(None))  # no payments known: empty, not NaN
    add_table(features, "client features", _without_unknown_industry(shown))
    return report


def _method(report: Report, result: DriversResult) -> None:
    fit = result.fit
    r2 = "undefined (the held-out target does not vary)" if fit.r2_held_out is None else f"{fit.r2_held_out:.3f}"
    fitted = "—" if fit.r2_fitted is None else f"{fit.r2_fitted:.3f}"
    top = ", ".join(f"{f} {s * 100:.1f}%" for f, s in fit.factors.head(3).iter_rows())
    who = "who bought in the first half" if result.target == "growth" else "who bought in the window"
    report.section(
        "What was analysed",
        f"Clients: {result.features.height:,} ({who}). Target: {WHAT[(result.target, result.scale)]}.",
        f"Tree: depth {fit.depth}, at least {fit.min_leaf} clients a leaf, seed {fit.seed}; fitted on "
        f"{fit.n_fitted:,} clients, scored on {fit.n_held_out:,} held out: R² {r2} (fitted part {fitted}).",
        f"Top factors: {top}.",
        *_weak(fit),
        *result.notes,
    )


def _weak(fit: TreeFit) -> list[str]:
    """A caution when the tree explains little of the clients it did not see."""
    if fit.r2_held_out is not None and fit.r2_held_out >= WEAK_R2:
        return []
    return [
        f"Caution: the tree explains little of the held-out clients (R² under {WEAK_R2}); its importances say "
        "which splits it found, not factors that reliably drive the target."
    ]


def _value_name(result: DriversResult) -> str:
    return "net revenue" if result.target == "volume" else "change in net revenue (second half minus first)"


def _leaves(fit: TreeFit, result: DriversResult | None) -> pl.DataFrame:
    name = "net_revenue" if result is None or result.target == "volume" else "change"
    return fit.leaves.rename(
        {
            "median_minor": f"{name}_median_minor",
            "mean_minor": f"{name}_mean_minor",
            "total_minor": f"{name}_total_minor",
        }
    )


def _lists(report: Report, result: DriversResult) -> None:
    basis = result.basis
    note = (
        "Gross profit = net revenue minus the cost of the lines net of returns."
        if basis == "gross profit"
        else "Cost prices are not known for every line, so these lists rank net revenue instead of gross profit."
    )
    profit = report.section(f"Highest and lowest {basis}", note)
    add_table(profit, f"top {basis}", result.top_profit, f"the {result.top_profit.height} highest {basis}")
    add_table(profit, f"bottom {basis}", result.bottom_profit, f"the {result.bottom_profit.height} lowest {basis}")
    potential = report.section(
        "High-potential clients",
        f"{result.high_potential.height:,} client(s) in a leaf of big buyers whose monthly revenue (net revenue per "
        f"month since their first order in the window) is at most 1/{result.potential_factor:g} of their peers' "
        "median (the clients of their leaf of the volume tree), not lost: peers like them buy much more. The "
        "biggest monthly gap first.",
    )
    add_table(potential, "high potential", _without_unknown_industry(result.high_potential))
    quiet = report.section(
        "Sleeping and lost clients",
        f"As of {result.window.as_of:%Y-%m-%d}. Sleeping: no order for {result.sleeping_days} to "
        f"{result.lost_days - 1} days after at least {MIN_ORDERS} orders ({result.sleeping.height:,}). Lost: no order for "
        f"{result.lost_days} days or more ({result.lost.height:,}).",
    )
    add_table(quiet, "sleeping", result.sleeping, f"no order for {result.sleeping_days}+ days, longest idle first")
    add_table(quiet, "lost", result.lost, f"no order for {result.lost_days}+ days, longest idle first")


def _without_unknown_industry(frame: pl.DataFrame) -> pl.DataFrame:
    """The industry column only when some client has one."""
    if "industry" in frame.columns and frame.height and (frame["industry"] == "unknown").all():
        return frame.drop("industry")
    return frame
