"""Seed 002's sensitivity analysis: the tornado and the two-way table, their corners computed by hand."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from loyalka.analytics.roi import SEED_EXAMPLE
from loyalka.analytics.sensitivity import default_parameters, parameter, tornado, tornado_frame, two_way
from loyalka.errors import InvalidInput


def test_the_tornado_moves_each_input_half_its_value_either_way_widest_swing_first() -> None:
    rows = tornado(SEED_EXAMPLE)
    assert [r.name for r in rows] == ["cost", "revenue", "churn_cut", "uplift", "years", "churn"]
    cost = rows[0]
    assert (cost.low, cost.high) == (D(10000), D(30000))
    # V = 10 000: three years cost 30 000, ROI = (54 186.25 - 30 000) / 30 000; V = 30 000: 90 000
    assert abs(cost.at_low - (D("54186.25") - 30000) / 30000) < D("1e-25")
    assert abs(cost.at_high - (D("54186.25") - 90000) / 90000) < D("1e-25")
    # the seed's ROI at V = 10 000 and 30 000: (28 500 - V) / V
    assert (cost.seed_at_low, cost.seed_at_high) == (D("1.85"), D("-0.05"))
    years = next(r for r in rows if r.name == "years")
    assert (years.low, years.high) == (2, 5)  # 1.5 and 4.5 rounded half up


def test_the_tornado_frame_shows_roi_in_percent() -> None:
    frame = tornado_frame(tornado(SEED_EXAMPLE), "roi")
    first = frame.row(0, named=True)
    assert first["input"] == "V (yearly cost)"
    assert (first["roi_pct_at_low"], first["roi_pct_at_high"]) == (D("80.62"), D("-39.79"))
    assert (first["seed_roi_pct_at_low"], first["seed_roi_pct_at_high"]) == (D("185.00"), D("-5.00"))


def test_margin_discount_and_setup_join_the_tornado_when_they_are_used() -> None:
    used = SEED_EXAMPLE.__class__(**{**_fields(SEED_EXAMPLE), "margin": D("0.3"), "discount": D("0.12")})
    assert default_parameters(SEED_EXAMPLE) == ["churn_cut", "uplift", "cost", "churn", "revenue", "years"]
    assert default_parameters(used)[-2:] == ["margin", "discount"]
    rows = {r.name: r for r in tornado(used, metric="npv")}
    assert rows["margin"].seed_at_low is None and rows["margin"].at_high > rows["margin"].at_low


def test_the_two_way_table_corners_of_the_seeds_model() -> None:
    table = two_way(SEED_EXAMPLE, "churn_cut", "uplift", model="seed")
    assert table.columns == ["X \\ Y", "Y=5%", "Y=7.5%", "Y=10%", "Y=12.5%", "Y=15%"]
    assert table["X \\ Y"].to_list() == ["2.5%", "3.75%", "5%", "6.25%", "7.5%"]
    # gain = Z*Y*N*(1 - W + X): 15 000 * 0.925 = 13 875 -> (13 875 - 20 000) / 20 000 = -30.625%
    assert table["Y=5%"][0] == D("-30.63")
    assert table["Y=15%"][0] == D("108.13")  # 45 000 * 0.925 = 41 625
    assert table["Y=5%"][4] == D("-26.88")  # 15 000 * 0.975 = 14 625
    assert table["Y=15%"][4] == D("119.38")  # 45 000 * 0.975 = 43 875
    assert table["Y=10%"][2] == D("42.50")  # the middle is the seed's example


def test_the_two_way_table_corners_of_the_sound_model() -> None:
    table = two_way(SEED_EXAMPLE, "churn_cut", "uplift")
    # X = 2.5%, Y = 5%: 105 000 * (0.925 + 0.855625 + 0.791453125) - 243 900 = 26 168.203125 -> -56.39%
    assert table["Y=5%"][0] == D("-56.39")
    # X = 7.5%, Y = 15%: 115 000 * (0.975 + 0.950625 + 0.926859375) - 243 900 = 84 135.703125 -> 40.23%
    assert table["Y=15%"][4] == D("40.23")
    assert table["Y=10%"][2] == D("-9.69")


def test_ranges_and_steps_are_configurable() -> None:
    table = two_way(SEED_EXAMPLE, "v", "n", steps=3, ranges={"cost": (D(10000), D(40000))})
    assert table.columns == ["V \\ N", "N=2", "N=3", "N=5"]
    assert table["V \\ N"].to_list() == ["10 000", "25 000", "40 000"]
    rows = tornado(SEED_EXAMPLE, spread=D("0.2"), names=["uplift"])
    assert (rows[0].low, rows[0].high) == (D("0.08"), D("0.12"))


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: two_way(SEED_EXAMPLE, "x", "x"), "invalid_grid"),
        (lambda: two_way(SEED_EXAMPLE, "x", "margin", model="seed"), "invalid_grid"),
        (lambda: two_way(SEED_EXAMPLE, steps=1), "invalid_steps"),
        (lambda: tornado(SEED_EXAMPLE, spread=D(0)), "invalid_spread"),
        (lambda: tornado(SEED_EXAMPLE, metric="irr"), "invalid_metric"),
        (lambda: tornado(SEED_EXAMPLE, ranges={"cost": (D(5), D(1))}, names=["cost"]), "invalid_range"),
        (lambda: parameter("q"), "unknown_parameter"),
    ],
)
def test_bad_sensitivity_settings_are_refused(call, code: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as refused:
        call()
    assert refused.value.code == code


def _fields(i):  # type: ignore[no-untyped-def]
    return {name: getattr(i, name) for name in i.__slots__}
