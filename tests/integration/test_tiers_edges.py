"""Tiers at their edges, on a small program of three levels (basic; plus for 100,000 RUB over 3 rolling
months, x2; top for 300,000, x3; 1% of a purchase): upgrades at the close only, an upgrade that applies
from the next order, the downgrade straight to the qualified level, no entry level, members without a
tier, clients who left, replays, the queries a batch costs, and bad programs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from loyalka.errors import InvalidProgram
from loyalka.services.programs import active_program
from loyalka.services.tier_stage import tier_stage
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow, ProgramRow
from tests.conftest import moscow
from tests.support import add_account, card, give_back, load_example, load_text, order, post
from tests.tier_support import close, history, messages, tier_of

JOINED = moscow(2026, 1, 10, 9)

PROGRAM = """
program:
  code: edge-tiers
  name: {ru: "Уровни", en: "Tiers"}
point_kinds:
  bonus:
    name: {ru: "Бонусы", en: "Bonus"}
earning:
  - id: purchases
    kind: bonus
    amount: {percent: "1%"}
MEMBERSHIP
tiers:
  evaluation: {at: month, upgrade: UPGRADE, upgrade_includes_trigger: TRIGGER}
  downgrade: {keep_periods: 0, step: STEP}
  levels:
LEVELS
triggers:
  tier_change_message: tier
messages:
  tier:
    subject: {ru: "Ваш уровень: {tier}", en: "Your level: {tier}"}
    body: {ru: "{company}: {tier}", en: "{company}: {tier}"}
"""
BASIC = """    - id: basic
      name: {ru: "Базовый", en: "Basic"}
"""
PLUS_AND_TOP = """    - id: plus
      name: {ru: "Плюс", en: "Plus"}
      earn_multiplier: "2"
      qualify: {turnover: {min: "100000.00", window: {rolling_months: 3}}}
    - id: top
      name: {ru: "Топ", en: "Top"}
      earn_multiplier: "3"
      qualify: {turnover: {min: "300000.00", window: {rolling_months: 3}}}
