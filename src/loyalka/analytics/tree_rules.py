"""A fitted tree's leaves as readable rules: "orders a month ≥ 2.1 and region is not United Kingdom".

The conditions on one feature along a leaf's path are merged into one (a range); one-hot columns read as
"region is France" / "region is not France, Germany"; integer features (products, days, money in minor units)
get integer bounds; money is shown in major units; shares in percent. A NaN (a client no payments file covers)
goes where sklearn sends it, said as "(or unknown)".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from sklearn.tree import DecisionTreeRegressor

LABELS = {
    "orders_per_month": "orders a month",
    "breadth": "products bought",
    "avg_check_minor": "average check",
    "tenure_months": "months since the first order",
    "returns_share": "returns share",
    "recency_days": "days since the last order",
    "late_payment_share": "share of invoices paid late",
    "days_late_mean": "mean days late",
}
INTEGERS = ("breadth", "avg_check_minor", "recency_days")
MAY_BE_UNKNOWN = ("late_payment_share", "days_late_mean")  # NaN for a client the payments file does not cover
SHARES = ("returns_share", "late_payment_share")


@dataclass
class _Bounds:
    low: float | None = None  # x > low
    high: float | None = None  # x <= high
    unknown: bool | None = None  # NaN goes this way (None: the path never decided)
    is_level: str | None = None
    not_levels: list[str] = field(default_factory=list)


def leaf_rules(model: DecisionTreeRegressor, names: list[str], currency: str = "") -> dict[int, str]:
    """node id of each leaf -> its rule ("every client" for a tree without a split); money followed by
    ``currency``."""
    tree = model.tree_
    rules: dict[int, str] = {}

    def walk(node: int, path: list[tuple[int, bool, bool]]) -> None:
        left, right = int(tree.children_left[node]), int(tree.children_right[node])
        if left == right:  # a leaf
            rules[node] = render(path, names, tree, currency)
            return
        missing_left = bool(tree.missing_go_to_left[node])
        walk(left, [*path, (node, True, missing_left)])
        walk(right, [*path, (node, False, not missing_left)])

    walk(0, [])
    return rules


def render(path: list[tuple[int, bool, bool]], names: list[str], tree, currency: str = "") -> str:  # type: ignore[no-untyped-def]
    bounds: dict[str, _Bounds] = {}
    order: list[str] = []
    for node, went_left, with_missing in path:
        name = names[int(tree.feature[node])]
        threshold = float(tree.threshold[node])
        base, _, level = name.partition("=")
        if base not in bounds:
            bounds[base] = _Bounds()
            order.append(base)
        bound = bounds[base]
        if level:
            if went_left:
                bound.not_levels.append(level)
            else:
                bound.is_level = level
            continue
        if went_left:
            bound.high = threshold if bound.high is None else min(bound.high, threshold)
        else:
            bound.low = threshold if bound.low is None else max(bound.low, threshold)
        if base in MAY_BE_UNKNOWN:
            bound.unknown = with_missing if bound.unknown is None else bound.unknown and with_missing
    parts = [_phrase(base, bounds[base], currency) for base in order]
    return " and ".join(parts) if parts else "every client"


def _phrase(base: str, bound: _Bounds, currency: str) -> str:
    if bound.is_level is not None:
        return f"{base} is {bound.is_level}"
    if bound.not_levels:
        return f"{base} is not {', '.join(sorted(bound.not_levels))}"
    label = _label(base)
    low, high = bound.low, bound.high
    if (base in SHARES or base.startswith("category_share:")) and low is None and high is not None and high < 0.0005:
        text = f"{label} = 0%"  # shares are never negative: at most a hair above none is none
        return f"{text} (or unknown)" if bound.unknown else text
    if base in INTEGERS:  # x > 12.5 means x >= 13; x <= 12.5 means x <= 12
        lo = None if low is None else math.floor(low) + 1
        hi = None if high is None else math.floor(high)
        text = _range(label, None if lo is None else _value(base, lo), None if hi is None else _value(base, hi),
                      inclusive_low=True)  # fmt: skip
    else:
        text = _range(label, None if low is None else _value(base, low), None if high is None else _value(base, high),
                      inclusive_low=False)  # fmt: skip
    if base == "avg_check_minor" and currency:
        text = f"{text} {currency}"
    return f"{text} (or unknown)" if bound.unknown else text


def _range(label: str, low: str | None, high: str | None, *, inclusive_low: bool) -> str:
    above = "≥" if inclusive_low else ">"
    if low is not None and high is not None:
        return f"{label} {above} {low} and ≤ {high}"
    if low is not None:
        return f"{label} {above} {low}"
    return f"{label} ≤ {high}"


def _label(base: str) -> str:
    if base.startswith("category_share:"):
        return f"share of {base.split(':', 1)[1]} in sales"
    return LABELS.get(base, base)


def _value(base: str, value: float) -> str:
    if base == "avg_check_minor":
        return f"{Decimal(int(value)) / 100:.2f}"
    if base in INTEGERS:
        return str(int(value))
    if base in SHARES or base.startswith("category_share:"):
        return "0%" if abs(value) < 0.0005 else f"{value * 100:.1f}%"  # a split between none and some
    return f"{value:.2f}"
