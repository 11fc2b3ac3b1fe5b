"""Periods are half-open intervals [start, end) of calendar months, quarters, half-years and years,
computed in the program's time zone (Europe/Moscow, UTC+3, unless the program says otherwise)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalka.domain.periods import Period, as_utc, enclosing, ends_period, parse_month, period_of
from loyalka.errors import InvalidInput

MSK = "Europe/Moscow"
MOSCOW = ZoneInfo(MSK)
UNITS = ["month", "quarter", "half_year", "year"]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def moscow(*args: int) -> datetime:
    return datetime(*args, tzinfo=MOSCOW)


# --- which period an instant falls in ------------------------------------------------------------------


def test_21_00_utc_on_october_31_is_already_november_1_in_moscow() -> None:
    assert period_of(utc(2026, 10, 31, 21, 0), "month", MSK).key == "2026-11"


def test_a_second_before_moscow_midnight_is_still_october() -> None:
    assert period_of(utc(2026, 10, 31, 20, 59, 59), "month", MSK).key == "2026-10"


def test_the_same_instant_is_still_october_in_utc() -> None:
    assert period_of(utc(2026, 10, 31, 21, 0), "month", "UTC").key == "2026-10"


def test_the_period_does_not_depend_on_the_zone_the_instant_is_written_in() -> None:
    instant = utc(2026, 10, 31, 21, 0)
    vladivostok = instant.astimezone(ZoneInfo("Asia/Vladivostok"))
    assert period_of(vladivostok, "month", MSK) == period_of(instant, "month", MSK)


@pytest.mark.parametrize(
    ("instant", "unit", "key"),
    [
        (utc(2026, 12, 31, 20, 59, 59), "quarter", "2026-Q4"),
        (utc(2026, 12, 31, 21, 0), "quarter", "2027-Q1"),
        (utc(2026, 9, 30, 21, 0), "quarter", "2026-Q4"),
        (utc(2026, 6, 30, 20, 59, 59), "half_year", "2026-H1"),
        (utc(2026, 6, 30, 21, 0), "half_year", "2026-H2"),
        (utc(2026, 12, 31, 21, 0), "half_year", "2027-H1"),
        (utc(2026, 12, 31, 20, 59, 59), "year", "2026"),
        (utc(2026, 12, 31, 21, 0), "year", "2027"),
        (moscow(2026, 1, 1), "month", "2026-01"),
        (moscow(2026, 5, 15, 12), "quarter", "2026-Q2"),
    ],
)
def test_quarter_half_year_and_year_boundaries_are_moscow_midnights(instant: datetime, unit: str, key: str) -> None:
    assert period_of(instant, unit, MSK).key == key


# --- start, end, keys ----------------------------------------------------------------------------------


def test_october_runs_from_october_1_to_november_1_moscow_midnight() -> None:
    october = parse_month("2026-10", MSK)
    assert october.start == moscow(2026, 10, 1)
    assert october.start == utc(2026, 9, 30, 21, 0)
    assert october.end == moscow(2026, 11, 1)
    assert october.end == utc(2026, 10, 31, 21, 0)


def test_a_period_is_half_open_it_contains_its_start_but_not_its_end() -> None:
    october = parse_month("2026-10", MSK)
    assert october.contains(october.start)
    assert october.contains(october.end - timedelta(microseconds=1))
    assert not october.contains(october.end)
    assert not october.contains(october.start - timedelta(microseconds=1))


@pytest.mark.parametrize(
    ("period", "key", "start", "end"),
    [
        (Period("month", 2026, 10, MSK), "2026-10", moscow(2026, 10, 1), moscow(2026, 11, 1)),
        (Period("month", 2026, 2, MSK), "2026-02", moscow(2026, 2, 1), moscow(2026, 3, 1)),
        (Period("quarter", 2026, 4, MSK), "2026-Q4", moscow(2026, 10, 1), moscow(2027, 1, 1)),
        (Period("quarter", 2026, 1, MSK), "2026-Q1", moscow(2026, 1, 1), moscow(2026, 4, 1)),
        (Period("half_year", 2026, 2, MSK), "2026-H2", moscow(2026, 7, 1), moscow(2027, 1, 1)),
        (Period("half_year", 2026, 1, MSK), "2026-H1", moscow(2026, 1, 1), moscow(2026, 7, 1)),
        (Period("year", 2026, 1, MSK), "2026", moscow(2026, 1, 1), moscow(2027, 1, 1)),
    ],
)
def test_each_unit_has_its_key_start_and_end(period: Period, key: str, start: datetime, end: datetime) -> None:
    assert period.key == key
    assert str(period) == key
    assert period.start == start
    assert period.end == end


def test_the_months_of_a_period_follow_from_its_unit() -> None:
    assert Period("quarter", 2026, 4, MSK).first_month == 10
    assert Period("half_year", 2026, 2, MSK).first_month == 7
    assert Period("half_year", 2026, 2, MSK).months == 6


# --- next / previous -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "following"),
    [
        (Period("month", 2026, 12, MSK), Period("month", 2027, 1, MSK)),
        (Period("month", 2026, 10, MSK), Period("month", 2026, 11, MSK)),
        (Period("quarter", 2026, 4, MSK), Period("quarter", 2027, 1, MSK)),
        (Period("quarter", 2026, 2, MSK), Period("quarter", 2026, 3, MSK)),
        (Period("half_year", 2026, 2, MSK), Period("half_year", 2027, 1, MSK)),
        (Period("half_year", 2026, 1, MSK), Period("half_year", 2026, 2, MSK)),
        (Period("year", 2026, 1, MSK), Period("year", 2027, 1, MSK)),
    ],
)
def test_next_and_previous_cross_year_ends(period: Period, following: Period) -> None:
    assert period.next() == following
    assert following.previous() == period


def test_the_previous_of_january_is_december_of_the_year_before() -> None:
    assert parse_month("2027-01", MSK).previous().key == "2026-12"


@settings(max_examples=200, database=None)
@given(
    unit=st.sampled_from(UNITS),
    year=st.integers(min_value=2000, max_value=2100),
    data=st.data(),
)
def test_periods_tile_time_without_gaps_or_overlaps(unit: str, year: int, data: st.DataObject) -> None:
    per_year = {"month": 12, "quarter": 4, "half_year": 2, "year": 1}[unit]
    period = Period(unit, year, data.draw(st.integers(min_value=1, max_value=per_year)), MSK)
    assert period.start < period.end
    assert period.end == period.next().start
    assert period.next().previous() == period
    assert period.previous().next() == period
    assert period_of(period.start, unit, MSK) == period
    assert period_of(period.end - timedelta(microseconds=1), unit, MSK) == period
    assert period_of(period.end, unit, MSK) == period.next()


@settings(max_examples=200, database=None)
@given(st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2100, 12, 30), timezones=st.just(UTC)))
def test_every_instant_lies_in_the_period_computed_for_it(instant: datetime) -> None:
    for unit in UNITS:
        assert period_of(instant, unit, MSK).contains(instant)


# --- parse_month ---------------------------------------------------------------------------------------


def test_parse_month_reads_year_dash_month() -> None:
    assert parse_month("2026-10", MSK) == Period("month", 2026, 10, MSK)
    assert parse_month(" 2026-01 ", MSK).key == "2026-01"


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-00", "2026-1", "26-10", "2026/10", "10-2026", "2026-10-01", "октябрь", "", "2026-1O"]
)
def test_parse_month_refuses_anything_but_a_real_yyyy_mm(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_month(text, MSK)
    assert info.value.code == "invalid_period"
    assert info.value.field == "period"
    assert "YYYY-MM" in info.value.message


# --- naive datetimes -----------------------------------------------------------------------------------


def test_a_naive_datetime_is_refused_because_its_period_is_ambiguous() -> None:
    with pytest.raises(InvalidInput) as info:
        period_of(datetime(2026, 10, 31, 23, 30), "month", MSK)
    assert info.value.code == "naive_datetime"


def test_as_utc_refuses_a_naive_datetime() -> None:
    with pytest.raises(InvalidInput) as info:
        as_utc(datetime(2026, 10, 31, 23, 30))
    assert info.value.code == "naive_datetime"


def test_as_utc_converts_moscow_time_to_utc() -> None:
    converted = as_utc(moscow(2026, 11, 1))
    assert converted == utc(2026, 10, 31, 21, 0)
    assert converted.tzinfo is UTC
    assert converted.hour == 21


# --- ends_period / enclosing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "unit", "ends"),
    [
        ("2026-12", "quarter", True),
        ("2026-12", "half_year", True),
        ("2026-12", "year", True),
        ("2026-06", "quarter", True),
        ("2026-06", "half_year", True),
        ("2026-06", "year", False),
        ("2026-09", "quarter", True),
        ("2026-09", "half_year", False),
        ("2026-11", "quarter", False),
        ("2026-01", "month", True),
    ],
)
def test_ends_period_is_true_for_the_last_month_of_the_unit(month: str, unit: str, ends: bool) -> None:
    assert ends_period(parse_month(month, MSK), unit) is ends


@pytest.mark.parametrize(
    ("month", "unit", "key"),
    [("2026-11", "quarter", "2026-Q4"), ("2026-07", "half_year", "2026-H2"), ("2026-03", "year", "2026")],
)
def test_enclosing_finds_the_quarter_or_half_year_of_a_month(month: str, unit: str, key: str) -> None:
    assert enclosing(parse_month(month, MSK), unit).key == key
