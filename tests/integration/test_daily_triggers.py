"""The daily job (seed 001 case 1, seed 002): birthdays of contact persons, anniversaries, inactivity
wake-ups and expiry reminders, each once however often the job runs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, update

from loyalka.errors import InvalidInput, NotFound, RuleViolation
from loyalka.jobs.daily import parse_day, run_daily, run_days
from loyalka.services.redemption import quote_order
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow, EventRow, MessageRow
from tests.conftest import EXAMPLES, moscow
from tests.support import add_account, balances, ledger_sum, line, load_example, load_text, order, post, spendable

JOINED = moscow(2026, 3, 1, 9)
CASE1 = (EXAMPLES / "autoservice_case1.yaml").read_text(encoding="utf-8")


def daily(db: Database, day: date, now: datetime | None = None, program: str | None = None) -> dict[str, Any]:
    with db.unit_of_work() as s:
        return run_daily(s, day, now=now or moscow(day.year, day.month, day.day, 3), program=program)


def messages(db: Database, template: str | None = None) -> list[MessageRow]:
    with db.unit_of_work() as s:
        query = select(MessageRow).order_by(MessageRow.id)
        if template is not None:
            query = query.where(MessageRow.template == template)
        return list(s.scalars(query))


def contact(code: str, name: str, birthday: date | None, **extra: Any) -> dict[str, Any]:
    return {"code": code, "name": name, "birthday": birthday, "email": f"{code}@garage.ru", **extra}


def garage(db: Database, *contacts: dict[str, Any], code: str = "GARAGE", **fields: Any) -> None:
    load_example(db, "autoservice_case1.yaml", JOINED)
    add_account(db, code, JOINED, region="Москва", contacts=list(contacts), **fields)


def first_visit(db: Database) -> None:
    """Labour 3,000 and parts 2,000 on 2 March: the first visit earns at least 1000 bonus points."""
    post(
        db, order("e1", "GARAGE", "WO-1", moscow(2026, 3, 2, 10), line("oil", 3000, "labour"), line("f", 2000, "parts"))
    )


# --- birthdays (seed 001, case 1) ----------------------------------------------------------------------------
def test_a_contact_born_on_12_april_brings_2000_premium_points_spendable_at_once_and_gone_on_12_july(
    db: Database,
) -> None:
    garage(db, contact("ivan", "Иван Петров", date(1979, 4, 12)))
    assert daily(db, date(2026, 4, 11))["birthday"] == {"granted": 0, "messages": 0, "points": "0"}
    summary = daily(db, date(2026, 4, 12))
    assert summary["birthday"] == {"granted": 1, "messages": 1, "points": "2000"}
    assert spendable(db, "GARAGE", moscow(2026, 4, 12, 0, 0), "premium") == "2000"
    assert spendable(db, "GARAGE", moscow(2026, 7, 11, 23, 59), "premium") == "2000"
    assert spendable(db, "GARAGE", moscow(2026, 7, 12, 0, 0), "premium") == "0"
    [lot] = balances(db, "GARAGE", moscow(2026, 4, 12, 12))["premium"]["lots"]
    assert datetime.fromisoformat(lot["expires_at"]) == moscow(2026, 7, 12)
    assert lot["rule"] == "birthday"
    [greeting] = messages(db, "birthday")
    assert greeting.recipients == ["ivan@garage.ru"]
    assert greeting.subject == "С днём рождения, Иван Петров!"
    assert greeting.body.startswith("Дарим 2000 премиум-баллов")
    assert greeting.status == "queued"


def test_running_the_birthday_again_credits_nothing_more(db: Database) -> None:
    garage(db, contact("ivan", "Иван Петров", date(1979, 4, 12)))
    daily(db, date(2026, 4, 12))
    before = ledger_sum(db, "GARAGE")
    again = daily(db, date(2026, 4, 12), now=moscow(2026, 4, 12, 18))
    assert again["birthday"] == {"granted": 0, "messages": 0, "points": "0"}
    assert ledger_sum(db, "GARAGE") == before == 2000
    assert len(messages(db, "birthday")) == 1
    assert daily(db, date(2027, 4, 12))["birthday"]["granted"] == 1  # a new year, a new birthday


def test_a_10000_labour_order_takes_5000_premium_points_half_the_labour_and_no_bonus_beside_them(
    db: Database,
) -> None:
    born = date(1980, 4, 12)
    garage(db, contact("ivan", "Иван", born), contact("olga", "Ольга", born), contact("petr", "Пётр", born))
    first_visit(db)
    assert daily(db, date(2026, 4, 12))["birthday"]["points"] == "6000"
    at = moscow(2026, 4, 15, 12)
    labour = (line("engine", 10000, "labour"),)
    with db.unit_of_work() as s:
        quote = quote_order(s, account_code="GARAGE", lines=labour, contact_code=None, at=at)
    assert quote.for_kind("premium").cap_minor == 5000  # premium points pay up to 50% of labour
    assert quote.for_kind("premium").max_points_minor == 5000
    assert quote.for_kind("bonus").max_points_minor == 0  # both kinds together: never more than half the labour
    assert quote.max_money_minor == 500_000
    [done] = post(db, order("e2", "GARAGE", "WO-2", at, *labour, redeem_max=True))
    assert done.result["paid_with_points"] == "5000.00"
    assert spendable(db, "GARAGE", at, "premium") == "1000"
    assert spendable(db, "GARAGE", at, "bonus") == "1200"  # 1000 + 4% of the 5,000 of labour paid in money


def test_premium_and_bonus_points_together_pay_at_most_half_the_labour(db: Database) -> None:
    garage(db, contact("ivan", "Иван", date(1980, 4, 12)))
    first_visit(db)  # 1000 bonus points
    daily(db, date(2026, 4, 12))  # 2000 premium points
    at = moscow(2026, 4, 20, 12)
    with db.unit_of_work() as s:
        small = quote_order(s, account_code="GARAGE", lines=(line("r", 4000, "labour"),), contact_code=None, at=at)
        big = quote_order(s, account_code="GARAGE", lines=(line("r", 10000, "labour"),), contact_code=None, at=at)
    assert (small.for_kind("premium").max_points_minor, small.for_kind("bonus").max_points_minor) == (2000, 0)
    assert small.max_money_minor == 200_000  # half of 4,000
    assert (big.for_kind("premium").max_points_minor, big.for_kind("bonus").max_points_minor) == (2000, 1000)
    assert big.max_money_minor == 300_000  # under half of 10,000: the balance is the limit


def test_a_29_february_birthday_is_kept_on_28_february_in_common_years(db: Database) -> None:
    garage(db, contact("leap", "Лев", date(1988, 2, 29)))
    assert daily(db, date(2027, 2, 28))["birthday"]["granted"] == 1
    assert daily(db, date(2027, 3, 1))["birthday"]["granted"] == 0
    with db.unit_of_work() as s:
        assert s.scalar(select(EventRow.event_id).where(EventRow.type == "birthday")).endswith(":2027")


def test_birthdays_only_of_the_roles_given_and_only_of_active_members(db: Database) -> None:
    text = CASE1.replace(
        'birthday: {kind: premium, points: "2000", message: birthday}',
        'birthday: {kind: premium, points: "2000", message: birthday, roles: [director]}',
    )
    load_text(db, text, JOINED)
    born = date(1975, 5, 5)
    add_account(db, "A", JOINED, contacts=[contact("boss", "Босс", born, role="director"), contact("acc", "Бух", born)])
    add_account(db, "GONE", JOINED, contacts=[contact("boss2", "Директор", born, role="director")])
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).where(AccountRow.code == "GONE").values(status="left", left_at=JOINED))
    summary = daily(db, date(2026, 5, 5))
    assert summary["birthday"]["granted"] == 1
    assert [m.recipients for m in messages(db, "birthday")] == [["boss@garage.ru"]]
    assert ledger_sum(db, "GONE") == 0


def test_a_contact_without_an_email_still_brings_the_points_and_its_message_waits_for_no_one(db: Database) -> None:
    garage(db, {"code": "ivan", "name": "Иван", "birthday": date(1980, 4, 12)})
    assert daily(db, date(2026, 4, 12))["birthday"]["granted"] == 1
    [greeting] = messages(db, "birthday")
    assert (greeting.recipients, greeting.status) == ([], "no_recipient")


# --- anniversaries and inactivity -----------------------------------------------------------------------------
TRIGGERS = """
  anniversary: {kind: bonus, points: "500", of: founded, message: anniversary}
  inactivity: {kind: premium, points: "300", after_days: 120, message: wake-up}
