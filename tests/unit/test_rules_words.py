"""The words of the published rules: Russian number agreement, money with non-breaking spaces, dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loyalka.program.loader import parse_program
from loyalka.program.rules_words import DAY, DEFAULT_UNITS, MONTH, NBSP, Words, number, plural_ru

POINTS = ["балл", "балла", "баллов"]
PROGRAM = parse_program(
    """
program: {code: words, name: {ru: "Слова", en: "Words"}}
point_kinds:
  bonus: {name: {ru: "Бонусы", en: "Bonuses"}, decimals: 2}
"""
)
RU, EN = Words("ru", PROGRAM), Words("en", PROGRAM)


@pytest.mark.parametrize(
    ("n", "form"),
    [
        (0, "баллов"),
        (1, "балл"),
        (2, "балла"),
        (4, "балла"),
        (5, "баллов"),
        (11, "баллов"),
        (12, "баллов"),
        (14, "баллов"),
        (21, "балл"),
        (22, "балла"),
        (25, "баллов"),
        (101, "балл"),
        (111, "баллов"),
        (1000, "баллов"),
        (1001, "балл"),
    ],
)
def test_points_agree_with_their_number(n: int, form: str) -> None:
    assert plural_ru(n, POINTS) == form


def test_a_fraction_of_a_point_takes_the_genitive_singular() -> None:
    assert plural_ru(Decimal("1.5"), POINTS) == "балла"
    assert plural_ru(Decimal("0.25"), POINTS) == "балла"


def test_days_and_months_agree_with_their_number() -> None:
    assert [RU.days(n) for n in (1, 2, 5, 21, 14)] == [
        f"1{NBSP}день",
        f"2{NBSP}дня",
        f"5{NBSP}дней",
        f"21{NBSP}день",
        f"14{NBSP}дней",
    ]
    assert [RU.months(n) for n in (1, 3, 12)] == [f"1{NBSP}месяц", f"3{NBSP}месяца", f"12{NBSP}месяцев"]
    assert [EN.count(n, DAY) for n in (1, 2)] == [f"1{NBSP}day", f"2{NBSP}days"]
    assert EN.count(1, MONTH) == f"1{NBSP}month"


def test_money_groups_thousands_with_non_breaking_spaces_and_shows_kopecks_only_when_present() -> None:
    assert RU.money(100_000) == f"1{NBSP}000{NBSP}₽"
    assert RU.money(900_000) == f"9{NBSP}000{NBSP}₽"
    assert RU.money(100_000_000) == f"1{NBSP}000{NBSP}000{NBSP}₽"
    assert RU.money(50_000_001) == f"500{NBSP}000,01{NBSP}₽"
    assert RU.money(123_450) == f"1{NBSP}234,50{NBSP}₽"
    assert RU.money(5_000) == f"50{NBSP}₽"
    assert EN.money(100_000_000) == f"1,000,000{NBSP}RUB"
    assert EN.money(50_000_001) == f"500,000.01{NBSP}RUB"


def test_numbers_drop_trailing_zeros_unless_they_are_money() -> None:
    assert number(Decimal("0.5"), "ru") == "0,5"
    assert number(Decimal("0.50"), "ru") == "0,5"
    assert number(Decimal("0.5"), "ru", cents=True) == "0,50"
    assert number(Decimal("2000.00"), "ru") == f"2{NBSP}000"
    assert number(Decimal("1234567.5"), "en") == "1,234,567.5"


def test_percentages_and_multipliers() -> None:
    assert RU.percent(Decimal("0.1")) == "10%"
    assert RU.percent(Decimal("0.005")) == "0,5%"
    assert EN.percent(Decimal("0.005")) == "0.5%"
    assert RU.factor(Decimal("1.5")) == "1,5"
    assert RU.factor(Decimal("2")) == "2"


def test_points_of_a_kind_with_hundredths_show_kopecks_only_when_present() -> None:
    assert RU.points("bonus", 200_000) == f"2{NBSP}000{NBSP}баллов"
    assert RU.points("bonus", 150) == f"1,50{NBSP}балла"
    assert EN.points("bonus", 100) == f"1{NBSP}point"
    assert RU.count(2, DEFAULT_UNITS) == f"2{NBSP}балла"


def test_dates_are_spelled_out() -> None:
    assert RU.date(date(2026, 10, 5)) == f"5{NBSP}октября 2026{NBSP}г."
    assert RU.date(date(2027, 3, 1)) == f"1{NBSP}марта 2027{NBSP}г."
    assert EN.date(date(2026, 10, 5)) == "5 October 2026"


def test_lists_are_joined_with_a_conjunction() -> None:
    assert RU.join(["«А»", "«Б»", "«В»"]) == "«А», «Б» и «В»"
    assert EN.join(["“A”", "“B”"], word="or") == "“A” or “B”"
    assert RU.join(["«А»"]) == "«А»"
