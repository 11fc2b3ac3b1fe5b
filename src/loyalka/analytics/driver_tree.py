"""The decision tree of the driver analysis: which client features explain a target (volume or growth).

A ``DecisionTreeRegressor`` (squared error) of a small depth over the client features. Categorical factors
(region, industry) are one-hot encoded, a column per level (``region=France``); a tree's importances are summed
per factor so they speak of the original factor. A factor with a single level (industry when no attributes
were given) is left out. Clients are sorted by customer before a fixed-seed split into a fitted part (75%) and
a held-out part (25%), so two runs give the same tree; the tree shown is the one fitted on the 75% and scored
on the 25% (R²), and its leaves are then applied to every client.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeRegressor

from loyalka.analytics.client_features import CATEGORICAL, FACTORS, factor_of
from loyalka.analytics.tree_rules import leaf_rules
from loyalka.errors import InvalidInput

DEPTHS = range(1, 9)  # deeper than 8 (up to 256 leaves) no rule list stays readable
DEFAULT_DEPTH = 3
HELD_OUT = 0.25
MIN_CLIENTS = 20


@dataclass(frozen=True)
class Design:
    """The model's matrix: a row per client, a float column per feature (one-hot levels included)."""

    customers: list[str]
    names: list[str]
    matrix: np.ndarray


@dataclass
class TreeFit:
    model: DecisionTreeRegressor
    design: Design
    depth: int
    min_leaf: int
    seed: int
    n_fitted: int
    n_held_out: int
    r2_fitted: float | None
    r2_held_out: float | None
    importances: pl.DataFrame  # feature, factor, importance_share
    factors: pl.DataFrame  # factor, importance_share, sorted by importance
    leaves: pl.DataFrame  # leaf, rule, clients, client_share, median_minor, mean_minor, total_minor (of value_minor)
    assignments: pl.DataFrame  # customer, leaf


def check_depth(depth: int) -> None:
    if depth not in DEPTHS:
        raise InvalidInput(f"the tree's depth must be {DEPTHS.start} to {DEPTHS.stop - 1}, not {depth}",
                           code="invalid_depth", field="depth")  # fmt: skip


def design(features: pl.DataFrame) -> Design:
    """Numeric features as they are; each categorical factor with two or more levels one-hot encoded."""
    frame = features.sort("customer")
    columns: list[pl.Series] = []
    for name in frame.columns:
        base = name.split(":", 1)[0] + (":" if ":" in name else "")
        if base not in FACTORS or name in CATEGORICAL:
            continue
        columns.append(frame[name].cast(pl.Float64))
    for name in CATEGORICAL:
        levels = sorted(frame[name].unique().to_list())
        if len(levels) > 1:
            columns += [(frame[name] == level).cast(pl.Float64).alias(f"{name}={level}") for level in levels]
    matrix = np.column_stack([c.to_numpy() for c in columns]) if columns else np.empty((frame.height, 0))
    return Design(frame["customer"].to_list(), [c.name for c in columns], matrix)


def fit_tree(
    features: pl.DataFrame, target: pl.DataFrame, *, depth: int = DEFAULT_DEPTH, seed: int = 0, currency: str = ""
) -> TreeFit:
    """Fit the tree of ``target`` over ``features``: ``target`` has ``customer``, ``target`` (a float: what the tree
    fits) and ``value_minor`` (the same in money: what the leaves' figures are given in)."""
    check_depth(depth)
    rows = features.join(target, on="customer", how="inner").sort("customer")
    if rows.height < MIN_CLIENTS:
        raise InvalidInput(f"{rows.height} client(s) in the window: the tree needs at least {MIN_CLIENTS}",
                           code="too_few_clients", field="window")  # fmt: skip
    made = design(rows)
    y = rows["target"].cast(pl.Float64).to_numpy()
    indices = np.arange(rows.height)
    fitted, held_out = train_test_split(indices, test_size=HELD_OUT, random_state=seed)
    min_leaf = min_leaf_of(len(fitted))
    model = DecisionTreeRegressor(max_depth=depth, min_samples_leaf=min_leaf, random_state=seed)
    model.fit(made.matrix[fitted], y[fitted])
    leaf_ids = model.apply(made.matrix)
    assignments = pl.DataFrame({"customer": made.customers, "node": leaf_ids.astype(np.int64)})
    leaves = _leaves(model, made, rows, assignments, currency)
    numbering = dict(zip(leaves["node"], leaves["leaf"], strict=True))
    return TreeFit(
        model=model,
        design=made,
        depth=depth,
        min_leaf=min_leaf,
        seed=seed,
        n_fitted=len(fitted),
        n_held_out=len(held_out),
        r2_fitted=_r2(model, made.matrix[fitted], y[fitted]),
        r2_held_out=_r2(model, made.matrix[held_out], y[held_out]),
        importances=_importances(model, made.names),
        factors=factor_importances(_importances(model, made.names)),
        leaves=leaves.drop("node"),
        assignments=assignments.with_columns(pl.col("node").replace_strict(numbering).alias("leaf")).drop("node"),
    )


