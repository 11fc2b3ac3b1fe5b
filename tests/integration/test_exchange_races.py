"""PostgreSQL race tests of the exchange: a code activates once, the monthly transfer limit holds, two companies
cannot name each other as referrer, whatever arrives at the same moment."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from loyalka.services.codes import activate_code
from loyalka.services.referrals import set_referrer
from loyalka.services.transfers import transfer_points
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow, EntryRow
from loyalka.storage.tables_exchange import CodeActivationRow, TransferRow
from tests.conftest import moscow
from tests.races import at_once
from tests.support import add_account, ledger_sum, line, load_example, order, post

JOINED = moscow(2026, 4, 1, 9)
NOW = moscow(2026, 4, 3, 12)


def test_two_accounts_activating_the_same_card_at_once_exactly_one_succeeds(pg_db: Database) -> None:
    load_example(pg_db, "autoservice_case2.yaml", JOINED)
    codes = [f"G{i}" for i in range(8)]
    for code in codes:
        add_account(pg_db, code, JOINED)

    def activate(account: str) -> Callable[[], object]:
        def task() -> object:
            with pg_db.unit_of_work() as s:
                return activate_code(s, "partner-club", "400012345678", account, now=NOW)

        return task

    done, refused = at_once(len(codes), lambda i: activate(codes[i])())
    assert len(done) == 1 and refused == ["code_already_activated"] * 7
    assert ledger_sum(pg_db) == 2000
    with pg_db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(CodeActivationRow)) == 1
        assert s.scalar(select(func.count()).select_from(EntryRow)) == 1


def test_simultaneous_transfers_never_pass_the_monthly_limit(pg_db: Database) -> None:
    load_example(pg_db, "autoservice_case1.yaml", JOINED)
    for code in ("SENDER", "R0", "R1", "R2", "R3"):
        add_account(pg_db, code, JOINED)
    post(pg_db, order("e1", "SENDER", "WO-1", moscow(2026, 4, 2), line("parts", 300_000, "parts")))  # 36,000

    def send(i: int) -> Callable[[], object]:
        def task() -> object:
            with pg_db.unit_of_work() as s:
                return transfer_points(s, key=f"t{i}", sender="SENDER", receiver=f"R{i}", points="5000", now=NOW)

        return task

    done, refused = at_once(4, lambda i: send(i)())  # 4 x 5,000 against a limit of 10,000 a month
    assert len(done) == 2 and refused == ["monthly_transfer_limit"] * 2
    with pg_db.unit_of_work() as s:
        assert s.scalar(select(func.sum(TransferRow.points_minor))) == 10000
    assert ledger_sum(pg_db, "SENDER") == 26000 and ledger_sum(pg_db) == 36000


def test_two_companies_naming_each_other_as_referrer_at_once_one_is_refused(pg_db: Database) -> None:
    load_example(pg_db, "wholesale_tiers.yaml", JOINED)
    add_account(pg_db, "A", JOINED, inn="7707083893")
    add_account(pg_db, "B", JOINED, inn="7736207543")
    with pg_db.unit_of_work() as s:
        codes = {code: ref for code, ref in s.execute(select(AccountRow.code, AccountRow.referral_code))}

    def name(account: str, by: str) -> Callable[[], object]:
        def task() -> object:
            with pg_db.unit_of_work() as s:
                return set_referrer(s, account, codes[by], now=NOW)

        return task

    pairs = [("A", "B"), ("B", "A")]
    done, refused = at_once(2, lambda i: name(*pairs[i])())
    assert len(done) == 1 and refused == ["referral_loop"]
    with pg_db.unit_of_work() as s:
        assert s.scalar(select(func.count()).where(AccountRow.referred_by_id.is_not(None))) == 1
