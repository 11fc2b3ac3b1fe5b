"""Amounts travel as integers in minor units; parse_minor is the one gate from text to integers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalka.domain.money import Money, Points, apply_rate, format_human, format_minor, parse_minor
from loyalka.errors import InvalidInput

NBSP = "\u00a0"


# --- parse_minor: what it accepts --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "minor"),
    [
        ("1234.56", 123456),
        ("1234,56", 123456),
        ("1234.5", 123450),
        ("1234", 123400),
        ("0.01", 1),
        ("0", 0),
        (1234, 123400),
        (0, 0),
        (Decimal("1.5"), 150),
        (Decimal("1234.56"), 123456),
        (Decimal("1E+2"), 10000),
        ("1 000.00", 100000),
        (f"1{NBSP}000,50", 100050),
        ("  12.30  ", 1230),
        ("999999999999999.99", 99999999999999999),
    ],
)
def test_an_amount_in_major_units_becomes_an_integer_of_minor_units(value: object, minor: int) -> None:
    assert parse_minor(value) == minor


def test_a_negative_amount_is_accepted_only_when_allowed() -> None:
    assert parse_minor("-12.50", allow_negative=True) == -1250
    assert parse_minor(-3, allow_negative=True) == -300
    assert parse_minor(Decimal("-0.01"), allow_negative=True) == -1


def test_minus_zero_is_zero_and_not_a_negative_amount() -> None:
    assert parse_minor("-0.00") == 0


def test_money_parse_wraps_the_minor_units_with_the_currency() -> None:
    money = Money.parse("1 234,56", "RUB")
    assert money == Money(123456, "RUB")
    assert str(money) == "1234.56 RUB"


def test_points_print_with_their_kind() -> None:
    assert str(Points(150, "bonus")) == "1.50 bonus"


# --- parse_minor: what it refuses --------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [1.5, 0.1, 1234.0, True, False],
    ids=["float", "float-tenth", "whole-float", "true", "false"],
)
def test_floats_and_booleans_are_refused_because_they_cannot_carry_kopecks_exactly(value: object) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_minor(value, field="total")
    assert info.value.code == "invalid_amount"
    assert info.value.field == "total"


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "",
        "   ",
        "1.234",
        "0.001",
        Decimal("0.001"),
        "1,234.56",
        "1.2.3",
        "1,2,3",
        "+5",
        "12e3",
        "1234567890123456",  # sixteen digits of whole units
        10**15,
        Decimal("NaN"),
        Decimal("Infinity"),
        None,
        [1],
        b"12",
    ],
)
def test_a_value_that_is_not_an_amount_with_at_most_two_decimals_is_refused(value: object) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_minor(value, field="order_total")
    assert info.value.code == "invalid_amount"
    assert info.value.field == "order_total"


@pytest.mark.parametrize("value", ["-5", "-0.01", -1, Decimal("-1.5"), "-1 000,00"])
def test_a_negative_amount_is_refused_unless_allowed(value: object) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_minor(value)
    assert info.value.code == "negative_amount"
    assert info.value.field == "amount"
    assert "negative" in info.value.message


def test_the_field_at_fault_defaults_to_amount() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_minor("abc")
    assert info.value.field == "amount"
    assert info.value.as_dict() == {"code": "invalid_amount", "message": info.value.message, "field": "amount"}


def test_the_float_refusal_tells_the_caller_to_send_a_string() -> None:
    with pytest.raises(InvalidInput, match="decimal string"):
        parse_minor(0.15)


# --- formatting ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minor", "text"),
    [(123456, "1234.56"), (5, "0.05"), (100, "1.00"), (0, "0.00"), (-5, "-0.05"), (-123456, "-1234.56")],
)
def test_format_minor_writes_the_api_notation(minor: int, text: str) -> None:
    assert format_minor(minor) == text


@pytest.mark.parametrize(
    ("minor", "text"),
    [
        (123456, f"1{NBSP}234,56{NBSP}₽"),
        (5, f"0,05{NBSP}₽"),
        (100000000, f"1{NBSP}000{NBSP}000,00{NBSP}₽"),
        (-123456, f"−1{NBSP}234,56{NBSP}₽"),
    ],
)
def test_format_human_writes_russian_notation_with_non_breaking_spaces(minor: int, text: str) -> None:
    assert format_human(minor) == text


def test_format_human_takes_another_unit_or_none() -> None:
    assert format_human(150, unit="баллов") == f"1,50{NBSP}баллов"
    assert format_human(150, unit="") == "1,50"


@settings(max_examples=200, database=None)
@given(st.integers(min_value=-(10**17) + 1, max_value=10**17 - 1))
def test_format_minor_and_parse_minor_round_trip(minor: int) -> None:
    assert parse_minor(format_minor(minor), allow_negative=True) == minor


@settings(max_examples=200, database=None)
@given(st.integers(min_value=0, max_value=10**17 - 1))
def test_what_format_human_prints_parses_back_to_the_same_amount(minor: int) -> None:
    printed = format_human(minor, unit="")
    assert parse_minor(printed) == minor


# --- apply_rate ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "rate", "rounding", "expected"),
    [
        # 123.45 RUB x 10% = 12.345 RUB = 1234.5 kopecks
        (12345, "0.1", "down", 1234),
        (12345, "0.1", "up", 1235),
        (12345, "0.1", "half_up", 1235),
        (12345, "0.1", "half_even", 1234),  # 1234 is even
        # 123.55 RUB x 10% = 1235.5 kopecks
        (12355, "0.1", "down", 1235),
        (12355, "0.1", "up", 1236),
        (12355, "0.1", "half_up", 1236),
        (12355, "0.1", "half_even", 1236),  # 1236 is even
        # 100.01 RUB x 15% = 1500.15 kopecks: below the half
        (10001, "0.15", "down", 1500),
        (10001, "0.15", "up", 1501),
        (10001, "0.15", "half_up", 1500),
        (10001, "0.15", "half_even", 1500),
        # 12345.67 RUB of labour x 4% = 49382.68 kopecks: above the half
        (1234567, "0.04", "down", 49382),
        (1234567, "0.04", "up", 49383),
        (1234567, "0.04", "half_up", 49383),
        (1234567, "0.04", "half_even", 49383),
        # 1000 RUB of orders = 100 bonus RUB (seed 000): exact, every mode agrees
        (100000, "0.1", "down", 10000),
        (100000, "0.1", "up", 10000),
        (100000, "0.1", "half_up", 10000),
        (100000, "0.1", "half_even", 10000),
        (0, "0.15", "up", 0),
    ],
)
def test_apply_rate_rounds_to_a_whole_minor_unit_by_the_named_mode(
    base: int, rate: str, rounding: str, expected: int
) -> None:
    assert apply_rate(base, Decimal(rate), rounding) == expected


def test_apply_rate_rounds_a_negative_base_symmetrically_around_zero() -> None:
    # a return of 123.45 RUB takes back -1234.5 kopecks of a 10% earning
    assert apply_rate(-12345, Decimal("0.1"), "down") == -1234
    assert apply_rate(-12345, Decimal("0.1"), "up") == -1235
    assert apply_rate(-12345, Decimal("0.1"), "half_up") == -1235
    assert apply_rate(-12345, Decimal("0.1"), "half_even") == -1234


def test_apply_rate_returns_a_plain_int() -> None:
    assert type(apply_rate(12345, Decimal("0.1"), "down")) is int


@settings(max_examples=200, database=None)
@given(
    base=st.integers(min_value=0, max_value=10**15),
    percent=st.decimals(min_value=0, max_value=100, places=6),
)
def test_rounding_down_never_exceeds_the_exact_product_and_up_never_falls_below(base: int, percent: Decimal) -> None:
    rate = percent / 100
    exact = Decimal(base) * rate
    down = apply_rate(base, rate, "down")
    up = apply_rate(base, rate, "up")
    assert down <= exact <= up
    assert up - down in (0, 1)
    assert down <= apply_rate(base, rate, "half_up") <= up
    assert down <= apply_rate(base, rate, "half_even") <= up


def test_points_are_shown_with_their_kinds_decimals() -> None:
    from loyalka.domain.money import format_points

    assert format_points(123450, 2) == "1234.50"
    assert format_points(1234, 0) == "1234"
    assert format_points(-5, 0) == "-5"
    assert format_points(12345, 1) == "1234.5"


def test_points_with_more_decimals_than_their_kind_are_refused() -> None:
    from loyalka.domain.money import parse_points

    assert parse_points("1500", 0) == 1500
    assert parse_points("15.50", 2) == 1550
    with pytest.raises(InvalidInput) as refused:
        parse_points("15.5", 0)
    assert refused.value.code == "invalid_points"