def min_leaf_of(n_fitted: int) -> int:
    """Every leaf holds at least 1% of the fitted clients (at least 5): a rule about fewer is an anecdote."""
    return max(5, round(n_fitted * 0.01))


def _r2(model: DecisionTreeRegressor, x: np.ndarray, y: np.ndarray) -> float | None:
    if len(y) < 2 or float(np.var(y)) == 0.0:
        return None  # R² is undefined when the part's target does not vary
    return float(model.score(x, y))


def _importances(model: DecisionTreeRegressor, names: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "feature": names,
            "factor": [factor_of(n) for n in names],
            "importance_share": [float(v) for v in model.feature_importances_],
        },
        schema={"feature": pl.Utf8, "factor": pl.Utf8, "importance_share": pl.Float64},
    ).sort(["importance_share", "feature"], descending=[True, False])


def factor_importances(importances: pl.DataFrame) -> pl.DataFrame:
    """The importances summed per factor (one-hot levels and category shares into their factor)."""
    return (
        importances.group_by("factor")
        .agg(pl.col("importance_share").sum())
        .sort(["importance_share", "factor"], descending=[True, False])
    )


def _leaves(
    model: DecisionTreeRegressor, made: Design, rows: pl.DataFrame, assignments: pl.DataFrame, currency: str
) -> pl.DataFrame:
    rules = leaf_rules(model, made.names, currency)
    stats = (
        assignments.join(rows.select("customer", "value_minor"), on="customer")
        .group_by("node")
        .agg(
            pl.len().cast(pl.Int64).alias("clients"),
            pl.col("value_minor").median().round().cast(pl.Int64).alias("median_minor"),
            pl.col("value_minor").mean().round().cast(pl.Int64).alias("mean_minor"),
            pl.col("value_minor").sum().alias("total_minor"),
        )
    )
    frame = pl.DataFrame(
        {"node": list(rules), "rule": list(rules.values())}, schema={"node": pl.Int64, "rule": pl.Utf8}
    ).join(stats, on="node", how="left")
    frame = frame.with_columns(pl.col("clients", "total_minor").fill_null(0))
    frame = frame.with_columns((pl.col("clients") / rows.height).alias("client_share")).sort(
        ["median_minor", "node"], descending=[True, False], nulls_last=True
    )
    frame = frame.with_row_index("leaf", offset=1).with_columns(pl.col("leaf").cast(pl.Int64))
    return frame.select("leaf", "node", "rule", "clients", "client_share", "median_minor", "mean_minor",
                        "total_minor")  # fmt: skip


def depth_check(features: pl.DataFrame, target: pl.DataFrame, *, seed: int = 0) -> pl.DataFrame:
    """Held-out R² of the tree at every allowed depth, on the same split: the evidence for a depth."""
    rows = []
    for depth in DEPTHS:
        fit = fit_tree(features, target, depth=depth, seed=seed)
        rows.append((depth, fit.leaves.height, fit.r2_fitted, fit.r2_held_out))
    return pl.DataFrame(rows, schema=["depth", "leaves", "r2_fitted", "r2_held_out"], orient="row")
