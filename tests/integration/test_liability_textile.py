"""The liability of a live program read from the ledger: the textile example (seed 000) after a few orders, a spend
and the month closes (tests/liability_support.py), every figure checked by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from loyalka.analytics.liability import liability, movement
from loyalka.analytics.liability_db import lots_at, month_snapshots, parse_at, read_ledger
from loyalka.errors import InvalidInput, NotFound
from loyalka.storage.database import Database
from tests.conftest import moscow
from tests.liability_support import october, textile_ledger
from tests.support import give_back

TZ = "Europe/Moscow"


def ledger(db: Database):  # type: ignore[no-untyped-def]
    with db.unit_of_work() as s:
        return read_ledger(s, "liontex-privilege")


def end_of(day: str):  # type: ignore[no-untyped-def]
    return parse_at(day, TZ, now=datetime.now(UTC))


def test_after_the_november_close_900_are_outstanding_and_368_18_deferred(db: Database) -> None:
    textile_ledger(db)
    at = end_of("2026-11-30")
    lots = lots_at(ledger(db), at)
    assert lots.sort("earned_at").select(
        "account", "earned_minor", "remaining_minor", "spent_minor", "expired_minor", "forfeited_minor"
    ).rows() == [  # fmt: skip
        ("SALON-1", 50000, 0, 50000, 0, 0),  # A: spent whole
        ("SALON-2", 100000, 0, 0, 100000, 0),  # C: expired whole
        ("SALON-1", 70000, 0, 40000, 30000, 0),  # B: 400 spent, 300 expired
        ("SALON-1", 51000, 0, 0, 0, 51000),  # D: forfeited when SALON-1 left
        ("SALON-2", 90000, 90000, 0, 0, 0),  # E: outstanding
    ]
    state = liability(lots, at)
    # October's lots are all settled: 1 300 expired of 900 + 1 300; November's wait for E
    assert state.by_kind["breakage_rate"][0] == pytest.approx(1300 / 2200)
    assert (state.outstanding_minor, state.expected_breakage_minor, state.deferred_minor) == (90000, 53182, 36818)
    assert state.by_expiry.select("expires_in", "outstanding_points").rows() == [("2026-12", D(900))]


def test_after_the_december_close_forfeits_count_as_breakage(db: Database) -> None:
    textile_ledger(db, through_december=True)
    at = end_of("2026-12-31")
    state = liability(lots_at(ledger(db), at), at)
    # October and November settled: spent 900 + 500, expired 1 300 + 400, forfeited 510 -> 2 210 / 3 610;
    # F's 850 outstanding: expected breakage 850 * 2 210/3 610 = 520.36
    assert state.breakage.select("settled_cohorts", "spent_points", "expired_points", "forfeited_points").row(0) == (
        2,
        D(1400),
        D(1700),
        D(510),
    )
    assert (state.outstanding_minor, state.expected_breakage_minor, state.deferred_minor) == (85000, 52036, 32964)
    ignored = liability(lots_at(ledger(db), at), at, forfeits="ignore")
    assert ignored.deferred_minor == 38387  # 850 * (1 - 1 700/3 100)


def test_the_monthly_movement_from_the_ledger(db: Database) -> None:
    textile_ledger(db, through_december=True)
    moves = movement(month_snapshots(ledger(db), end_of("2026-12-31")))
    assert moves.select(
        "month",
        "opening_minor",
        "earned_minor",
        "spent_minor",
        "expired_minor",
        "forfeited_minor",
        "breakage_change_minor",
        "closing_minor",
    ).rows() == [  # fmt: skip
        ("2026-10", 0, 220000, 0, 0, 0, 0, 220000),
        ("2026-11", 220000, 141000, 90000, 130000, 51000, 53182, 36818),
        ("2026-12", 36818, 85000, 50000, 40000, 0, -1146, 32964),
    ]


def test_in_mid_november_every_point_is_still_owed(db: Database) -> None:
    textile_ledger(db)
    at = end_of("2026-11-20")
    state = liability(lots_at(ledger(db), at), at)
    row = state.by_kind.row(0, named=True)
    # no month of earning is settled yet (only A is): no breakage; B 300 + C 1 000 + D 510 + E 900 outstanding
    assert row["outstanding_points"] == D(2710) and row["pending_points"] == D(1410)
    assert row["breakage_rate"] == 0.0
    assert state.deferred_minor == 271000


def test_points_past_their_date_count_as_expired_before_the_close_runs(db: Database) -> None:
    textile_ledger(db, close_november=False)
    at = end_of("2026-11-30")
    state = liability(lots_at(ledger(db), at), at)
    # B's 300 and C's 1 000 lapsed at Dec 1 00:00 (October settled); no forfeit yet: D 510 + E 900 outstanding
    assert state.outstanding_minor == 141000
    assert state.expected_breakage_minor == 83318  # 1 410 * 13/22 = 833.18
    assert state.deferred_minor == 57682


def test_a_return_takes_its_points_out_of_earned(db: Database) -> None:
    october_only = moscow(2026, 10, 25, 10)
    october(db)
    give_back(db, "r1", "O-2", october_only, 2000)  # 2 000 of SALON-2's 10 000: 200 points taken back
    lots = lots_at(ledger(db), end_of("2026-10-31"))
    salon_2 = lots.filter(lots["account"] == "SALON-2").row(0, named=True)
    assert (salon_2["earned_minor"], salon_2["remaining_minor"]) == (80000, 80000)
    before = lots_at(ledger(db), end_of("2026-10-24"))
    assert before.filter(before["account"] == "SALON-2")["earned_minor"][0] == 100000


def test_an_unknown_program_and_a_bad_date_are_refused(db: Database) -> None:
    october(db)
    with pytest.raises(NotFound) as unknown, db.unit_of_work() as s:
        read_ledger(s, "no-such-program")
    assert unknown.value.code == "program_not_found"
    for text in ("2026-13-01", "30.11.2026", "yesterday", "2026-02-30"):
        with pytest.raises(InvalidInput) as bad:
            parse_at(text, TZ, now=datetime.now(UTC))
        assert bad.value.code == "invalid_date" and bad.value.field == "at"


def test_a_program_with_no_points_yet_owes_nothing(db: Database) -> None:
    from tests.support import add_account, load_example

    load_example(db, "textile.yaml", moscow(2026, 10, 1))
    add_account(db, "SALON-1", moscow(2026, 10, 1))
    book = ledger(db)
    at = end_of("2026-10-31")
    assert lots_at(book, at).is_empty() and list(month_snapshots(book, at)) == []
    state = liability(lots_at(book, at), at)
    assert (state.outstanding_minor, state.deferred_minor) == (0, 0)
