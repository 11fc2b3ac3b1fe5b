"""Pure rules of engagement: the calendar of birthdays and anniversaries, dates in messages, segment filters."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from loyalka.engine.segments import AccountFacts, matches, windows_needed
from loyalka.engine.triggers import day_bounds, format_date, is_anniversary, month_days_celebrated
from loyalka.errors import InvalidInput, InvalidProgram
from loyalka.program.engagement import MessageTemplate, SegmentFilter
from loyalka.program.loader import parse_program
from tests.conftest import EXAMPLES

MSK = ZoneInfo("Europe/Moscow")


def facts(**overrides: object) -> AccountFacts:
    base: dict[str, object] = {
        "account_id": 1,
        "code": "TAXI-1",
        "name": "Такси",
        "status": "active",
        "joined_on": date(2026, 1, 10),
        "on": date(2026, 4, 1),
        "region": "Москва",
        "industry": "taxi",
        "tags": ("fleet",),
        "last_order_on": date(2026, 3, 20),
        "purchases_minor": {30: 2_500_000, 90: 2_500_000, 365: 2_500_000},
        "orders": {30: 2, 90: 2, 365: 2},
    }
    return AccountFacts(**{**base, **overrides})  # type: ignore[arg-type]


def test_29_february_is_celebrated_on_28_february_of_a_common_year_only() -> None:
    assert month_days_celebrated(date(2027, 2, 28)) == [(2, 28), (2, 29)]
    assert month_days_celebrated(date(2028, 2, 28)) == [(2, 28)]
    assert is_anniversary(date(2024, 2, 29), date(2027, 2, 28))
    assert not is_anniversary(date(2024, 2, 29), date(2028, 2, 28))
    assert is_anniversary(date(2024, 2, 29), date(2028, 2, 29))


def test_the_day_itself_is_no_anniversary() -> None:
    assert not is_anniversary(date(2026, 6, 1), date(2026, 6, 1))
    assert is_anniversary(date(2016, 6, 1), date(2026, 6, 1))
    assert not is_anniversary(date(2016, 6, 1), date(2026, 6, 2))


def test_a_day_runs_from_midnight_to_midnight_in_the_programs_zone() -> None:
    start, end = day_bounds(date(2026, 4, 12), "Europe/Moscow")
    assert (start, end) == (datetime(2026, 4, 12, tzinfo=MSK), datetime(2026, 4, 13, tzinfo=MSK))


def test_dates_read_as_a_member_writes_them() -> None:
    assert format_date(date(2026, 7, 1), "ru") == "01.07.2026"
    assert format_date(date(2026, 7, 1), "en") == "1 July 2026"


def test_every_condition_of_a_filter_must_hold_and_a_list_means_any_of_its_values() -> None:
    assert matches(SegmentFilter(regions=["Москва", "Казань"], tags_any=["fleet", "bus"]), facts())
    assert not matches(SegmentFilter(regions=["Казань"]), facts())
    assert not matches(SegmentFilter(tags_all=["fleet", "vip"]), facts())
    assert matches(SegmentFilter(tags_all=["fleet", "vip"]), facts(tags=("vip", "fleet", "x")))
    assert not matches(SegmentFilter(), facts(status="left"))  # the default is active members only
    assert matches(SegmentFilter(statuses=["left"]), facts(status="left"))
    assert not matches(SegmentFilter(tiers=["gold"]), facts())
    assert matches(SegmentFilter(tiers=["gold"], industries=["taxi"]), facts(tier="gold"))


def test_purchases_and_orders_in_a_window_and_inactivity() -> None:
    assert matches(SegmentFilter.model_validate({"purchases": {"window_days": 90, "min": "25000.00"}}), facts())
    assert not matches(SegmentFilter.model_validate({"purchases": {"window_days": 90, "max": "24999.99"}}), facts())
    assert not matches(SegmentFilter.model_validate({"orders": {"window_days": 30, "min": 3}}), facts())
    assert matches(SegmentFilter(inactive_days=12), facts())  # 20 March -> 1 April
    assert not matches(SegmentFilter(inactive_days=13), facts())
    assert matches(SegmentFilter(inactive_days=81), facts(last_order_on=None))  # silent since joining


def test_a_cel_condition_sees_the_account_map() -> None:
    flt = SegmentFilter(when="account.purchases_30d >= 2000000 && account.days_since_last_order < 30")
    assert matches(flt, facts())
    assert not matches(flt, facts(purchases_minor={30: 100}))
    assert not matches(SegmentFilter(when="account.ever_ordered"), facts(last_order_on=None))
    assert matches(SegmentFilter(when="account.tier == '' && account.region == 'Москва'"), facts())
    assert windows_needed(SegmentFilter(when="account.orders_90d > 1")) == {90}


def test_a_template_may_name_years_and_order_but_no_unknown_placeholder() -> None:
    MessageTemplate.model_validate(
        {"subject": {"ru": "{years} лет", "en": "{years} years"}, "body": {"ru": "{order}", "en": "{order}"}}
    )
    with pytest.raises(ValidationError, match="unknown placeholder"):
        MessageTemplate.model_validate({"subject": {"ru": "{age}", "en": "x"}, "body": {"ru": "x", "en": "x"}})


def test_a_segment_condition_naming_an_unknown_key_is_refused_when_the_program_loads() -> None:
    text = (EXAMPLES / "autoservice_case1.yaml").read_text(encoding="utf-8")
    broken = text.replace("      inactive_days: 120", '      inactive_days: 120\n      when: "account.turnover > 1"')
    with pytest.raises(InvalidProgram) as refused:
        parse_program(broken)
    [issue] = refused.value.issues
    assert issue.path == "segments.1.filter.when"
    assert "turnover" in issue.message and "purchases_365d" in issue.message


def test_a_condition_that_cannot_be_evaluated_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput) as refused:
        matches(SegmentFilter(when="account.purchases_30d > 'many'"), facts())
    assert (refused.value.code, refused.value.field) == ("condition_error", "when")
