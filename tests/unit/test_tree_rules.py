"""A fitted tree's leaves read as rules a sales manager can follow."""

from __future__ import annotations

import numpy as np
from sklearn.tree import DecisionTreeRegressor

from loyalka.analytics.tree_rules import leaf_rules


def rules_of(names: list[str], rows: list[list[float]], y: list[float], depth: int = 2) -> list[str]:
    model = DecisionTreeRegressor(max_depth=depth, random_state=0).fit(np.array(rows), np.array(y))
    return sorted(leaf_rules(model, names, "RUB").values())


def test_one_hot_columns_read_as_is_and_is_not_and_integer_bounds_as_whole_numbers() -> None:
    # region Kazan adds 100, a breadth of 20 products instead of 5 adds 10
    rows = [[k, b] for k in (0, 1) for b in (5, 20) for _ in range(3)]
    y = [100 * k + (10 if b == 20 else 0) for k, b in rows]
    assert rules_of(["region=Казань", "breadth"], rows, y) == [
        "region is not Казань and products bought ≤ 12",
        "region is not Казань and products bought ≥ 13",
        "region is Казань and products bought ≤ 12",
        "region is Казань and products bought ≥ 13",
    ]


def test_conditions_on_one_feature_merge_into_a_range_and_money_is_in_major_units() -> None:
    checks = [10_000, 20_001, 40_000]  # thresholds 15,000.5 and 30,000.5 minor units
    rows = [[c] for c in checks for _ in range(2)]
    y = [{10_000: 0, 20_001: 50, 40_000: 10}[c] for (c,) in rows]
    assert rules_of(["avg_check_minor"], rows, y) == [
        "average check ≤ 150.00 RUB",
        "average check ≥ 150.01 and ≤ 300.00 RUB",
        "average check ≥ 300.01 RUB",
    ]


def test_shares_read_in_percent_and_a_client_without_payments_goes_where_the_tree_sends_it() -> None:
    rows = [[0.2], [0.2], [0.8], [0.8], [float("nan")], [float("nan")]]
    y = [0, 0, 100, 100, 100, 100]  # clients without payment data behave like late payers
    assert rules_of(["late_payment_share"], rows, y, depth=1) == [
        "share of invoices paid late > 50.0% (or unknown)",
        "share of invoices paid late ≤ 50.0%",
    ]
    # a split between none and a little: "= 0%" and "> 0%", not "≤ 0.0%"
    assert rules_of(["returns_share"], [[0.0], [0.0], [0.0001], [0.0001]], [0, 0, 5, 5], depth=1) == [
        "returns share = 0%",
        "returns share > 0%",
    ]
    assert rules_of(["returns_share"], [[0.0], [0.0], [0.1], [0.1]], [0, 0, 5, 5], depth=1) == [
        "returns share > 5.0%",
        "returns share ≤ 5.0%",
    ]


def test_a_tree_without_a_split_has_one_rule_for_every_client() -> None:
    assert rules_of(["breadth"], [[1], [2], [3]], [7, 7, 7]) == ["every client"]
