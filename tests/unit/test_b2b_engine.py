"""The pure rules of B2B terms: invoice shares, overdue dates, releases, payment and activity earning, the
volume bonus's brackets; and the program checks of their sections."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from loyalka.engine.b2b import (
    InvoiceState,
    earn_for_event,
    first_overdue,
    overdue_since,
    payment_facts,
    released,
    volume_award,
)
from loyalka.engine.views import AccountView
from loyalka.errors import InvalidProgram
from loyalka.program.loader import parse_program
from tests.conftest import EXAMPLES

WHOLESALE = parse_program((EXAMPLES / "wholesale_tiers.yaml").read_text(encoding="utf-8"))
MEMBER = AccountView(1, "active")
AT = datetime(2026, 10, 5, 9, tzinfo=UTC)


def invoice(billed: int, paid: int = 0, returned: int = 0, due: date = date(2026, 10, 10)) -> InvoiceState:
    return InvoiceState("INV-1", due, billed, returned, paid)


def test_an_invoice_owes_what_it_billed_less_returns_and_its_share_is_what_was_paid_of_that() -> None:
    state = invoice(100_000_00, paid=30_000_00, returned=40_000_00)
    assert (state.owed_minor, state.left_minor, state.share, state.status) == (
        60_000_00,
        30_000_00,
        Fraction(1, 2),
        "partial",
    )
    assert (invoice(100, paid=150, returned=0).share, invoice(100, paid=0, returned=100).status) == (1, "paid")
    assert invoice(100).status == "open"


def test_an_invoice_is_overdue_from_the_day_after_its_grace_days() -> None:
    assert overdue_since(date(2026, 10, 10), 5) == date(2026, 10, 16)
    late = invoice(100)
    assert first_overdue([late], date(2026, 10, 15), 5) is None
    assert first_overdue([late], date(2026, 10, 16), 5) == late
    assert first_overdue([invoice(100, paid=100)], date(2026, 12, 1), 5) is None


def test_the_invoice_overdue_the_longest_is_named() -> None:
    older = InvoiceState("INV-A", date(2026, 9, 1), 100, 0, 0)
    newer = InvoiceState("INV-B", date(2026, 9, 20), 100, 0, 0)
    assert first_overdue([newer, older], date(2026, 10, 1), 0) == older


def test_a_release_rounds_each_rules_share_down_and_leaves_out_nothing_released() -> None:
    assert released({"a": 1000, "b": 1}, Fraction(333, 1000)) == {"a": 333}
    assert released({"a": 1000}, Fraction(1)) == {"a": 1000}


def test_payment_facts_count_days_early_from_the_due_date() -> None:
    facts = payment_facts(50_000_00, date(2026, 10, 13), invoice(120_000_00, paid=50_000_00))
    assert (facts["days_early"], facts["invoice_total"], facts["full"]) == (-3, 120_000_00, False)


def test_paid_on_time_earns_half_a_percent_of_the_payment() -> None:
    facts = payment_facts(120_000_00, date(2026, 10, 9), invoice(120_000_00, paid=120_000_00))
    made = earn_for_event(WHOLESALE, MEMBER, event="payment", facts=facts, at=AT, base_minor=120_000_00)
    assert [(a.rule_id, a.amount_minor) for a in made.accruals] == [("paid-on-time", 600)]


def test_a_gold_member_earns_its_multiplier_on_payments_but_not_on_reviews() -> None:
    gold = AccountView(1, "active", tier="gold")
    facts = payment_facts(100_000_00, date(2026, 10, 9), invoice(100_000_00, paid=100_000_00))
    paid = earn_for_event(WHOLESALE, gold, event="payment", facts=facts, at=AT, base_minor=100_000_00)
    review = earn_for_event(WHOLESALE, gold, event="activity", facts={"type": "review"}, at=AT, activity="review")
    assert [a.amount_minor for a in paid.accruals] == [750]  # 0.5% of 100,000 x 1.5
    assert [a.amount_minor for a in review.accruals] == [200]  # tier_multiplier: false


def test_a_rule_at_its_limit_earns_nothing_and_says_so() -> None:
    made = earn_for_event(
        WHOLESALE, MEMBER, event="activity", facts={"type": "survey"}, at=AT, activity="survey", used={"survey": 1}
    )
    assert made.accruals == []
    assert made.notes == ["rule 'survey' earns at most once a quarter; that limit is reached"]


def test_a_non_member_earns_nothing_from_activities() -> None:
    made = earn_for_event(
        WHOLESALE, AccountView(1, "left"), event="activity", facts={"type": "review"}, at=AT, activity="review"
    )
    assert (made.accruals, made.notes) == ([], ["the account is left, not a member: it earns nothing"])


@pytest.mark.parametrize(
    ("net_rub", "bracket", "points"),
    [
        (1_499_999, None, 0),
        (1_500_000, 1_500_000, 15_000),
        (1_600_000, 1_500_000, 16_000),
        (3_000_000, 3_000_000, 60_000),
    ],
)
def test_the_highest_bracket_reached_pays_its_rate_on_the_whole_quarter(
    net_rub: int, bracket: int | None, points: int
) -> None:
    [bonus] = WHOLESALE.volume_bonuses
    award = volume_award(WHOLESALE, bonus, net_rub * 100, 0)
    assert (award.bracket.from_ // 100 if award.bracket else None, award.points_minor) == (bracket, points)


def test_a_volume_bonus_net_of_a_rule_pays_only_what_the_rule_did_not() -> None:
    [bonus] = WHOLESALE.volume_bonuses
    net_of = bonus.model_copy(update={"net_of_rules": ["orders"]})
    assert volume_award(WHOLESALE, net_of, 1_600_000_00, 16_000).points_minor == 0
    assert volume_award(WHOLESALE, net_of, 3_000_000_00, 30_000).points_minor == 30_000


def test_a_limit_on_an_order_rule_is_refused() -> None:
    text = (EXAMPLES / "wholesale_tiers.yaml").read_text(encoding="utf-8")
    broken = text.replace(
        '    min_order: "10000.00"                   # only', '    limit: {count: 1}\n    min_order: "10000.00"  # only'
    )
    assert broken != text
    with pytest.raises(InvalidProgram, match="'limit' is for rules with event: payment or activity"):
        parse_program(broken)
