"""Orders with lines (seed 001, case 1): earning by category, caps by category, promotional lines, the
first-order minimum, returns of lines, corrected documents, margin-based earning."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from loyalka.errors import Conflict, InvalidInput, RuleViolation
from loyalka.ledger.book import Book, EntryType, Lot
from loyalka.services.redemption import quote_order
from loyalka.storage.database import Database
from loyalka.storage.ledger_store import persist
from loyalka.storage.tables import AccountRow, EntryRow, OrderRow
from tests.conftest import moscow
from tests.support import (
    add_account,
    balances,
    give_back,
    ledger_sum,
    line,
    load_example,
    load_text,
    order,
    post,
    spendable,
)

JOINED = moscow(2026, 3, 1, 9)


def case1(db: Database, *codes: str) -> None:
    load_example(db, "autoservice_case1.yaml", JOINED)
    for code in codes or ("GARAGE",):
        add_account(db, code, JOINED, region="Москва")


def first_visit(db: Database) -> None:
    """Labour 3,000 and parts 2,000 earn 120 + 240 = 360 by the rules; the first visit earns at least 1000."""
    post(
        db,
        order(
            "e1",
            "GARAGE",
            "WO-1",
            moscow(2026, 3, 2, 10),
            line("oil-change", 3000, "labour"),
            line("filter", 2000, "parts"),
        ),
    )


def test_a_first_visit_earns_by_the_rules_but_at_least_1000_points(db: Database) -> None:
    case1(db)
    [done] = post(
        db,
        order(
            "e1",
            "GARAGE",
            "WO-1",
            moscow(2026, 3, 2, 10),
            line("oil-change", 3000, "labour"),
            line("filter", 2000, "parts"),
        ),
    )
    earned = {e["rule"]: e["points"] for e in done.result["earned"]}
    assert earned == {"labour": "120", "parts": "240", "first_order": "640"}
    assert spendable(db, "GARAGE", moscow(2026, 3, 2, 11), "bonus") == "1000"
    [second] = post(db, order("e2", "GARAGE", "WO-2", moscow(2026, 3, 5), line("wash", 1000, "labour")))
    assert [e["rule"] for e in second.result["earned"]] == ["labour"]  # the minimum is for the first visit only
    assert spendable(db, "GARAGE", moscow(2026, 3, 6), "bonus") == "1040"


def test_a_first_visit_that_earns_more_than_1000_gets_no_top_up(db: Database) -> None:
    case1(db)
    [done] = post(
        db,
        order("e1", "GARAGE", "WO-1", moscow(2026, 3, 2), line("engine", 20000, "labour"), line("pump", 5000, "parts")),
    )
    assert {e["rule"]: e["points"] for e in done.result["earned"]} == {"labour": "800", "parts": "600"}


def test_bonus_points_pay_at_most_10_percent_of_labour_and_never_a_promotional_line(db: Database) -> None:
    case1(db)
    post(
        db,
        order(
            "e1", "GARAGE", "WO-1", moscow(2026, 3, 2), line("engine", 30000, "labour"), line("pump", 10000, "parts")
        ),
    )  # 1,200 + 1,200 = 2,400 points
    at = moscow(2026, 3, 20, 12)
    lines = (
        line("diagnostics", 2000, "labour", promo=True),
        line("repair", 10000, "labour"),
        line("pads", 15000, "parts"),
    )
    with db.unit_of_work() as s:
        quote = quote_order(s, account_code="GARAGE", lines=lines, contact_code=None, at=at)
    assert quote.max_money_minor == 100_000  # 10% of the 10,000 of labour that is not promotional
    assert quote.for_kind("bonus").cap_minor == 1000
    with db.unit_of_work() as s:
        only_promo = quote_order(
            s,
            account_code="GARAGE",
            lines=(line("diagnostics", 2000, "labour", promo=True), line("pads", 15000, "parts")),
            contact_code=None,
            at=at,
        )
    assert only_promo.max_money_minor == 0
    with pytest.raises(RuleViolation) as refused:
        post(db, order("e2", "GARAGE", "WO-2", at, *lines, redeem_minor=100_100))
    assert refused.value.code == "redemption_cap_exceeded"


def test_the_part_of_labour_paid_with_points_earns_nothing(db: Database) -> None:
    case1(db)
    first_visit(db)
    at = moscow(2026, 3, 20, 12)
    [done] = post(
        db,
        order(
            "e2",
            "GARAGE",
            "WO-2",
            at,
            line("diagnostics", 2000, "labour", promo=True),
            line("repair", 10000, "labour"),
            line("pads", 15000, "parts"),
            redeem_max=True,
        ),
    )
    assert done.result["paid_with_points"] == "1000.00"
    # labour: 4% of (12,000 - the 1,000 paid with points) = 440; parts: 12% of 15,000 = 1,800
    assert {e["rule"]: e["points"] for e in done.result["earned"]} == {"labour": "440", "parts": "1800"}
    assert spendable(db, "GARAGE", moscow(2026, 3, 20, 13), "bonus") == "2240"
    assert ledger_sum(db, "GARAGE") == 2240


def test_premium_points_pay_first_and_both_kinds_stay_within_half_of_labour(db: Database) -> None:
    case1(db)
    first_visit(db)
    with db.unit_of_work() as s:  # 2,000 premium points, as the birthday trigger credits them
        account_id = s.scalar(select(AccountRow.id).where(AccountRow.code == "GARAGE"))
        book = Book(account_id, [])
        at = moscow(2026, 3, 10)
        book.credit(
            Lot(account_id, "premium", 2000, 2000, at, moscow(2026, 6, 10), "bd-1", "birthday"),
            occurred_at=at,
            type=EntryType.GRANT,
        )
        persist(s, [book], recorded_at=at)
    at = moscow(2026, 3, 20, 12)
    with db.unit_of_work() as s:
        small = quote_order(s, account_code="GARAGE", lines=(line("repair", 8000, "labour"),), contact_code=None, at=at)
    # premium: 50% of 8,000 = 4,000 allowed, 2,000 held; bonus: 10% of 8,000 = 800; together within 4,000
    assert (small.for_kind("premium").max_points_minor, small.for_kind("bonus").max_points_minor) == (2000, 800)
    assert small.max_money_minor == 280_000
    with db.unit_of_work() as s:
        big = quote_order(s, account_code="GARAGE", lines=(line("repair", 3000, "labour"),), contact_code=None, at=at)
    # 50% of 3,000 = 1,500: premium takes all of it, bonus nothing more
    assert (big.for_kind("premium").max_points_minor, big.for_kind("bonus").max_points_minor) == (1500, 0)
    [done] = post(db, order("e2", "GARAGE", "WO-2", at, line("repair", 8000, "labour"), redeem_max=True))
    assert done.result["paid_with_points"] == "2800.00"
    after = balances(db, "GARAGE", moscow(2026, 3, 20, 13))
    assert after["premium"]["spendable"] == "0" and after["bonus"]["spendable"] == str(1000 - 800 + 208)


def test_a_returned_parts_line_takes_back_12_percent_of_it(db: Database) -> None:
    case1(db)
    first_visit(db)
    post(
        db,
        order(
            "e2", "GARAGE", "WO-2", moscow(2026, 3, 20), line("repair", 10000, "labour"), line("pads", 15000, "parts")
        ),
    )
    result = give_back(db, "r1", "WO-2", moscow(2026, 3, 25), 0, ("pads", 5000))
    assert result["lines"] == {"pads": "5000.00"}
    assert result["taken_back"] == [{"kind": "bonus", "rule": "parts", "points": "600", "debt": "0"}]
    assert spendable(db, "GARAGE", moscow(2026, 3, 26), "bonus") == str(1000 + 400 + 1800 - 600)
    with pytest.raises(InvalidInput) as refused:
        give_back(db, "r2", "WO-2", moscow(2026, 3, 26), 0, ("pads", 10001))
    assert refused.value.code == "return_exceeds_order"
    with pytest.raises(InvalidInput) as unknown:
        give_back(db, "r3", "WO-2", moscow(2026, 3, 26), 0, ("tyres", 100))
    assert unknown.value.code == "line_not_found"


def test_a_return_given_as_an_amount_is_spread_over_the_lines_in_proportion(db: Database) -> None:
    case1(db)
    first_visit(db)
    post(
        db,
        order(
            "e2", "GARAGE", "WO-2", moscow(2026, 3, 20), line("repair", 10000, "labour"), line("pads", 15000, "parts")
        ),
    )
    result = give_back(db, "r1", "WO-2", moscow(2026, 3, 25), 5000)
    assert result["lines"] == {"pads": "3000.00", "repair": "2000.00"}
    taken = {t["rule"]: t["points"] for t in result["taken_back"]}
    assert taken == {"labour": "80", "parts": "360"}


def test_a_first_visit_returned_in_part_still_earns_1000_and_returned_whole_earns_nothing(db: Database) -> None:
    case1(db)
    first_visit(db)
    half = give_back(db, "r1", "WO-1", moscow(2026, 3, 3), 0, ("filter", 1000))
    assert half["taken_back"] == [{"kind": "bonus", "rule": "parts", "points": "120", "debt": "0"}]
    assert half["added"] == [{"kind": "bonus", "rule": "first_order", "points": "120", "debt": "0"}]
    assert spendable(db, "GARAGE", moscow(2026, 3, 4), "bonus") == "1000"
    whole = give_back(db, "r2", "WO-1", moscow(2026, 3, 4), 4000)
    assert {t["rule"] for t in whole["taken_back"]} == {"labour", "parts", "first_order"}
    assert spendable(db, "GARAGE", moscow(2026, 3, 5), "bonus") == "0"
    assert ledger_sum(db, "GARAGE") == 0


def test_a_corrected_document_posts_only_the_difference_and_a_resend_changes_nothing(db: Database) -> None:
    case1(db)
    first_visit(db)
    at = moscow(2026, 3, 20, 12)
    v1 = (
        line("diagnostics", 2000, "labour", promo=True),
        line("repair", 10000, "labour"),
        line("pads", 15000, "parts"),
    )
    post(db, order("e2", "GARAGE", "WO-2", at, *v1, redeem_max=True))  # earns 440 + 1,800
    give_back(db, "r1", "WO-2", moscow(2026, 3, 25), 0, ("pads", 5000))  # parts back to 1,200
    v2 = (v1[0], line("repair", 11000, "labour"), v1[2])
    [corrected] = post(db, order("e3", "GARAGE", "WO-2", at, *v2, version=2), now=moscow(2026, 3, 26))
    # labour: 4% of (13,000 - 1,000 paid with points) = 480, 40 more than before; parts unchanged
    assert corrected.result["corrected_from"] == 1 and corrected.result["version"] == 2
    assert corrected.result["changes"] == [{"kind": "bonus", "rule": "labour", "points": "40", "debt": "0"}]
    total = ledger_sum(db, "GARAGE")
    [resent] = post(db, order("e4", "GARAGE", "WO-2", at, *v2, version=2), now=moscow(2026, 3, 27))
    assert resent.replayed is True and ledger_sum(db, "GARAGE") == total
    with pytest.raises(Conflict) as stale:
        post(db, order("e5", "GARAGE", "WO-2", at, *v1, version=1), now=moscow(2026, 3, 27))
    assert stale.value.code == "stale_version"
    with pytest.raises(Conflict) as other:
        post(db, order("e6", "GARAGE", "WO-2", at, *v1, version=2), now=moscow(2026, 3, 27))
    assert other.value.code == "version_conflict"
    [lower] = post(
        db,
        order("e7", "GARAGE", "WO-2", at, v1[0], line("repair", 10500, "labour"), v1[2], version=3),
        now=moscow(2026, 3, 28),
    )
    assert lower.result["changes"] == [{"kind": "bonus", "rule": "labour", "points": "-20", "debt": "0"}]
    with db.unit_of_work() as s:
        row = s.scalar(select(OrderRow).where(OrderRow.order_ref == "WO-2"))
        assert row.version == 3 and row.total_minor == 2_750_000 and row.earned == {"labour": 460, "parts": 1200}
        kinds = {e.type for e in s.scalars(select(EntryRow).where(EntryRow.event_id.in_(["e3", "e7"])))}
        assert kinds == {"earn", "reverse"}


def test_a_correction_below_what_was_returned_or_paid_with_points_is_refused(db: Database) -> None:
    case1(db)
    first_visit(db)
    at = moscow(2026, 3, 20, 12)
    post(
        db,
        order(
            "e2", "GARAGE", "WO-2", at, line("repair", 10000, "labour"), line("pads", 15000, "parts"), redeem_max=True
        ),
    )
    give_back(db, "r1", "WO-2", moscow(2026, 3, 25), 0, ("pads", 5000))
    before = ledger_sum(db, "GARAGE")
    with pytest.raises(InvalidInput) as returned:
        post(
            db,
            order("e3", "GARAGE", "WO-2", at, line("repair", 10000, "labour"), line("pads", 4000, "parts"), version=2),
            now=moscow(2026, 3, 26),
        )
    assert returned.value.code == "correction_below_returned"
    with pytest.raises(RuleViolation) as paid:
        post(
            db,
            order("e4", "GARAGE", "WO-2", at, line("repair", 9000, "labour"), line("pads", 15000, "parts"), version=2),
            now=moscow(2026, 3, 26),
        )
    assert paid.value.code == "correction_below_points_paid"
    assert ledger_sum(db, "GARAGE") == before


def test_order_lines_must_agree_with_the_total_and_name_each_sku_once() -> None:
    with pytest.raises(InvalidInput) as mismatch:
        order("e1", "GARAGE", "WO-1", JOINED, line("a", 100, "labour"), rub=150)
    assert mismatch.value.code == "total_mismatch"
    with pytest.raises(InvalidInput) as twice:
        order("e1", "GARAGE", "WO-1", JOINED, line("a", 100, "labour"), line("a", 50, "parts"))
    assert twice.value.code == "duplicate_line"
    with pytest.raises(InvalidInput) as negative:
        line("a", -1, "labour")
    assert negative.value.code == "negative_amount"


MARGIN = """
program: {code: margin, name: {ru: "Маржа", en: "Margin"}}
point_kinds:
  bonus: {name: {ru: "Бонусы", en: "Bonuses"}}
earning:
  - id: margin
    kind: bonus
    base: margin
    amount: {percent: "10%"}
"""


def test_margin_based_earning_pays_on_the_gross_margin_of_lines_with_a_cost_price(db: Database) -> None:
    load_text(db, MARGIN, JOINED)
    add_account(db, "SHOP", JOINED)
    [done] = post(
        db,
        order(
            "e1",
            "SHOP",
            "O-1",
            moscow(2026, 3, 2),
            line("cloth", 10000, "fabric", cost=7000),
            line("tape", 500, "fabric", cost=600),
            line("no-cost", 2000, "fabric"),
        ),
    )
    # 10% of (10,000 - 7,000); a line sold below cost and a line without a cost price add nothing
    assert done.result["earned"][0]["points"] == "300.00"
    returned = give_back(db, "r1", "O-1", moscow(2026, 3, 3), 0, ("cloth", 5000))
    assert returned["taken_back"][0]["points"] == "150.00"  # the cost price shrinks with the returned part
