"""PostgreSQL race tests: an order or a return sent several times at once (a sender retrying on a timeout) is
recorded once, and every copy gets the first answer, not a server error."""

from __future__ import annotations

from sqlalchemy import func, select

from loyalka.storage.database import Database
from loyalka.storage.tables import EventRow
from tests.conftest import moscow
from tests.races import at_once
from tests.support import add_account, give_back, ledger_sum, load_example, order, post

JOINED = moscow(2026, 10, 1, 9)


def wholesale(db: Database) -> None:
    load_example(db, "wholesale_tiers.yaml", JOINED)
    add_account(db, "OPT-1", JOINED)


def events(db: Database) -> int:
    with db.unit_of_work() as s:
        return int(s.scalar(select(func.count()).select_from(EventRow)))


def test_the_same_order_sent_five_times_at_once_is_recorded_once(pg_db: Database) -> None:
    wholesale(pg_db)
    placed = order("e1", "OPT-1", "O-1", moscow(2026, 10, 1), rub=120_000)
    done, refused = at_once(5, lambda _: post(pg_db, placed, now=moscow(2026, 10, 1, 1))[0])
    assert (len(done), refused) == (5, [])
    assert sorted(outcome.replayed for outcome in done) == [False, True, True, True, True]
    assert {outcome.result["earned"][0]["points"] for outcome in done} == {"1200"}
    assert (events(pg_db), ledger_sum(pg_db, "OPT-1")) == (1, 1200)


def test_the_same_return_sent_five_times_at_once_takes_back_once(pg_db: Database) -> None:
    wholesale(pg_db)
    post(pg_db, order("e1", "OPT-1", "O-1", moscow(2026, 10, 1), rub=120_000))
    done, refused = at_once(5, lambda _: give_back(pg_db, "r1", "O-1", moscow(2026, 10, 5), 20_000))
    assert (len(done), refused) == (5, [])
    assert {str(result["taken_back"]) for result in done} == {
        str([{"kind": "points", "rule": "orders", "points": "200", "debt": "0"}])
    }
    assert (events(pg_db), ledger_sum(pg_db, "OPT-1")) == (2, 1000)
