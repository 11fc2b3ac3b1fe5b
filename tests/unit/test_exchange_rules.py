"""The exchange's pure rules and program checks: referral codes, the qualifying window, transfer limits, and the
program-file mistakes around transfers, codes and referrals."""

from __future__ import annotations

import pytest

from loyalka.engine.referrals import ALPHABET, make_code, normalize_code, qualifies, qualify_until
from loyalka.engine.transfers import check_amount, check_party, month_left
from loyalka.errors import InvalidInput, InvalidProgram, RuleViolation
from loyalka.program.b2b import Transfers
from loyalka.program.engagement import Referrals
from loyalka.program.loader import parse_program
from loyalka.program.models import PointKind
from tests.conftest import EXAMPLES, moscow

CASE1 = (EXAMPLES / "autoservice_case1.yaml").read_text(encoding="utf-8")
CASE2 = (EXAMPLES / "autoservice_case2.yaml").read_text(encoding="utf-8")
WHOLESALE = (EXAMPLES / "wholesale_tiers.yaml").read_text(encoding="utf-8")
WHOLE = PointKind.model_validate({"name": {"ru": "Бонусы", "en": "Bonuses"}, "decimals": 0})
LIMITS = Transfers.model_validate(
    {"kinds": ["bonus"], "min": "100", "max_per_transfer": "5000", "max_per_month": "10000"}
)
SEED_002 = Referrals.model_validate(
    {"min_order": "50000.00", "within_days": 180, "referrer": {"kind": "points", "points": "2000"}}
)


def issues(text: str) -> list[str]:
    with pytest.raises(InvalidProgram) as refused:
        parse_program(text)
    return [str(issue) for issue in refused.value.issues]


# --- referral codes and the qualifying window ------------------------------------------------------------------
def test_codes_are_eight_characters_of_an_alphabet_without_look_alikes() -> None:
    codes = {make_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(code) == 8 and set(code) <= set(ALPHABET) for code in codes)
    assert not set("01OIL") & set(ALPHABET)


@pytest.mark.parametrize("typed", ["k7m2q9xa", " K7M2-Q9XA ", "k7m2 q9xa"])
def test_a_code_is_read_as_people_type_it(typed: str) -> None:
    assert normalize_code(typed) == "K7M2Q9XA"


@pytest.mark.parametrize("typed", ["", "K7M2Q9X", "K7M2Q9XAB", "K7M2Q9X0", "КИРИЛЛИЦ"])
def test_anything_else_is_not_a_code(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalize_code(typed)
    assert refused.value.code == "invalid_referral_code"


def test_the_window_ends_with_the_180th_day_after_joining_in_the_programs_time_zone() -> None:
    joined = moscow(2026, 2, 1, 23, 30)  # 20:30 UTC: still February 1st in Moscow
    assert qualify_until(SEED_002, joined, "Europe/Moscow") == moscow(2026, 8, 1)
    assert qualifies(SEED_002, joined, moscow(2026, 7, 31, 23, 59), 5_000_000, "Europe/Moscow")
    assert not qualifies(SEED_002, joined, moscow(2026, 8, 1, 0, 0), 5_000_000, "Europe/Moscow")
    assert not qualifies(SEED_002, joined, moscow(2026, 3, 1), 4_999_900, "Europe/Moscow")  # 49,999 RUB


def test_without_a_window_or_a_minimum_any_order_with_a_sum_qualifies() -> None:
    open_ended = Referrals.model_validate({"referrer": {"kind": "points", "points": "10"}})
    assert qualify_until(open_ended, moscow(2020, 1, 1), "Europe/Moscow") is None
    assert qualifies(open_ended, moscow(2020, 1, 1), moscow(2030, 1, 1), 1, "Europe/Moscow")
    assert not qualifies(open_ended, moscow(2020, 1, 1), moscow(2030, 1, 1), 0, "Europe/Moscow")


# --- transfer limits -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("points", "sent", "code"),
    [(99, 0, "transfer_below_min"), (5001, 0, "transfer_above_max"), (1000, 9500, "monthly_transfer_limit")],
)
def test_limits_of_seed_001_case_1(points: int, sent: int, code: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        check_amount(LIMITS, WHOLE, points, sent)
    assert refused.value.code == code


def test_exactly_the_limits_pass() -> None:
    check_amount(LIMITS, WHOLE, 100, 0)
    check_amount(LIMITS, WHOLE, 5000, 5000)
    assert month_left(LIMITS, WHOLE, 5000) == 5000 and month_left(LIMITS, WHOLE, 12000) == 0
    assert month_left(Transfers.model_validate({"kinds": ["bonus"]}), WHOLE, 10**9) is None


def test_a_party_must_be_an_active_member_without_an_excluded_tag() -> None:
    limits = Transfers.model_validate({"kinds": ["bonus"], "exclude_tags": ["staff"]})
    check_party(limits, "A", "active", ["fleet"], field="from")
    for status, tags, code in (("left", [], "account_not_member"), ("active", ["staff"], "account_excluded")):
        with pytest.raises(RuleViolation) as refused:
            check_party(limits, "A", status, tags, field="to")
        assert (refused.value.code, refused.value.field) == (code, "to")


# --- program files ---------------------------------------------------------------------------------------------
def test_every_exchange_example_validates() -> None:
    for text in (CASE1, CASE2, WHOLESALE):
        parse_program(text)


def test_a_transfer_limit_below_the_minimum_is_a_mistake_with_its_line() -> None:
    found = issues(CASE1.replace('max_per_transfer: "5000"', 'max_per_transfer: "50"'))
    assert any("transfers" in issue and "below 'min'" in issue and "line" in issue for issue in found), found


def test_transfer_limits_must_fit_a_whole_points_kind() -> None:
    found = issues(CASE1.replace('min: "100"', 'min: "100.50"'))
    assert any("transfers.min" in issue and "0 decimal" in issue for issue in found), found


def test_the_monthly_limit_is_for_a_calendar_month() -> None:
    found = issues(CASE1.replace('max_per_month: "10000"', 'max_per_month: "10000"\n  period: quarter'))
    assert any("transfers.period" in issue for issue in found), found


def test_a_code_sets_message_must_be_defined() -> None:
    found = issues(CASE2.replace("    per_account: 1 ", "    message: card-activated\n    per_account: 1 "))
    assert any("codes.0.message" in issue and "card-activated" in issue for issue in found), found


def test_referral_points_must_fit_the_kind() -> None:
    found = issues(
        WHOLESALE.replace('referrer: {kind: points, points: "2000"}', 'referrer: {kind: points, points: "2.5"}')
    )
    assert any("referrals.referrer.points" in issue for issue in found), found