"""


def program(
    *,
    upgrade: str = "immediately",
    trigger: str = "true",
    step: str = "one_level",
    levels: str = BASIC + PLUS_AND_TOP,
    membership: str = "",
) -> str:
    replaced = {"UPGRADE": upgrade, "TRIGGER": trigger, "STEP": step, "LEVELS": levels, "MEMBERSHIP": membership}
    text = PROGRAM
    for key, value in replaced.items():
        text = text.replace(key, value)
    return text


def setup(db: Database, text: str, *codes: str) -> None:
    load_text(db, text, JOINED)
    for code in codes or ("ACME",):
        add_account(db, code, JOINED)


def earned(outcome) -> str:
    return outcome.result["earned"][0]["points"]


def test_a_program_whose_higher_level_has_no_criterion_is_refused_and_nothing_is_stored(db: Database) -> None:
    text = program(levels=BASIC + '    - id: plus\n      name: {ru: "Плюс", en: "Plus"}\n')
    with pytest.raises(InvalidProgram) as info:
        load_text(db, text, JOINED)
    [issue] = info.value.issues
    assert (issue.path, issue.message) == ("tiers.levels.1.qualify", "only the lowest level may be without a criterion")
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(ProgramRow)) == 0


def test_an_upgrade_at_close_waits_for_the_close(db: Database) -> None:
    setup(db, program(upgrade="at_close"))
    [done] = post(db, order("e1", "ACME", "O-1", moscow(2026, 1, 20), rub=150_000))
    assert (done.result["tier"], earned(done)) == ("basic", "1500.00")
    assert tier_of(db, "ACME")[0] == "basic"
    summary = close(db, "2026-01")["tiers"]
    assert (summary["upgraded"], summary["distribution"]) == (1, {"basic": 0, "plus": 1, "top": 0})
    assert tier_of(db, "ACME") == ("plus", moscow(2026, 2, 1), moscow(2026, 2, 1))
    assert history(db, "ACME")[-1] == ("basic", "plus", "qualified_at_close")
    assert messages(db, "ACME") == [("tier", "Ваш уровень: Плюс")]


def test_without_upgrade_includes_trigger_the_qualifying_order_earns_at_the_old_tier(db: Database) -> None:
    setup(db, program(trigger="false"))
    [first] = post(db, order("e1", "ACME", "O-1", moscow(2026, 1, 20), rub=150_000))
    assert (first.result["tier"], earned(first)) == ("basic", "1500.00")
    assert "it applies from the next order" in first.result["notes"][0]
    assert tier_of(db, "ACME")[0] == "plus"
    [second] = post(db, order("e2", "ACME", "O-2", moscow(2026, 1, 21), rub=10_000))
    assert (second.result["tier"], earned(second)) == ("plus", "200.00")


def test_a_downgrade_to_qualified_drops_straight_to_the_level_qualified_for(db: Database) -> None:
    setup(db, program(step="to_qualified"))
    post(db, order("e1", "ACME", "O-1", moscow(2026, 1, 20), rub=300_000))
    give_back(db, "r1", "O-1", moscow(2026, 1, 25), 250_000)
    assert tier_of(db, "ACME")[0] == "top"
    assert close(db, "2026-01")["tiers"]["downgraded"] == 1
    assert history(db, "ACME")[-1] == ("top", "basic", "not_qualified")


def test_without_an_entry_level_a_client_starts_with_no_tier_and_may_lose_its_only_one(db: Database) -> None:
    vip = '    - id: vip\n      name: {ru: "VIP", en: "VIP"}\n      qualify: {orders: {min: 2, window: {rolling_months: 3}}}\n'
    setup(db, program(levels=vip))
    assert tier_of(db, "ACME") == (None, None, None)
    assert card(db, "ACME", JOINED)["tier"]["id"] is None
    [first, second] = post(
        db,
        order("e1", "ACME", "O-1", moscow(2026, 1, 20), rub=10_000),
        order("e2", "ACME", "O-2", moscow(2026, 1, 21), rub=10_000),
    )
    assert (first.result["tier"], second.result["tier"]) == (None, "vip")
    give_back(db, "r1", "O-2", moscow(2026, 1, 22), 10_000)  # a whole order returned no longer counts
    summary = close(db, "2026-01")["tiers"]
    assert (summary["downgraded"], summary["distribution"]) == (1, {"vip": 0})
    assert history(db, "ACME") == [(None, "vip", "qualified_on_order"), ("vip", None, "not_qualified")]


def test_without_an_entry_level_an_upgrade_applying_from_the_next_order_leaves_the_trigger_at_no_tier(
    db: Database,
) -> None:
    vip = (
        '    - id: vip\n      name: {ru: "VIP", en: "VIP"}\n      earn_multiplier: "2"\n'
        '      qualify: {turnover: {min: "100000.00", window: {rolling_months: 3}}}\n'
    )
    setup(db, program(levels=vip, trigger="false"))
    [first] = post(db, order("e1", "ACME", "O-1", moscow(2026, 1, 20), rub=150_000))
    assert (first.result["tier"], earned(first)) == (None, "1500.00")  # 1%, not the vip's x2
    assert tier_of(db, "ACME")[0] == "vip"
    back = give_back(db, "r1", "O-1", moscow(2026, 1, 22), 10_000)
    assert back["taken_back"][0]["points"] == "100.00"  # 1% of the 10,000 returned, at the tier it earned at
    [second] = post(db, order("e2", "ACME", "O-2", moscow(2026, 1, 23), rub=10_000))
    assert (second.result["tier"], earned(second)) == ("vip", "200.00")


def test_a_member_without_a_tier_is_at_the_entry_level_until_the_close_records_it(db: Database) -> None:
    no_tiers = program().split("tiers:\n  evaluation")[0] + "messages: {}\n"
    setup(db, no_tiers)  # the account joined before the program had tiers
    load_text(db, program(), moscow(2026, 1, 11))
    assert tier_of(db, "ACME")[0] is None
    assert card(db, "ACME", moscow(2026, 1, 12))["tier"]["id"] == "basic"
    [done] = post(db, order("e1", "ACME", "O-1", moscow(2026, 1, 20), rub=10_000))
    assert (done.result["tier"], earned(done)) == ("basic", "100.00")
    summary = close(db, "2026-01")["tiers"]
    assert (summary["kept"], summary["distribution"]["basic"]) == (1, 1)
    assert history(db, "ACME") == [(None, "basic", "entry")]
    assert messages(db, "ACME") == []  # nothing changed for the client


def test_a_client_who_left_is_neither_upgraded_nor_evaluated(db: Database) -> None:
    stay = 'membership:\n  stay_threshold: {min_purchases: "1000.00"}\n'
    setup(db, program(membership=stay), "STAYS", "LEAVES")
    post(db, order("s1", "STAYS", "O-S1", moscow(2026, 1, 20), rub=150_000))
    summary = close(db, "2026-01")
    assert summary["left_program"] == 1
    assert summary["tiers"]["distribution"] == {"basic": 0, "plus": 1, "top": 0}
    assert summary["tiers"]["kept"] == 1
    [late] = post(db, order("l1", "LEAVES", "O-L1", moscow(2026, 2, 3), rub=500_000))
    assert (late.result["tier"], late.result["earned"]) == ("basic", [])
    assert tier_of(db, "LEAVES")[0] == "basic"
    shown = card(db, "LEAVES", moscow(2026, 2, 4))["tier"]
    assert (shown["id"], shown["next"]) == ("basic", None)  # no progress for a client outside the program


def test_replaying_the_upgrading_order_changes_nothing(db: Database) -> None:
    setup(db, program())
    sent = order("e1", "ACME", "O-1", moscow(2026, 1, 20), rub=150_000)
    post(db, sent)
    [again] = post(db, sent)
    assert again.replayed and again.result["tier"] == "plus"
    assert history(db, "ACME") == [(None, "basic", "joined"), ("basic", "plus", "qualified_on_order")]
    assert len(messages(db, "ACME")) == 1


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn, _cursor, sql, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(sql)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_a_batch_costs_the_same_few_queries_for_100_orders_as_for_1000(db: Database) -> None:
    codes = [f"C{i:03d}" for i in range(200)]
    setup(db, program(), *codes)
    counted = []
    for first, size in ((0, 20), (20, 180)):
        batch = [
            order(f"e{c}-{n}", c, f"O-{c}-{n}", moscow(2026, 1, 20, 10, n), rub=1_000)
            for c in codes[first : first + size]
            for n in range(5)
        ]
        with statements(db) as seen:
            post(db, *batch)
        counted.append([sql for sql in seen if "FROM orders" in sql])
    assert len(counted[0]) == len(counted[1]) <= 3
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(AccountRow).where(AccountRow.tier == "basic")) == 200


def test_a_program_without_tiers_has_no_tier_stage_and_shows_no_tier(db: Database) -> None:
    load_example(db, "textile.yaml", JOINED)
    add_account(db, "SALON", JOINED)
    with db.unit_of_work() as s:
        program_id = s.scalar(select(ProgramRow.id))
        assert tier_stage(s, active_program(s, program_id), JOINED) is None
    [done] = post(db, order("e1", "SALON", "O-1", moscow(2026, 1, 20), rub=10_000))
    assert done.result["tier"] is None
    assert card(db, "SALON", moscow(2026, 1, 21))["tier"] is None
    assert history(db, "SALON") == []
