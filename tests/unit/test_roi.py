"""Seed 002's ROI: its worked example to the ruble, its printed formula's own result, and the sound model on cases
computed by hand."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from loyalka.analytics.roi import (
    SEED_EXAMPLE,
    RoiInputs,
    parse_rate,
    percent,
    printed_formula,
    seed_model,
    sound_model,
    to_minor,
    with_value,
)
from loyalka.errors import InvalidInput


def inputs(**changes: object) -> RoiInputs:
    return replace(SEED_EXAMPLE, **changes)  # type: ignore[arg-type]


# --- the seed's figures --------------------------------------------------------------------------------------
def test_the_seeds_worked_example_gains_28500_rub_and_an_roi_of_42_5_percent() -> None:
    seed = seed_model(SEED_EXAMPLE)
    assert seed.gain == D(28500)
    assert seed.roi == D("0.425")


def test_the_formula_as_printed_gives_minus_1200_with_the_seeds_own_substitution() -> None:
    # (100 000 * 10/100) * 3 * (1 - 10 + 5)/100 = 10 000 * 3 * (-4)/100 = -1 200
    literal, mixed = printed_formula(SEED_EXAMPLE)
    assert literal == D(-1200)
    # with W and X as fractions: 10 000 * 3 * (1 - 0.10 + 0.05)/100 = 285
    assert mixed == D(285)
    seed = seed_model(SEED_EXAMPLE)
    assert seed.printed_roi == D("-1.06")  # (-1 200 - 20 000) / 20 000
    assert seed.mixed_roi == D("-0.98575")  # (285 - 20 000) / 20 000


def test_the_seeds_gain_is_the_formula_without_its_last_division_by_100() -> None:
    i = SEED_EXAMPLE
    assert seed_model(i).gain == (i.revenue * i.uplift) * i.years * (1 - i.churn + i.churn_cut)
    assert seed_model(i).gain == printed_formula(i)[1] * 100


# --- the sound model ----------------------------------------------------------------------------------------
def test_the_sound_model_on_the_seeds_inputs_counts_kept_clients_and_three_years_of_cost() -> None:
    # without: 100 000 * (0.9 + 0.81 + 0.729) = 243 900; with: 110 000 * (0.95 + 0.9025 + 0.857375) = 298 086.25
    result = sound_model(SEED_EXAMPLE)
    assert [r.revenue_without for r in result.years] == [D(90000), D(81000), D(72900)]
    assert [r.revenue_with for r in result.years] == [D(104500), D("99275"), D("94311.25")]
    assert result.gain == D("54186.25")
    assert result.retention_gain == D("27087.5")  # 100 000 * (0.05 + 0.0925 + 0.128375)
    assert result.uplift_gain == D("27098.75")  # 10 000 * 2.709875
    assert result.cost == D(60000)
    assert result.net == D("-5813.75")
    assert result.npv == result.net
    assert abs(result.roi - D("-5813.75") / D(60000)) < D("1e-25")
    assert percent(result.roi) == D("-9.69")
    assert result.payback_month is None
    assert to_minor(result.break_even_cost) == 1806208  # 54 186.25 / 3: it pays only under 18 062.08 a year


def test_on_a_30_percent_margin_the_seeds_program_loses_73_percent() -> None:
    result = sound_model(inputs(margin=D("0.30")))
    assert result.gain == D("16255.875")
    assert result.net == D("-43744.125")
    assert result.roi == D("-0.72906875")
    assert result.break_even_cost == D("5418.625")


def test_a_program_earning_1000_a_month_for_a_6000_yearly_cost_pays_back_in_month_6() -> None:
    result = sound_model(RoiInputs(D(120000), 1, D(0), D(0), D("0.10"), D(6000)))
    assert [m.gain for m in result.months] == [D(1000)] * 12
    assert result.payback_month == 6
    assert result.roi == D(1)


def test_a_payback_undone_by_the_next_years_cost_is_not_a_payback() -> None:
    # 1 000 a month; 9 000 paid at the start of each year: even in month 9, back below zero in month 13,
    # even again in month 18 and above zero from then on
    result = sound_model(RoiInputs(D(120000), 2, D(0), D(0), D("0.10"), D(9000)))
    assert result.months[8].cumulative == 0 and result.months[12].cumulative == D(-5000)
    assert result.payback_month == 18
    # 12 000 a year: the cumulative is zero at the end of each year only
    assert sound_model(RoiInputs(D(120000), 2, D(0), D(0), D("0.10"), D(12000))).payback_month == 24


def test_a_setup_cost_is_paid_once_at_the_start() -> None:
    result = sound_model(RoiInputs(D(120000), 2, D(0), D(0), D("0.10"), D(6000), setup=D(12000)))
    assert [r.cost for r in result.years] == [D(18000), D(6000)]
    assert result.net == D(24000 - 24000)
    assert result.payback_month == 24
    assert result.break_even_cost == D(6000)  # (24 000 of gains - 12 000 of setup) / 2 years


def test_discounting_values_each_month_at_its_own_time() -> None:
    # one year, 1 000 at the end of each month, 6 000 at the start; v = 1.12^(-1/12):
    # PV(gains) = 1 000 * v * (1 - v^12) / (1 - v)
    result = sound_model(RoiInputs(D(120000), 1, D(0), D(0), D("0.10"), D(6000), discount=D("0.12")))
    v = D("1.12") ** (D(-1) / 12)
    expected = 1000 * v * (1 - v**12) / (1 - v)
    assert abs(result.present_gain - expected) < D("1e-20")
    assert result.present_cost == D(6000)
    # v^12 = 1/1.12, so PV(gains) = 1 000 * v * (1 - 1/1.12) / (1 - v) = 11 291.52
    assert to_minor(result.npv) == to_minor(expected - 6000) == 529152
    assert abs(result.roi - result.npv / D(6000)) < D("1e-25")
    # discounted, six months of 1 000 are worth 5 8xx < 6 000: the payback moves from month 6 to month 7
    six = sum(1000 * v**m for m in range(1, 7))
    assert six < 6000 < six + 1000 * v**7
    assert result.payback_month == 7


def test_discounted_costs_of_later_years_are_worth_less() -> None:
    result = sound_model(RoiInputs(D(120000), 2, D(0), D(0), D("0.10"), D(6000), discount=D("0.10")))
    assert abs(result.present_cost - (6000 + D(6000) / D("1.1"))) < D("1e-20")
    # the break-even V spreads the present gains over the present value of one V a year: 1 + 1/1.1
    assert abs(result.break_even_cost - result.present_gain / (1 + 1 / D("1.1"))) < D("1e-20")


def test_a_higher_churn_cut_or_uplift_always_helps() -> None:
    base = sound_model(SEED_EXAMPLE).roi
    assert sound_model(inputs(churn_cut=D("0.06"))).roi > base
    assert sound_model(inputs(uplift=D("0.11"))).roi > base


# --- bad input ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"churn": D("1.2")}, "churn", "over 100%"),
        ({"years": 0}, "years", "from 1 to 50"),
        ({"years": 51}, "years", "from 1 to 50"),
        ({"uplift": D("-0.1")}, "uplift", "negative"),
        ({"churn_cut": D("-0.05")}, "churn_cut", "negative"),
        ({"churn_cut": D("0.15")}, "churn_cut", "churn is only 10%"),
        ({"cost": D(-1)}, "cost", "negative"),
        ({"cost": D(0)}, "cost", "must cost something"),
        ({"margin": D(0)}, "margin", "above 0%"),
        ({"margin": D("1.5")}, "margin", "at most 100%"),
        ({"discount": D("2")}, "discount", "over 100%"),
        ({"uplift": D(11)}, "uplift", "not a forecast"),
    ],
)
def test_bad_inputs_are_refused_with_the_field_at_fault(changes: dict, field: str, words: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        inputs(**changes)
    assert refused.value.field == field and words in refused.value.message


@pytest.mark.parametrize(
    ("text", "code"),
    [("10", "invalid_rate"), ("-5%", "negative_rate"), ("abc%", "invalid_rate"), ("120%", "invalid_rate")],
)
def test_a_rate_needs_its_percent_sign_and_a_sane_value(text: str, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_rate(text, field="w", label="--w (churn)")
    assert refused.value.code == code and refused.value.field == "w"


def test_rates_parse_exactly() -> None:
    assert parse_rate("10%", field="w") == D("0.1")
    assert parse_rate("12,5%", field="w") == D("0.125")
    assert parse_rate("150%", field="y", allow_over_100=True) == D("1.5")


def test_a_varied_input_stays_in_its_domain() -> None:
    assert with_value(SEED_EXAMPLE, "churn_cut", D("0.2")).churn_cut == D("0.10")  # never above the churn
    lowered = with_value(SEED_EXAMPLE, "churn", D("0.04"))
    assert lowered.churn == D("0.04") and lowered.churn_cut == D("0.04")
    assert with_value(SEED_EXAMPLE, "years", D("4.5")).years == 5
    assert with_value(SEED_EXAMPLE, "years", D("0.4")).years == 1
    assert with_value(SEED_EXAMPLE, "churn", D("1.5")).churn == 1
