"""The textile program (seed 000) walked through October and November 2026 for the liability tests.

SALON-1  Oct 5  order 5 000 -> lot A 500      Oct 20 order 7 000 -> lot B 700
SALON-2  Oct 10 order 10 000 -> lot C 1 000
October close: both stay (12 000 and 10 000 >= 9 000); A, B, C spendable in November, gone on Dec 1
SALON-1  Nov 10 order 6 000 paying 900 with bonuses (the 15% cap): A gives 500, B 400; the 5 100 paid in
         money earns lot D 510
SALON-2  Nov 15 order 9 000 -> lot E 900
November close: B's 300 and C's 1 000 expire; SALON-1 bought 6 000 < 9 000 and leaves: D's 510 forfeited
"""

from __future__ import annotations

from loyalka.jobs.period_close import close_month
from loyalka.services.redemption import hold_points
from loyalka.storage.database import Database
from tests.conftest import moscow
from tests.support import add_account, load_example, order, post

JOINED = moscow(2026, 10, 1, 9)
SPEND_AT = moscow(2026, 11, 10, 11)


def october(db: Database) -> None:
    load_example(db, "textile.yaml", JOINED)
    add_account(db, "SALON-1", JOINED)
    add_account(db, "SALON-2", JOINED)
    post(db, order("e1", "SALON-1", "O-1", moscow(2026, 10, 5, 12), rub=5000))
    post(db, order("e2", "SALON-2", "O-2", moscow(2026, 10, 10, 12), rub=10000))
    post(db, order("e3", "SALON-1", "O-3", moscow(2026, 10, 20, 15), rub=7000))
    with db.unit_of_work() as s:
        close_month(s, "2026-10", now=moscow(2026, 11, 1, 1))


def november(db: Database, *, close: bool = True) -> None:
    with db.unit_of_work() as s:
        hold_points(
            s, key="h1", request_hash="h1", account_code="SALON-1", order_ref="O-4", order_total_minor=600000,
            money_minor=None, contact_code=None, at=SPEND_AT,
        )  # fmt: skip
    post(db, order("e4", "SALON-1", "O-4", SPEND_AT, rub=6000, hold_key="h1"))
    post(db, order("e5", "SALON-2", "O-5", moscow(2026, 11, 15, 12), rub=9000))
    if close:
        with db.unit_of_work() as s:
            close_month(s, "2026-11", now=moscow(2026, 12, 1, 0, 30))


def december(db: Database) -> None:
    post(db, order("e6", "SALON-2", "O-6", moscow(2026, 12, 10, 12), rub=9000, redeem_minor=50000))
    with db.unit_of_work() as s:
        close_month(s, "2026-12", now=moscow(2027, 1, 1, 0, 30))


def textile_ledger(db: Database, *, close_november: bool = True, through_december: bool = False) -> None:
    october(db)
    november(db, close=close_november)
    if through_december:
        december(db)