"""
TEMPLATES = """
  anniversary:
    subject: {ru: "{company}: {years} лет!", en: "{company}: {years} years!"}
    body: {ru: "Дарим {points} баллов.", en: "Here are {points} points."}
  wake-up:
    subject: {ru: "Мы скучаем", en: "We miss you"}
    body: {ru: "{days} дней без визита: {points} баллов до {date}.", en: "{days} days away: {points} points until {date}."}
  thanks:
    subject: {ru: "Спасибо за заказ {order}", en: "Thank you for order {order}"}
    body: {ru: "Начислено {points} баллов.", en: "{points} points credited."}
"""


def engaged(db: Database, of: str = "founded") -> None:
    text = CASE1.replace(
        '  birthday: {kind: premium, points: "2000", message: birthday}\n',
        '  birthday: {kind: premium, points: "2000", message: birthday}\n'
        + TRIGGERS.replace("founded", of).lstrip("\n"),
    )
    text = text.replace("messages:\n", "messages:" + TEMPLATES, 1)
    load_text(db, text, JOINED)


def test_the_founding_anniversary_credits_once_a_year_but_never_on_the_founding_day(db: Database) -> None:
    engaged(db)
    add_account(db, "OLD", JOINED, founded_on=date(2016, 6, 1), contacts=[contact("a", "А", None)])
    add_account(db, "NEW", moscow(2026, 5, 30), founded_on=date(2026, 6, 1))
    summary = daily(db, date(2026, 6, 1))
    assert summary["anniversary"] == {"granted": 1, "messages": 1, "points": "500"}
    [note] = messages(db, "anniversary")
    assert note.subject == "Компания OLD: 10 лет!"
    assert daily(db, date(2026, 6, 1))["anniversary"]["granted"] == 0
    assert ledger_sum(db, "NEW") == 0
    assert daily(db, date(2027, 6, 1))["anniversary"]["granted"] == 2


def test_the_joining_anniversary_counts_the_day_joined_in_the_programs_zone(db: Database) -> None:
    engaged(db, of="joined")
    add_account(db, "LATE", moscow(2025, 8, 10, 1, 30))  # 9 August in UTC, 10 August in Moscow
    assert daily(db, date(2026, 8, 9))["anniversary"]["granted"] == 0
    assert daily(db, date(2026, 8, 10))["anniversary"]["granted"] == 1


def test_a_member_silent_for_120_days_is_woken_once_per_silence(db: Database) -> None:
    engaged(db)
    add_account(db, "GARAGE", JOINED, contacts=[contact("ivan", "Иван", None)])
    first_visit(db)  # 2 March
    assert daily(db, date(2026, 6, 29))["inactivity"]["granted"] == 0  # 119 days
    woken = daily(db, date(2026, 6, 30))  # 120 days
    assert woken["inactivity"] == {"granted": 1, "messages": 1, "points": "300"}
    [note] = messages(db, "wake-up")
    assert note.body == "120 дней без визита: 300 баллов до 30.09.2026."
    assert daily(db, date(2026, 7, 30))["inactivity"]["granted"] == 0  # the same silence
    post(db, order("e2", "GARAGE", "WO-2", moscow(2026, 8, 1, 10), line("wash", 1000, "labour")))
    assert daily(db, date(2026, 11, 28))["inactivity"]["granted"] == 0  # 119 days of the new silence
    assert daily(db, date(2026, 11, 29))["inactivity"]["granted"] == 1
    assert len(messages(db, "wake-up")) == 2


def test_a_member_that_never_ordered_is_silent_since_it_joined(db: Database) -> None:
    engaged(db)
    add_account(db, "QUIET", JOINED)
    assert daily(db, date(2026, 6, 29))["inactivity"]["granted"] == 1  # 1 March + 120 days


def test_order_message_thanks_the_company_once_with_the_points_the_order_earned(db: Database) -> None:
    text = (
        CASE1.replace("messages:\n", "messages:" + TEMPLATES, 1)
        .replace("  birthday: {kind", "  order_message: thanks\n  birthday: {kind")
        .replace("code: autoservice-case1", "code: autoservice-thanks")
    )
    load_text(db, text, JOINED)
    add_account(db, "GARAGE", JOINED, program="autoservice-thanks", contacts=[contact("ivan", "Иван", None)])
    first_visit(db)
    first_visit(db)  # a re-send: no second message
    [thanks] = messages(db, "thanks")
    assert (thanks.subject, thanks.body) == ("Спасибо за заказ WO-1", "Начислено 1000 баллов.")
    assert thanks.recipients == ["ivan@garage.ru"]


def test_the_first_order_message_greets_each_company_once_with_what_its_first_visit_earned(db: Database) -> None:
    """`triggers.first_order.message`: queued with the account's first order, never again (a re-send, a second
    order), with `{order}` and `{points}` (at least the 1000 of the first visit)."""
    text = CASE1.replace('at_least: "1000"}', 'at_least: "1000", message: first-visit}', 1)
    text = text.replace("messages:\n", "messages:" + FIRST_VISIT, 1)
    load_text(db, text, JOINED)
    add_account(db, "GARAGE", JOINED, contacts=[contact("ivan", "Иван", None)])
    first_visit(db)
    first_visit(db)  # a re-send of the same order
    post(db, order("e2", "GARAGE", "WO-2", moscow(2026, 3, 9, 10), line("wash", 1000, "labour")))
    [greeting] = messages(db, "first-visit")
    assert (greeting.subject, greeting.body) == ("Первый визит: WO-1", "Начислено 1000 баллов.")
    assert greeting.recipients == ["ivan@garage.ru"]


FIRST_VISIT = """
  first-visit:
    subject: {ru: "Первый визит: {order}", en: "First visit: {order}"}
    body: {ru: "Начислено {points} баллов.", en: "{points} points credited."}
