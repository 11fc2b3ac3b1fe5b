"""Seed 004, the metal trader's cards (examples/metal_cards.yaml): bronze for every client, silver for
1,500,000 RUB of revenue since January, gold for one purchase over 500,000 RUB (or 5,000,000 since January);
0.5% of a purchase times the card's multiplier (silver 1.5, gold 2); monthly evaluation; a card is kept for
3 evaluations after it last qualified, then drops one level at a time."""

from __future__ import annotations

from loyalka.storage.database import Database
from tests.conftest import moscow
from tests.support import add_account, balances, give_back, load_example, order, post
from tests.tier_support import close, close_through, history, messages, tier_of

JOINED = moscow(2026, 1, 10, 9)


def metal(db: Database, *codes: str, joined=JOINED) -> None:
    load_example(db, "metal_cards.yaml", joined)
    for code in codes or ("STAL",):
        add_account(db, code, joined, contacts=[{"code": "boss", "name": "Иван", "email": f"{code}@example.ru"}])


def earned(outcome) -> str:
    [accrual] = outcome.result["earned"]
    return accrual["points"]


def test_every_new_client_gets_the_bronze_card(db: Database) -> None:
    metal(db)
    assert tier_of(db, "STAL") == ("bronze", JOINED, JOINED)
    assert history(db, "STAL") == [(None, "bronze", "joined")]


def test_a_single_order_of_520000_makes_a_bronze_client_gold_at_once_and_earns_at_gold(db: Database) -> None:
    metal(db)
    at = moscow(2026, 1, 15, 12)
    [done] = post(db, order("e1", "STAL", "SO-1", at, rub=520_000))
    assert done.result["tier"] == "gold"
    assert earned(done) == "5200.00"  # 0.5% of 520,000 = 2,600, times gold's 2
    assert any("single purchase 520000.00 of 500000.01 RUB over the last 12 months" in n for n in done.result["notes"])
    assert tier_of(db, "STAL") == ("gold", at, at)
    assert history(db, "STAL") == [(None, "bronze", "joined"), ("bronze", "gold", "qualified_on_order")]
    assert messages(db, "STAL") == [("card-changed", "Ваша карта: Золотая карта")]


def test_an_order_of_exactly_500000_does_not_make_gold(db: Database) -> None:
    metal(db)
    [done] = post(db, order("e1", "STAL", "SO-1", moscow(2026, 1, 15, 12), rub=500_000))
    assert done.result["tier"] == "bronze"
    assert earned(done) == "2500.00"
    assert tier_of(db, "STAL")[0] == "bronze"
    assert messages(db, "STAL") == []


def test_silver_by_1500000_of_revenue_since_january_and_last_years_revenue_does_not_count(db: Database) -> None:
    metal(db, joined=moscow(2025, 12, 1, 9))
    last_year = [order(f"d{i}", "STAL", f"SO-D{i}", moscow(2025, 12, 5 + i), rub=450_000) for i in range(2)]
    this_year = [order(f"m{m}", "STAL", f"SO-{m}", moscow(2026, m, 10), rub=450_000) for m in (1, 2, 3)]
    for sent in (*last_year, *this_year):
        [done] = post(db, sent)
        assert done.result["tier"] == "bronze"  # 900,000 last year + 450,000 in January is not 1,500,000 since January
    [fourth] = post(db, order("a1", "STAL", "SO-4", moscow(2026, 4, 10), rub=150_000))
    assert fourth.result["tier"] == "silver"  # 1,350,000 + 150,000 = 1,500,000 since January
    assert earned(fourth) == "1125.00"  # 0.5% of 150,000 = 750, times silver's 1.5
    assert any("turnover 1500000.00 of 1500000.00 RUB since the start of the year" in n for n in fourth.result["notes"])
    assert history(db, "STAL")[-1] == ("bronze", "silver", "qualified_on_order")


