"""Seed 001: a discount vs a bonus at a 30% markup, every number checked by hand."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from loyalka.analytics.economics import Offer, costs, curve, equivalent_bonus_rate, seed_001_readings, table
from loyalka.errors import InvalidInput

OFFER = Offer(markup=D("0.30"), rate=D("0.10"), redemption=D("0.70"))


def test_a_10_percent_discount_at_a_30_percent_markup_takes_43_3_percent_of_the_margin() -> None:
    # price 130 for a cost of 100: margin 30 (23.08% of the price); the discount is 13, 13/30 of the margin
    discount = costs(OFFER)[0]
    assert discount.of_sale == D("0.10")
    assert discount.of_margin == D("0.13") / D("0.30")
    assert discount.margin_left == D("0.3") / D("1.3") - D("0.1")  # 17 of 130


def test_a_10_percent_bonus_with_70_percent_redeemed_costs_7_percent_of_the_sale_at_face_value() -> None:
    face, goods = costs(OFFER)[1:]
    assert face.of_sale == D("0.07")
    assert face.of_margin == D("0.07") * D("1.3") / D("0.3")  # 9.1 of 30 = 30.33%
    assert goods.of_sale == D("0.07") / D("1.3")  # the goods behind 7 of price cost 7/1.3 = 5.38
    assert goods.of_margin == D("0.07") / D("0.3")  # 23.33%
    assert OFFER.breakage == D("0.30")


def test_the_table_shows_the_hand_computed_shares() -> None:
    frame = table(OFFER)
    assert frame["mechanic"].to_list() == ["discount", "bonus, points at face value", "bonus, points at cost of goods"]
    assert frame["cost_of_sale_share"].to_list() == [D("0.1"), D("0.07"), D("0.053846")]
    assert frame["cost_of_margin_share"].to_list() == [D("0.433333"), D("0.303333"), D("0.233333")]
    assert frame["margin_left_share"].to_list() == [D("0.130769"), D("0.160769"), D("0.176923")]
    assert frame["redemption_rate"].to_list() == [None, D("0.7"), D("0.7")]


def test_a_bonus_of_14_29_percent_costs_what_a_10_percent_discount_costs() -> None:
    assert equivalent_bonus_rate(OFFER) == D("0.10") / D("0.70")
    assert equivalent_bonus_rate(Offer(D("0.3"), D("0.1"), D(0))) is None


def test_seed_001s_32_5_percent_comes_only_from_adding_the_markup_and_the_discount() -> None:
    plain, on_price, seed = seed_001_readings()
    assert plain[2] == D("0.13") / D("0.3")  # 43.33%: the right figure
    assert on_price[2] == D("0.1") / D("0.3")  # 33.33% if "30%" were a margin on the price
    assert seed[2] == D("0.325")  # 13 / (30 + 10)
    assert plain[2] > seed[2] and on_price[2] > seed[2]  # "at least 32.5%" holds, the figure does not


def test_the_curve_reaches_the_whole_margin_at_23_percent_for_a_discount() -> None:
    data = curve(OFFER)
    assert data["offer_rate"][0] == 0 and data["offer_rate"][-1] == D("0.25")
    assert data.height == 51
    crossing = data.filter(data["discount_margin_share"] >= 1)["offer_rate"][0]
    assert crossing == D("0.235")  # the first step past 0.3/1.3 = 23.08%


@pytest.mark.parametrize(
    ("markup", "rate", "redemption", "field"),
    [
        (D(0), D("0.1"), D("0.7"), "markup"),
        (D("0.3"), D("-0.1"), D("0.7"), "rate"),
        (D("0.3"), D("1.1"), D("0.7"), "rate"),
        (D("0.3"), D("0.1"), D("1.2"), "redemption"),
    ],
)
def test_bad_rates_are_refused(markup: D, rate: D, redemption: D, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        Offer(markup, rate, redemption)
    assert refused.value.field == field