"""


# --- expiry reminders (seed 002) -------------------------------------------------------------------------------
def wholesale(db: Database) -> None:
    load_example(db, "wholesale_tiers.yaml", moscow(2025, 1, 1))
    add_account(db, "OPT", moscow(2025, 1, 1), contacts=[contact("buyer", "Закупщик", None)])
    add_account(db, "SMALL", moscow(2025, 1, 1), contacts=[contact("b2", "Закупщик 2", None)])
    # 20 March 2025, 12:00: points activate after 14 days (3 April) and live 12 months (3 April 2026, 12:00)
    post(db, order("w1", "OPT", "W-1", moscow(2025, 3, 20, 12), rub=250_000), now=moscow(2025, 3, 20, 12))
    post(db, order("w2", "SMALL", "W-2", moscow(2025, 3, 20, 13), rub=10_000), now=moscow(2025, 3, 20, 13))


def test_points_expiring_in_14_days_are_announced_once_with_their_number_and_date(db: Database) -> None:
    wholesale(db)
    assert daily(db, date(2026, 3, 19), now=moscow(2026, 3, 19, 3))["expiry_reminder"]["messages"] == 0
    summary = daily(db, date(2026, 3, 20), now=moscow(2026, 3, 20, 3))
    assert summary["expiry_reminder"] == {"expiring_on": "2026-04-03", "accounts": 2, "messages": 2}
    big, small = messages(db, "points-expiring")
    assert (big.recipients, big.subject) == (["buyer@garage.ru"], "2500 баллов сгорят 03.04.2026")
    assert big.body == "Успейте оплатить ими заказ до 03.04.2026."
    assert small.subject == "100 баллов сгорят 03.04.2026"  # the minimum of 100 points is reached
    assert daily(db, date(2026, 3, 20), now=moscow(2026, 3, 20, 9))["expiry_reminder"]["messages"] == 0
    assert len(messages(db, "points-expiring")) == 2


def test_fewer_points_than_the_reminders_minimum_are_not_announced(db: Database) -> None:
    text = (EXAMPLES / "wholesale_tiers.yaml").read_text(encoding="utf-8")
    wholesale(db)
    load_text(db, text.replace('min_points: "100"', 'min_points: "101"'), moscow(2025, 4, 1))  # version 2
    summary = daily(db, date(2026, 3, 20), now=moscow(2026, 3, 20, 3))
    assert summary["expiry_reminder"] == {"expiring_on": "2026-04-03", "accounts": 1, "messages": 1}


def test_a_reminder_is_never_sent_for_points_already_gone(db: Database) -> None:
    wholesale(db)
    late = daily(db, date(2026, 3, 20), now=moscow(2026, 4, 10))
    assert late["expiry_reminder"]["messages"] == 0


# --- catch-up and bad input ------------------------------------------------------------------------------------
def test_catching_up_a_range_runs_each_day_in_order_and_a_second_catch_up_changes_nothing(db: Database) -> None:
    garage(db, contact("ivan", "Иван", date(1980, 4, 12)), contact("olga", "Ольга", date(1985, 4, 14)))
    clock = lambda: moscow(2026, 4, 20, 3)  # noqa: E731
    days = run_days(db, date(2026, 4, 10), date(2026, 4, 19), clock=clock)
    assert [d["date"] for d in days][:3] == ["2026-04-10", "2026-04-11", "2026-04-12"]
    assert sum(d["birthday"]["granted"] for d in days) == 2
    again = run_days(db, date(2026, 4, 1), date(2026, 4, 20), clock=clock)
    assert sum(d["birthday"]["granted"] for d in again) == 0
    assert ledger_sum(db, "GARAGE") == 4000


def test_a_day_not_begun_a_date_that_is_not_a_date_and_an_unknown_program_are_refused(db: Database) -> None:
    garage(db, contact("ivan", "Иван", date(1980, 4, 12)))
    with pytest.raises(RuleViolation) as early:
        daily(db, date(2026, 4, 12), now=moscow(2026, 4, 11, 23, 0))
    assert (early.value.code, early.value.field) == ("day_not_started", "date")
    with pytest.raises(InvalidInput) as bad:
        parse_day("2026-02-30")
    assert (bad.value.code, bad.value.field) == ("invalid_date", "date")
    with pytest.raises(NotFound) as unknown:
        daily(db, date(2026, 4, 12), program="nope")
    assert unknown.value.code == "program_not_found"
    with pytest.raises(InvalidInput) as backwards:
        run_days(db, date(2026, 4, 12), date(2026, 4, 1), clock=lambda: moscow(2026, 5, 1))
    assert backwards.value.code == "invalid_range"
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(EventRow)) == 0
        assert s.scalar(select(func.count()).select_from(MessageRow)) == 0
