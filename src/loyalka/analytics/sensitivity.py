"""Sensitivity of the ROI (seed 002: "change X, Y, V and see how the ROI moves"): one input at a time between a low
and a high value (a tornado), and two inputs on a grid (a two-way table).

By default each input moves ±50% of its base value (``spread``); ``ranges`` gives an input its own low and high.
Values leave their domain clamped (see ``roi.with_value``): a churn cut never exceeds the churn, the horizon is a
whole number of years, rates stay within 0..100%.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import polars as pl
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from loyalka.analytics.roi import RoiInputs, percent, seed_model, sound_model, with_value
from loyalka.errors import InvalidInput

# name -> (the seed's letter or a label, what it is); the order of the tables when swings tie
PARAMETERS: dict[str, tuple[str, str]] = {
    "churn_cut": ("X", "churn cut"),
    "uplift": ("Y", "revenue uplift"),
    "cost": ("V", "yearly cost"),
    "churn": ("W", "churn"),
    "revenue": ("Z", "yearly revenue per client"),
    "years": ("N", "years"),
    "margin": ("margin", "gross margin"),
    "discount": ("discount", "discount rate"),
    "setup": ("setup", "one-off setup cost"),
}
LETTERS = {letter.lower(): name for name, (letter, _) in PARAMETERS.items()}
SEED_INPUTS = ("churn_cut", "uplift", "cost", "churn", "revenue", "years")  # what the seed's model has
RATES = ("churn_cut", "uplift", "churn", "margin", "discount")
METRICS = ("roi", "npv")


def parameter(name: str) -> str:
    """A parameter by its name or the seed's letter (x, y, v, w, z, n)."""
    key = name.strip().lower().replace("-", "_")
    key = LETTERS.get(key, key)
    if key not in PARAMETERS:
        known = ", ".join(f"{n} ({letter})" if letter != n else n for n, (letter, _) in PARAMETERS.items())
        raise InvalidInput(f"no input {name!r}; known: {known}", code="unknown_parameter", field="parameter")
    return key


def default_parameters(i: RoiInputs) -> list[str]:
    """The seed's six inputs, and margin, discount and setup when they are in use (moving a zero does nothing)."""
    extra = [n for n, used in (("margin", i.margin < 1), ("discount", i.discount > 0), ("setup", i.setup > 0)) if used]
    return [*SEED_INPUTS, *extra]


def base_value(i: RoiInputs, name: str) -> Decimal:
    return Decimal(getattr(i, name))


def bounds(
    i: RoiInputs, name: str, spread: Decimal, ranges: Mapping[str, tuple[Decimal, Decimal]] | None = None
) -> tuple[Decimal, Decimal]:
    if ranges and name in ranges:
        low, high = ranges[name]
        if low > high:
            raise InvalidInput(
                f"{name}: the low value {low} is above the high {high}", code="invalid_range", field=name
            )
        return low, high
    base = base_value(i, name)
    return base * (1 - spread), base * (1 + spread)


def metric_of(i: RoiInputs, metric: str) -> Decimal:
    result = sound_model(i)
    return result.roi if metric == "roi" else result.npv


@dataclass(frozen=True, slots=True)
class TornadoRow:
    name: str
    base: Decimal
    low: Decimal  # the input's values, after clamping
    high: Decimal
    at_low: Decimal  # the metric of the sound model there
    at_high: Decimal
    seed_at_low: Decimal | None  # the seed's ROI there (None: not an input of the seed's model)
    seed_at_high: Decimal | None

    @property
    def swing(self) -> Decimal:
        return abs(self.at_high - self.at_low)


def tornado(
    i: RoiInputs,
    *,
    spread: Decimal = Decimal("0.5"),
    ranges: Mapping[str, tuple[Decimal, Decimal]] | None = None,
    names: Sequence[str] | None = None,
    metric: str = "roi",
) -> list[TornadoRow]:
    """Each input alone at its low and high value, the others at base; the widest swing first."""
    if metric not in METRICS:
        raise InvalidInput(f"metric must be one of {', '.join(METRICS)}", code="invalid_metric", field="metric")
    _check_spread(spread)
    ranges = _named(ranges)
    rows = []
    for name in [parameter(n) for n in names] if names else default_parameters(i):
        low, high = bounds(i, name, spread, ranges)
        at_low, at_high = with_value(i, name, low), with_value(i, name, high)
        seed = name in SEED_INPUTS
        rows.append(
            TornadoRow(
                name=name,
                base=base_value(i, name),
                low=base_value(at_low, name),
                high=base_value(at_high, name),
                at_low=metric_of(at_low, metric),
                at_high=metric_of(at_high, metric),
                seed_at_low=seed_model(at_low).roi if seed else None,
                seed_at_high=seed_model(at_high).roi if seed else None,
            )
        )
    order = list(PARAMETERS)
    return sorted(rows, key=lambda r: (-r.swing, order.index(r.name)))


