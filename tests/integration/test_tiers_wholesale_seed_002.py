"""Seed 002, the wholesaler's Silver / Gold / Platinum ("Premium") program (examples/wholesale_tiers.yaml):
every full 100 RUB of an order from 10,000 RUB earns 1 point times the tier's multiplier (gold 1.5, platinum
2); gold for 1,000,000 RUB over 12 rolling months, or 24 orders and 5 categories together; platinum for
5,000,000 and 8 categories; quarterly evaluation, gold kept one quarter after it last qualified; points
earned at platinum never expire, the others 12 months after they become spendable (14 days)."""

from __future__ import annotations

from datetime import datetime

from loyalka.domain.events import OrderIn
from loyalka.storage.database import Database
from tests.conftest import moscow
from tests.support import add_account, balances, give_back, line, load_example, order, post
from tests.tier_support import close_through, history, messages, tier_of

JOINED = moscow(2026, 1, 10, 9)


def wholesale(db: Database, *codes: str, joined: datetime = JOINED) -> None:
    load_example(db, "wholesale_tiers.yaml", joined)
    for code in codes:
        add_account(db, code, joined, contacts=[{"code": "buyer", "name": "Ольга", "email": f"{code}@example.ru"}])


def points_of(outcome) -> dict[str, str]:
    return {e["rule"]: e["points"] for e in outcome.result["earned"]}


def assortment(event: str, account: str, ref: str, at: datetime, categories: int, rub: int) -> OrderIn:
    """An order of ``rub`` spread over ``categories`` categories (one line each, the remainder on the first)."""
    share = rub // categories
    amounts = [rub - share * (categories - 1)] + [share] * (categories - 1)
    return order(event, account, ref, at, *[line(f"item-{i}", a, f"cat-{i}") for i, a in enumerate(amounts)])


def test_every_member_starts_silver(db: Database) -> None:
    wholesale(db, "OPT")
    assert tier_of(db, "OPT") == ("silver", JOINED, JOINED)


def test_an_order_of_20000_earns_200_points_at_silver_and_300_at_gold(db: Database) -> None:
    wholesale(db, "SILVER", "GOLD")
    [silver] = post(db, order("s1", "SILVER", "W-S1", moscow(2026, 3, 2, 10), rub=20_000))
    assert (silver.result["tier"], points_of(silver)) == ("silver", {"orders": "200"})
    [upgrade] = post(db, order("g1", "GOLD", "W-G1", moscow(2026, 3, 2, 10), rub=1_000_000))
    assert (upgrade.result["tier"], points_of(upgrade)) == ("gold", {"orders": "15000"})  # 10,000 x 1.5
    [gold] = post(db, order("g2", "GOLD", "W-G2", moscow(2026, 3, 3, 10), rub=20_000))
    assert (gold.result["tier"], points_of(gold)) == ("gold", {"orders": "300"})  # every full 100 RUB = 1, x 1.5
    assert messages(db, "GOLD") == [("tier-changed", "Ваш статус: Золотой")]


def test_an_order_under_the_10000_minimum_earns_nothing_at_any_tier(db: Database) -> None:
    wholesale(db, "OPT")
    post(db, order("g1", "OPT", "W-1", moscow(2026, 3, 2), rub=1_000_000))
    [small] = post(db, order("g2", "OPT", "W-2", moscow(2026, 3, 3), rub=9_999))
    assert (small.result["tier"], small.result["earned"]) == ("gold", [])


def test_gold_by_1000000_of_turnover_over_12_rolling_months(db: Database) -> None:
    wholesale(db, "INSIDE", "OUTSIDE", joined=moscow(2025, 3, 1, 9))
    post(db, order("i1", "INSIDE", "W-I1", moscow(2025, 3, 10), rub=600_000))
    post(db, order("o1", "OUTSIDE", "W-O1", moscow(2025, 3, 4, 23), rub=600_000))
    [inside] = post(db, order("i2", "INSIDE", "W-I2", moscow(2026, 3, 5), rub=400_000))
    [outside] = post(db, order("o2", "OUTSIDE", "W-O2", moscow(2026, 3, 5), rub=400_000))
    assert inside.result["tier"] == "gold"  # 600,000 on 10 March 2025 is within 12 months of 5 March 2026
    assert outside.result["tier"] == "silver"  # 600,000 on 4 March 2025 is not
    assert any("turnover 1000000.00 of 1000000.00 RUB over the last 12 months" in n for n in inside.result["notes"])