def test_gold_is_kept_for_3_monthly_evaluations_then_drops_one_level_at_a_time(db: Database) -> None:
    metal(db)
    post(db, order("e1", "STAL", "SO-1", moscow(2026, 1, 15, 12), rub=520_000))
    back = give_back(db, "r1", "SO-1", moscow(2026, 1, 20), 30_000)  # 490,000 left: no purchase over 500,000
    assert back["taken_back"][0]["points"] == "300.00"  # the return takes back what it earned, at gold
    assert tier_of(db, "STAL")[0] == "gold"  # an upgrade given is not taken back by a return
    summaries = close_through(db, "2026-01", "2026-05")
    kept = [summaries[m]["tiers"] for m in ("2026-01", "2026-02", "2026-03")]
    assert [(t["kept"], t["in_grace"], t["downgraded"]) for t in kept] == [(1, 1, 0)] * 3
    assert summaries["2026-04"]["tiers"]["downgraded"] == 1
    assert summaries["2026-04"]["tiers"]["distribution"] == {"bronze": 0, "silver": 1, "gold": 0}
    assert summaries["2026-05"]["tiers"]["distribution"] == {"bronze": 1, "silver": 0, "gold": 0}
    assert tier_of(db, "STAL") == ("bronze", moscow(2026, 6, 1), moscow(2026, 6, 1))
    assert history(db, "STAL") == [
        (None, "bronze", "joined"),
        ("bronze", "gold", "qualified_on_order"),
        ("gold", "silver", "not_qualified"),
        ("silver", "bronze", "not_qualified"),
    ]
    assert [subject for _, subject in messages(db, "STAL")] == [
        "Ваша карта: Золотая карта",
        "Ваша карта: Серебряная карта",
        "Ваша карта: Бронзовая карта",
    ]


def test_clients_who_still_qualify_keep_their_cards_and_qualify_anew_at_the_close(db: Database) -> None:
    metal(db, "GOLD", "SILVER")
    post(db, order("g1", "GOLD", "SO-G1", moscow(2026, 1, 20), rub=520_000))
    post(db, *[order(f"s{i}", "SILVER", f"SO-S{i}", moscow(2026, 1, 20 + i), rub=400_000) for i in range(4)])
    assert (tier_of(db, "GOLD")[0], tier_of(db, "SILVER")[0]) == ("gold", "silver")
    summary = close(db, "2026-01")["tiers"]
    assert (summary["upgraded"], summary["kept"], summary["in_grace"], summary["downgraded"]) == (0, 2, 0, 0)
    assert tier_of(db, "GOLD") == ("gold", moscow(2026, 1, 20), moscow(2026, 2, 1))  # qualified again on 1 February
    assert tier_of(db, "SILVER")[2] == moscow(2026, 2, 1)


def test_a_close_that_runs_again_changes_no_tier_twice(db: Database) -> None:
    metal(db)
    post(db, order("e1", "STAL", "SO-1", moscow(2026, 1, 15, 12), rub=520_000))
    give_back(db, "r1", "SO-1", moscow(2026, 1, 20), 30_000)
    close_through(db, "2026-01", "2026-04")
    again = close(db, "2026-04")
    assert again["already_closed"] is True
    assert again["tiers"]["downgraded"] == 1
    assert [h[2] for h in history(db, "STAL")].count("not_qualified") == 1
    assert len(messages(db, "STAL")) == 2


def test_the_gold_order_earns_double_and_its_lot_expires_12_months_after(db: Database) -> None:
    metal(db)
    post(db, order("e1", "STAL", "SO-1", moscow(2026, 1, 15, 12), rub=520_000))
    [lot] = balances(db, "STAL", moscow(2026, 1, 16))["bonus"]["lots"]
    assert (lot["earned"], lot["expires_at"]) == ("5200.00", "2027-01-15T09:00:00+00:00")


def test_revenue_since_january_is_judged_at_each_close_on_the_calendar_year_so_far(db: Database) -> None:
    metal(db, joined=moscow(2026, 10, 1, 9))
    post(db, *[order(f"n{i}", "STAL", f"SO-N{i}", moscow(2026, 11, 10 + i), rub=400_000) for i in range(4)])
    assert tier_of(db, "STAL")[0] == "silver"
    closes = close_through(db, "2026-10", "2027-01")
    december, january = closes["2026-12"]["tiers"], closes["2027-01"]["tiers"]
    assert (december["kept"], december["in_grace"]) == (1, 0)  # 1,600,000 in 2026
    assert (january["kept"], january["in_grace"]) == (1, 1)  # nothing bought in 2027 yet: kept, in grace
    assert tier_of(db, "STAL") == ("silver", moscow(2026, 11, 13), moscow(2027, 1, 1))