def grid_values(
    i: RoiInputs, name: str, spread: Decimal, steps: int, ranges: Mapping[str, tuple[Decimal, Decimal]] | None = None
) -> list[Decimal]:
    """``steps`` evenly spaced values from the low to the high bound (the base in the middle when steps is odd)."""
    if not 2 <= steps <= 21:
        raise InvalidInput("a two-way table has 2 to 21 steps per side", code="invalid_steps", field="steps")
    low, high = bounds(i, name, spread, ranges)
    values = [low + (high - low) * k / (steps - 1) for k in range(steps)]
    return [base_value(with_value(i, name, v), name) for v in values]


def two_way(
    i: RoiInputs,
    rows: str = "churn_cut",
    cols: str = "uplift",
    *,
    spread: Decimal = Decimal("0.5"),
    steps: int = 5,
    ranges: Mapping[str, tuple[Decimal, Decimal]] | None = None,
    model: str = "sound",
    metric: str = "roi",
) -> pl.DataFrame:
    """The metric over a grid of two inputs: a row per value of ``rows``, a column per value of ``cols``. ROI in
    percent (2 places); NPV in major units. ``model="seed"`` fills it with the seed's ROI instead."""
    rows, cols, ranges = parameter(rows), parameter(cols), _named(ranges)
    if rows == cols:
        raise InvalidInput("a two-way table needs two different inputs", code="invalid_grid", field="grid")
    if model == "seed" and not {rows, cols} <= set(SEED_INPUTS):
        raise InvalidInput("the seed's model has only X, Y, V, W, Z and N", code="invalid_grid", field="grid")
    _check_spread(spread)
    row_values = grid_values(i, rows, spread, steps, ranges)
    col_values = grid_values(i, cols, spread, steps, ranges)
    corner = f"{PARAMETERS[rows][0]} \\ {PARAMETERS[cols][0]}"  # "X \ Y": rows are X, columns Y
    data: dict[str, list[object]] = {corner: [label(rows, v) for v in row_values]}
    for c in col_values:
        column = []
        for r in row_values:
            point = with_value(with_value(i, rows, r), cols, c)
            if model == "seed":
                column.append(percent(seed_model(point).roi))
            elif metric == "npv":
                column.append(sound_model(point).npv.quantize(Decimal("0.01")))
            else:
                column.append(percent(sound_model(point).roi))
        data[f"{PARAMETERS[cols][0]}={label(cols, c)}"] = column
    return pl.DataFrame(data, strict=False)


def label(name: str, value: Decimal) -> str:
    if name in RATES:
        return f"{percent(value, 2).normalize():f}%"
    if name == "years":
        return str(int(value))
    return f"{value.quantize(Decimal('0.01')).normalize():,f}".replace(",", " ")


def tornado_frame(rows: list[TornadoRow], metric: str) -> pl.DataFrame:
    def shown(value: Decimal) -> Decimal:
        return percent(value) if metric == "roi" else value.quantize(Decimal("0.01"))

    suffix = "roi_pct" if metric == "roi" else "npv"
    return pl.DataFrame(
        {
            "input": [f"{PARAMETERS[r.name][0]} ({PARAMETERS[r.name][1]})" for r in rows],
            "base": [label(r.name, r.base) for r in rows],
            "low": [label(r.name, r.low) for r in rows],
            "high": [label(r.name, r.high) for r in rows],
            f"{suffix}_at_low": [shown(r.at_low) for r in rows],
            f"{suffix}_at_high": [shown(r.at_high) for r in rows],
            f"{suffix}_swing": [shown(r.swing) for r in rows],
            "seed_roi_pct_at_low": [None if r.seed_at_low is None else percent(r.seed_at_low) for r in rows],
            "seed_roi_pct_at_high": [None if r.seed_at_high is None else percent(r.seed_at_high) for r in rows],
        },
        strict=False,
    )


def tornado_chart(rows: list[TornadoRow], base: Decimal, metric: str, title: str) -> Figure:
    """Horizontal bars from the base value of the metric to its value at each input's low and high."""
    scale = 100 if metric == "roi" else 1
    figure = Figure(figsize=(7.5, 0.45 * len(rows) + 1.4))
    axes = figure.add_subplot()
    centre = float(base) * scale
    for y, row in enumerate(reversed(rows)):
        for value, colour in ((row.at_low, "#4c72b0"), (row.at_high, "#dd8452")):
            v = float(value) * scale
            axes.barh(y, v - centre, left=centre, color=colour, height=0.6)
    axes.set_yticks(
        range(len(rows)),
        [f"{PARAMETERS[r.name][0]}  {label(r.name, r.low)} … {label(r.name, r.high)}" for r in reversed(rows)],
    )
    axes.axvline(centre, color="#333333", linewidth=1)
    axes.set_xlabel("ROI, %" if metric == "roi" else "NPV")
    axes.set_title(title, fontsize=10)
    axes.legend(
        handles=[Patch(color=c) for c in ("#4c72b0", "#dd8452")],
        labels=["input at its low value", "input at its high value"],
        loc="lower right",
        fontsize=8,
    )
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    return figure


def _named(ranges: Mapping[str, tuple[Decimal, Decimal]] | None) -> dict[str, tuple[Decimal, Decimal]]:
    return {parameter(name): bounds for name, bounds in (ranges or {}).items()}


def _check_spread(spread: Decimal) -> None:
    if not 0 < spread <= 1:
        raise InvalidInput("the spread is above 0% and at most 100%", code="invalid_spread", field="spread")