def test_gold_by_24_orders_and_5_categories_together_within_one_batch(db: Database) -> None:
    wholesale(db, "BROAD", "NARROW")
    broad = [
        order(f"b{i}", "BROAD", f"W-B{i}", moscow(2026, 2, 1, 9, i), line(f"sku-{i}", 15_000, f"cat-{i % 5}"))
        for i in range(24)
    ]
    narrow = [
        order(f"n{i}", "NARROW", f"W-N{i}", moscow(2026, 2, 1, 9, i), line(f"sku-{i}", 15_000, f"cat-{i % 4}"))
        for i in range(30)
    ]
    results = post(db, *broad, *narrow)
    assert [r.result["tier"] for r in results[:24]] == ["silver"] * 23 + ["gold"]
    assert points_of(results[23]) == {"orders": "225"}  # the 24th order: 150 points x 1.5
    assert {r.result["tier"] for r in results[24:]} == {"silver"}  # 30 orders, but 4 categories only
    assert history(db, "BROAD")[-1] == ("silver", "gold", "qualified_on_order")


def test_platinum_needs_5000000_and_8_categories(db: Database) -> None:
    wholesale(db, "EIGHT", "SEVEN")
    [eight] = post(db, assortment("p1", "EIGHT", "W-P1", moscow(2026, 3, 2), 8, 5_000_000))
    [seven] = post(db, assortment("q1", "SEVEN", "W-Q1", moscow(2026, 3, 2), 7, 5_000_000))
    assert (eight.result["tier"], points_of(eight)) == ("platinum", {"orders": "100000"})  # 50,000 x 2
    assert (seven.result["tier"], points_of(seven)) == ("gold", {"orders": "75000"})


def test_two_upgrades_in_one_batch_send_one_message_with_the_final_tier(db: Database) -> None:
    wholesale(db, "OPT")
    post(
        db,
        order("a1", "OPT", "W-1", moscow(2026, 3, 2), rub=1_000_000),
        assortment("a2", "OPT", "W-2", moscow(2026, 3, 3), 8, 4_000_000),
    )
    assert [h[1] for h in history(db, "OPT")] == ["silver", "gold", "platinum"]
    assert messages(db, "OPT") == [("tier-changed", "Ваш статус: Платиновый (Премиум)")]


def test_quarterly_evaluation_keeps_gold_one_quarter_after_a_return_then_drops_to_silver(db: Database) -> None:
    wholesale(db, "OPT")
    post(db, order("g1", "OPT", "W-1", moscow(2026, 1, 20), rub=1_000_000))
    give_back(db, "r1", "W-1", moscow(2026, 2, 2), 100_000)  # 900,000 left over 12 months: under gold's 1,000,000
    assert tier_of(db, "OPT")[0] == "gold"  # a return does not take an upgrade back; the close decides
    closes = close_through(db, "2026-01", "2026-06")
    assert [m for m, s in closes.items() if "tiers" in s] == ["2026-03", "2026-06"]  # quarter ends only
    first, second = closes["2026-03"]["tiers"], closes["2026-06"]["tiers"]
    assert (first["period"], first["kept"], first["in_grace"], first["downgraded"]) == ("2026-Q1", 1, 1, 0)
    assert (second["period"], second["downgraded"], second["distribution"]) == (
        "2026-Q2",
        1,
        {"silver": 1, "gold": 0, "platinum": 0},
    )
    assert tier_of(db, "OPT") == ("silver", moscow(2026, 7, 1), moscow(2026, 7, 1))
    assert messages(db, "OPT")[-1] == ("tier-changed", "Ваш статус: Серебряный")


def test_points_earned_at_platinum_never_expire_while_those_earned_at_silver_expire_12_months_after(
    db: Database,
) -> None:
    wholesale(db, "OPT", joined=moscow(2026, 3, 1, 9))
    post(db, order("s1", "OPT", "W-1", moscow(2026, 3, 2, 10), rub=20_000))
    post(db, assortment("p1", "OPT", "W-2", moscow(2026, 3, 5, 10), 8, 5_000_000))
    lots = {lot["rule"] + lot["earned"]: lot for lot in balances(db, "OPT", moscow(2026, 4, 1))["points"]["lots"]}
    silver, platinum = lots["orders200"], lots["orders100000"]
    assert silver["available_from"] == "2026-03-16T07:00:00+00:00"  # 14 days after the order
    assert silver["expires_at"] == "2027-03-16T07:00:00+00:00"  # 12 months after that
    assert platinum["expires_at"] is None
    closes = close_through(db, "2026-03", "2027-03")
    assert closes["2027-03"]["expired"] == {"points": "200"}
    assert [lot["earned"] for lot in balances(db, "OPT", moscow(2027, 4, 2))["points"]["lots"]] == ["100000"]
