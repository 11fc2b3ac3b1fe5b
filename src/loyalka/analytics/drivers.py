"""B2B driver analysis (seed 003, stage 1): which client factors drove sales, by a decision tree, and the lists a
sales department acts on — clients with the highest and lowest gross profit, high-potential clients it
under-served, sleeping and lost clients to wake up.

Targets (``target``):

- ``volume``: the client's net revenue in the window (sales minus returns), features over the same window;
- ``growth``: the second half's net revenue minus the first half's (a difference, in minor units: a ratio is
  undefined for a client who started in the second half and explodes for one who bought a sample in the first),
  for the clients who bought in the first half, with features measured over the first half — the client as it
  was before the change — so that recency or frequency cannot "explain" growth by describing it.

Everything is a pure function of the history's lines; ``analyze_drivers`` runs the whole analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import polars as pl

from loyalka.analytics.client_features import Window, client_features
from loyalka.analytics.client_lists import (
    LIST_SIZE,
    LOST_DAYS,
    MIN_ORDERS,
    POTENTIAL_FACTOR,
    SLEEPING_DAYS,
    check_days,
    gross_profit_lists,
    high_potential,
    sleeping_and_lost,
)
from loyalka.analytics.driver_tree import DEFAULT_DEPTH, TreeFit, check_depth, depth_check, fit_tree
from loyalka.analytics.history import History
from loyalka.errors import InvalidInput

Target = Literal["volume", "growth"]
TARGETS = ("volume", "growth")
Scale = Literal["log", "money"]
SCALES = ("log", "money")


@dataclass
class DriversResult:
    window: Window
    target: Target
    scale: Scale
    currency: str
    features: pl.DataFrame  # the features the tree was fitted on (the first half's for growth)
    targets: pl.DataFrame  # customer, value_minor (money), target (what the tree fits)
    fit: TreeFit
    volume_fit: TreeFit  # the volume tree the high-potential list uses (``fit`` itself for volume)
    depths: pl.DataFrame  # held-out R² at every depth
    basis: str  # "gross profit" or "revenue": what the profit lists rank
    top_profit: pl.DataFrame
    bottom_profit: pl.DataFrame
    high_potential: pl.DataFrame
    sleeping: pl.DataFrame
    lost: pl.DataFrame
    sleeping_days: int
    lost_days: int
    potential_factor: float
    notes: list[str] = field(default_factory=list)


def signed_log(minor: pl.Expr) -> pl.Expr:
    """sign(x) * ln(1 + |x|) of an amount in major units: a log scale that keeps zero and negative amounts."""
    major = minor.cast(pl.Float64) / 100
    return major.sign() * major.abs().log1p()


def volume_target(features: pl.DataFrame, scale: Scale = "log") -> pl.DataFrame:
    """``customer``, ``value_minor`` (net revenue in the window), ``target`` (what the tree fits: its signed log,
    or the money itself)."""
    value = pl.col("net_revenue_minor")
    target = signed_log(value) if scale == "log" else value.cast(pl.Float64)
    return features.select("customer", value.alias("value_minor"), target.alias("target"))


def growth_target(client_lines: pl.DataFrame, window: Window, scale: Scale = "log") -> pl.DataFrame:
    """For the clients with a sale in the window's first half: ``before_minor`` and ``after_minor`` (net revenue of
    each half), ``value_minor`` (after - before) and ``target``: on the log scale the log of the ratio,
    signed_log(after) - signed_log(before) (= ln((1 + after) / (1 + before)) for amounts >= 0, in major units),
    on the money scale the difference."""
    first, second = window.halves()

    def net(part: Window, name: str) -> pl.DataFrame:
        inside = client_lines.filter((pl.col("at") >= part.start) & (pl.col("at") < part.end))
        return inside.group_by("customer").agg(
            pl.col("amount_minor").sum().alias(name), (pl.col("kind") == "sale").any().alias(f"{name}_bought")
        )

    before = net(first, "before_minor").filter(pl.col("before_minor_bought"))
    joined = before.join(net(second, "after_minor"), on="customer", how="left").with_columns(
        pl.col("after_minor").fill_null(0)
    )
    value = pl.col("after_minor") - pl.col("before_minor")
    target = (
        signed_log(pl.col("after_minor")) - signed_log(pl.col("before_minor"))
        if scale == "log"
        else value.cast(pl.Float64)
    )
    return joined.select(
        "customer", "before_minor", "after_minor", value.alias("value_minor"), target.alias("target")
    ).sort("customer")


def analyze_drivers(
    history: History,
    *,
    target: Target = "volume",
    scale: Scale = "log",
    depth: int = DEFAULT_DEPTH,
    start: date | None = None,
    end: date | None = None,
    clients: pl.DataFrame | None = None,
    payments: pl.DataFrame | None = None,
    sleeping_days: int = SLEEPING_DAYS,
    lost_days: int = LOST_DAYS,
    list_size: int = LIST_SIZE,
    potential_factor: float = POTENTIAL_FACTOR,
    seed: int = 0,
) -> DriversResult:
    """The whole analysis over the window ``start..end`` (days, both included; default: the history's span)."""
    if target not in TARGETS:
        raise InvalidInput(f"the target is volume or growth, not {target!r}", code="invalid_target", field="target")
    if scale not in SCALES:
        raise InvalidInput(f"the scale is log or money, not {scale!r}", code="invalid_scale", field="scale")
    check_depth(depth)
    check_days(sleeping_days, lost_days)
    lines = history.client_lines
    window = Window.of(lines, start, end)
    features = client_features(lines, window, clients=clients, payments=payments)
    if features.height == 0:
        raise InvalidInput(f"no client bought in the window {window.label()}", code="empty_window", field="window")
    currency = history.currency
    volume = fit_tree(features, volume_target(features, scale), depth=depth, seed=seed, currency=currency)
    if target == "volume":
        fitted_on, targets, fit = features, volume_target(features, scale), volume
    else:
        fitted_on = client_features(lines, window.halves()[0], clients=clients, payments=payments)
        targets = growth_target(lines, window, scale)
        fit = fit_tree(fitted_on, targets, depth=depth, seed=seed, currency=currency)
    top, bottom, basis = gross_profit_lists(features, list_size)
    sleeping, lost = sleeping_and_lost(lines, window.as_of, sleeping_days=sleeping_days, lost_days=lost_days)
    return DriversResult(
        window=window,
        target=target,
        scale=scale,
        currency=history.currency,
        features=fitted_on,
        targets=targets,
        fit=fit,
        volume_fit=volume,
        depths=depth_check(fitted_on, targets, seed=seed),
        basis=basis,
        top_profit=top,
        bottom_profit=bottom,
        high_potential=high_potential(
            features, volume.assignments, volume.leaves, lost_days=lost_days, factor=potential_factor
        ),  # fmt: skip
        sleeping=sleeping,
        lost=lost,
        sleeping_days=sleeping_days,
        lost_days=lost_days,
        potential_factor=potential_factor,
        notes=_notes(history, features, clients, payments),
    )


def _notes(
    history: History, features: pl.DataFrame, clients: pl.DataFrame | None, payments: pl.DataFrame | None
) -> list[str]:
    notes = []
    if not any(c.startswith("category_share:") for c in features.columns):
        notes.append(
            "Category mix is left out: the history has no product categories (the UCI data has none, and its stock "
            "codes' leading digits are numbering ranges that mix every kind of goods, not product families)."
        )
    if clients is None or "industry" not in clients.columns:
        notes.append("Industry is left out: no client attributes with an industry were given (--clients FILE).")
    if payments is None:
        notes.append("Payment discipline is left out: no payments were given (--payments FILE).")
    without = history.rows_without_customer
    if without:
        notes.append(f"{without:,} line(s) without a customer are left out of every per-client figure.")
    return notes


__all__ = ["MIN_ORDERS", "TARGETS", "DriversResult", "Target", "analyze_drivers", "growth_target", "volume_target"]
