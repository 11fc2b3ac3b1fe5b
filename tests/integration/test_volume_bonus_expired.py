"""A volume bonus taken back after its points expired: what expired unspent gave the client nothing and is not
recovered from its other points (as for an order's own points, docs/program.md); what it spent is."""

from __future__ import annotations

from loyalka.storage.database import Database
from tests.conftest import moscow
from tests.support import add_account, balances, give_back, ledger_sum, line, load_text, order, post
from tests.support_b2b import close

PROGRAM = """
program:
  code: quarter-volume
  name: {ru: "Объём за квартал", en: "Quarter volume"}
  timezone: Europe/Moscow
point_kinds:
  points:
    name: {ru: "Баллы", en: "Points"}
    decimals: 0
    value_per_point: "1.00"
    activation: {after: immediately}
    expiry: {after: days, days: 20}
earning:
  - id: orders
    kind: points
    categories: [goods]
    amount: {percent: "1%"}
volume_bonuses:
  - id: quarter
    kind: points
    period: quarter
    brackets:
      - {from: "1000000.00", percent: "1%"}
"""
QUARTER_END = moscow(2027, 1, 1, 1)


def quarter_of_1200000(db: Database) -> None:
    """Two orders of 600,000 (of a category no rule earns on): 1% of 1,200,000 = 12,000 at the close, on
    1 January, expiring 20 days later."""
    load_text(db, PROGRAM, moscow(2026, 10, 1))
    add_account(db, "C-1", moscow(2026, 10, 1))
    post(db, order("e1", "C-1", "O-1", moscow(2026, 10, 5), line("steel", 600_000, "metal")))
    post(db, order("e2", "C-1", "O-2", moscow(2026, 11, 5), line("steel", 600_000, "metal")))
    close(db, "2026-10", "2026-11", "2026-12", now=QUARTER_END)
    assert balances(db, "C-1", moscow(2027, 1, 2))["points"]["spendable"] == "12000"


def points(db: Database, at: object) -> tuple[str, str]:
    found = balances(db, "C-1", at)["points"]  # type: ignore[arg-type]
    return found["spendable"], found["debt"]


def test_a_bonus_that_expired_unspent_leaves_no_debt_when_a_return_withdraws_it(db: Database) -> None:
    quarter_of_1200000(db)
    close(db, "2027-01", now=moscow(2027, 2, 1, 1))  # the 12,000 expired on 21 January
    assert points(db, moscow(2027, 2, 2)) == ("0", "0")
    post(db, order("e3", "C-1", "O-3", moscow(2027, 2, 2), line("bolts", 300_000, "goods")))  # 3,000 points
    returned = give_back(db, "r1", "O-1", moscow(2027, 2, 3), 300_000)  # 900,000: under the bracket
    assert returned["taken_back"] == [{"kind": "points", "rule": "quarter", "points": "0", "debt": "0"}]
    assert points(db, moscow(2027, 2, 3, 12)) == ("3000", "0")
    assert ledger_sum(db, "C-1") == 3_000


def test_of_a_bonus_spent_in_part_then_expired_only_the_part_spent_is_recovered(db: Database) -> None:
    quarter_of_1200000(db)
    post(
        db, order("e3", "C-1", "O-3", moscow(2027, 1, 10), line("bolts", 5_000, "goods"), redeem_minor=5_000_00)
    )  # 5,000 of the bonus spent; the other 7,000 expire on 21 January
    close(db, "2027-01", now=moscow(2027, 2, 1, 1))
    post(db, order("e4", "C-1", "O-4", moscow(2027, 2, 2), line("bolts", 300_000, "goods")))  # 3,000 points
    returned = give_back(db, "r1", "O-1", moscow(2027, 2, 3), 300_000)
    assert returned["taken_back"] == [{"kind": "points", "rule": "quarter", "points": "3000", "debt": "2000"}]
    assert points(db, moscow(2027, 2, 3, 12)) == ("0", "2000")
    # a second return cannot recover it twice: the bonus is at zero already
    give_back(db, "r2", "O-2", moscow(2027, 2, 4), 100_000)
    assert points(db, moscow(2027, 2, 4, 12)) == ("0", "2000")
