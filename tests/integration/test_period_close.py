"""Month closes of the textile program (seed 000): order of closes, expiry, benefits, regional leaderboards,
leaving the program and re-entering it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from loyalka.domain.accounts import AccountIn
from loyalka.domain.events import OrderIn, ReturnIn
from loyalka.errors import InvalidInput, RuleViolation
from loyalka.jobs.period_close import close_month
from loyalka.services.accounts import create_account, describe_account
from loyalka.services.events import post_orders
from loyalka.services.programs import load_program
from loyalka.services.returns import post_return
from loyalka.storage.database import Database
from loyalka.storage.tables import (
    AccountRow,
    BenefitGrantRow,
    EntryRow,
    LotRow,
    PeriodCloseRow,
    StandingRow,
)
from tests.conftest import EXAMPLES, moscow

JOINED = moscow(2026, 10, 1, 9, 0)
TABLES = {
    "entries": EntryRow,
    "lots": LotRow,
    "closes": PeriodCloseRow,
    "benefits": BenefitGrantRow,
    "standings": StandingRow,
}


def setup_textile(db: Database, accounts: dict[str, str] | None = None) -> None:
    """The textile program and accounts (code -> region), all joined on 1 October 2026."""
    with db.unit_of_work() as s:
        load_program(s, (EXAMPLES / "textile.yaml").read_text(encoding="utf-8"), now=JOINED)
        for code, region in (accounts or {"SALON-1": "Москва"}).items():
            create_account(s, AccountIn(code=code, name=f"Салон {code}", region=region), now=JOINED)


def post(db: Database, *orders: tuple[str, str, datetime, int], **extra: Any) -> list[dict[str, Any]]:
    """Orders as (account, order ref, time, kopecks); the event id is the order ref."""
    batch = [OrderIn(f"e-{ref}", acc, ref, at, kop, **extra) for acc, ref, at, kop in orders]
    with db.unit_of_work() as s:
        return [o.result for o in post_orders(s, batch, now=max(o.occurred_at for o in batch))]


def close(db: Database, month: str, now: datetime) -> dict[str, Any]:
    with db.unit_of_work() as s:
        return close_month(s, month, now=now)


def describe(db: Database, at: datetime, code: str = "SALON-1") -> dict[str, Any]:
    with db.unit_of_work() as s:
        return describe_account(s, code, now=at)


def counts(db: Database) -> dict[str, int]:
    with db.unit_of_work() as s:
        return {name: s.scalar(select(func.count()).select_from(table)) for name, table in TABLES.items()}


# --- order of closes ---------------------------------------------------------------------------------------
def test_months_close_in_order_only_after_they_end_and_only_once(db: Database) -> None:
    setup_textile(db)
    post(db, ("SALON-1", "O-1", moscow(2026, 10, 5), 1_000_000))
    start = counts(db)
    with pytest.raises(RuleViolation) as refused:
        close(db, "2026-11", moscow(2026, 12, 1, 1))
    assert refused.value.code == "earlier_period_open" and "2026-10" in refused.value.message
    with pytest.raises(RuleViolation) as refused:
        close(db, "2026-10", moscow(2026, 10, 31, 23, 59, 59))
    assert refused.value.code == "period_not_ended"
    assert counts(db) == start

    first = close(db, "2026-10", moscow(2026, 11, 1, 0, 0))  # the first instant after October
    assert first["already_closed"] is False and first["activated"] == {"bonus": "1000.00"}
    assert first["members_evaluated"] == 1 and first["left_program"] == 0
    closed = counts(db)
    assert closed["closes"] == 1
    again = close(db, "2026-10", moscow(2026, 11, 2))
    assert again["already_closed"] is True
    assert {k: v for k, v in again.items() if k != "already_closed"} == {
        k: v for k, v in first.items() if k != "already_closed"
    }
    assert counts(db) == closed

    with pytest.raises(RuleViolation) as refused:
        close(db, "2026-11", moscow(2026, 11, 30, 12))
    assert refused.value.code == "period_not_ended"
    assert counts(db) == closed


def test_an_ill_formed_month_is_invalid(db: Database) -> None:
    setup_textile(db)
    for bad in ("2026-13", "2026/10", "октябрь"):
        with pytest.raises(InvalidInput) as refused:
            close(db, bad, moscow(2027, 1, 1))
        assert refused.value.code == "invalid_period"
    assert counts(db)["closes"] == 0


# --- expiry ------------------------------------------------------------------------------------------------
def test_octobers_unspent_bonuses_expire_at_the_november_close(db: Database) -> None:
    setup_textile(db)
    post(db, ("SALON-1", "O-1", moscow(2026, 10, 5), 1_000_000))
    close(db, "2026-10", moscow(2026, 11, 1, 1))
    assert describe(db, moscow(2026, 11, 30, 23, 59))["balances"][0]["spendable"] == "1000.00"
    november = close(db, "2026-11", moscow(2026, 12, 1, 0, 30))
    assert november["expired"] == {"bonus": "1000.00"} and november["forfeited"] == {"bonus": "0.00"}
    assert november["left_program"] == 1  # and no November purchases at all: under 9,000
    with db.unit_of_work() as s:
        expiry = s.scalars(select(EntryRow).where(EntryRow.type == "expire")).all()
        assert [(e.amount_minor, e.event_id) for e in expiry] == [(-100_000, "close:liontex-privilege:2026-11")]
        assert expiry[0].occurred_at == moscow(2026, 12, 1, 0, 0)
        assert s.scalar(select(func.sum(EntryRow.amount_minor))) == 0
        assert s.scalar(select(func.sum(LotRow.remaining_minor))) == 0
        assert s.scalar(select(func.count()).select_from(LotRow).where(LotRow.closed.is_(False))) == 0
    balance = describe(db, moscow(2026, 12, 1, 1))["balances"][0]
    assert (balance["spendable"], balance["pending"]) == ("0.00", "0.00")


def test_only_what_is_left_of_october_expires_and_novembers_bonuses_become_spendable(db: Database) -> None:
    setup_textile(db)
    post(db, ("SALON-1", "O-1", moscow(2026, 10, 5), 1_000_000))
    close(db, "2026-10", moscow(2026, 11, 1, 1))
    # November: 10,000 RUB paying 300.00 with October's bonuses -> earns 10% of 9,700 = 970.00
    [paid] = post(db, ("SALON-1", "O-2", moscow(2026, 11, 10), 1_000_000), redeem_minor=30_000)
    assert paid["earned"][0]["points"] == "970.00"
    november = close(db, "2026-11", moscow(2026, 12, 1, 0, 30))
    assert november["expired"] == {"bonus": "700.00"} and november["activated"] == {"bonus": "970.00"}
    assert november["left_program"] == 0
    balance = describe(db, moscow(2026, 12, 1, 1))["balances"][0]
    assert (balance["spendable"], balance["pending"]) == ("970.00", "0.00")
    with db.unit_of_work() as s:
        expiry = s.scalars(select(EntryRow).where(EntryRow.type == "expire")).all()
        assert [e.amount_minor for e in expiry] == [-70_000]
        assert expiry[0].occurred_at == moscow(2026, 12, 1)


# --- benefits ----------------------------------------------------------------------------------------------
def test_earning_2000_bonus_rubles_in_a_month_gives_free_delivery_and_payment_terms_next_month(db: Database) -> None:
    setup_textile(db, {"BIG": "Москва", "JUST-UNDER": "Москва"})
    post(
        db,
        ("BIG", "B-1", moscow(2026, 10, 5), 1_200_000),
        ("BIG", "B-2", moscow(2026, 10, 25), 800_000),  # 20,000 RUB -> 2,000.00
        ("JUST-UNDER", "J-1", moscow(2026, 10, 6), 1_999_999),  # -> 1,999.99
    )
    october = close(db, "2026-10", moscow(2026, 11, 1, 1))
    assert october["benefits"] == {"free_delivery": 1, "special_payment_terms": 1}
    big = describe(db, moscow(2026, 11, 5), "BIG")["benefits"]
    assert sorted(b["benefit"] for b in big) == ["free_delivery", "special_payment_terms"]
    for benefit in big:
        assert benefit["earned_in"] == "2026-10" and benefit["active_now"] is True
        assert datetime.fromisoformat(benefit["valid_from"]) == moscow(2026, 11, 1)
        assert datetime.fromisoformat(benefit["valid_until"]) == moscow(2026, 12, 1)
    with db.unit_of_work() as s:
        grants = s.scalars(select(BenefitGrantRow)).all()
        assert {(g.benefit, g.valid_from, g.valid_until) for g in grants} == {
            ("free_delivery", moscow(2026, 11, 1), moscow(2026, 12, 1)),
            ("special_payment_terms", moscow(2026, 11, 1), moscow(2026, 12, 1)),
        }
    assert describe(db, moscow(2026, 11, 5), "JUST-UNDER")["benefits"] == []
    assert describe(db, moscow(2026, 12, 1), "BIG")["benefits"] == []  # valid for November only


def test_a_benefit_threshold_counts_whole_points_of_a_kind_without_decimals(db: Database) -> None:
    # the same program counted in whole bonus rubles: "2000.00" is 2,000 points, not 200,000
    text = (EXAMPLES / "textile.yaml").read_text(encoding="utf-8").replace("decimals: 2", "decimals: 0")
    with db.unit_of_work() as s:
        load_program(s, text, now=JOINED)
        for code in ("BIG", "JUST-UNDER"):
            create_account(s, AccountIn(code=code, name=f"Салон {code}", region="Москва"), now=JOINED)
    post(
        db,
        ("BIG", "B-1", moscow(2026, 10, 5), 2_000_000),  # 20,000 RUB -> 2,000 points
        ("JUST-UNDER", "J-1", moscow(2026, 10, 6), 1_999_000),  # 19,990 RUB -> 1,999 points
    )
    october = close(db, "2026-10", moscow(2026, 11, 1, 1))
    assert october["benefits"] == {"free_delivery": 1, "special_payment_terms": 1}
    assert len(describe(db, moscow(2026, 11, 5), "BIG")["benefits"]) == 2
    assert describe(db, moscow(2026, 11, 5), "JUST-UNDER")["benefits"] == []


def test_a_return_before_the_close_can_cost_the_benefit(db: Database) -> None:
    setup_textile(db)
    post(db, ("SALON-1", "O-1", moscow(2026, 10, 5), 2_000_000))
    with db.unit_of_work() as s:
        post_return(s, ReturnIn("r1", "O-1", moscow(2026, 10, 20), 1_000), now=moscow(2026, 10, 20))
    october = close(db, "2026-10", moscow(2026, 11, 1, 1))
    assert october["benefits"] == {"free_delivery": 0, "special_payment_terms": 0}
    assert describe(db, moscow(2026, 11, 5))["benefits"] == []


# --- leaderboards ------------------------------------------------------------------------------------------
def test_the_regional_boards_rank_the_top_three_per_region_at_the_end_of_q4(db: Database) -> None:
    regions = {"M1": "Москва", "M2": "Москва", "M3": "Москва", "M4": "Москва", "K1": "Казань"}
    setup_textile(db, regions)
    monthly = {  # RUB per month Oct, Nov, Dec; each month >= 9,000 so that everyone stays in the program
        "M1": (10_000, 10_000, 10_000),  # 30,000
        "M2": (20_000, 10_000, 10_000),  # 40,000
        "M3": (9_000, 9_000, 30_000),  # 48,000, less a December return of 10,000 -> 38,000
        "M4": (9_000, 9_000, 9_000),  # 27,000: fourth in Moscow, not on the board
        "K1": (15_000, 15_000, 15_000),  # 45,000
    }
    for month, close_key, close_at in (
        (10, "2026-10", moscow(2026, 11, 1, 1)),
        (11, "2026-11", moscow(2026, 12, 1, 1)),
        (12, "2026-12", moscow(2027, 1, 1, 1)),
    ):
        post(
            db,
            *[(acc, f"{acc}-{month}", moscow(2026, month, 10), rub[month - 10] * 100) for acc, rub in monthly.items()],
        )
        if month == 12:
            with db.unit_of_work() as s:
                post_return(s, ReturnIn("r-M3", "M3-12", moscow(2026, 12, 20), 1_000_000), now=moscow(2026, 12, 20))
        summary = close(db, close_key, close_at)
        assert summary["left_program"] == 0
        if month < 12:
            assert summary["leaderboards"] == {}
    assert summary["leaderboards"] == {"region-quarter": 4, "region-half-year": 4}

    with db.unit_of_work() as s:
        ids = {code: i for code, i in s.execute(select(AccountRow.code, AccountRow.id))}
        names = {i: code for code, i in ids.items()}
        rows = s.scalars(select(StandingRow).order_by(StandingRow.board, StandingRow.group_key, StandingRow.rank))
        boards = [(r.board, r.period, r.group_key, r.rank, names[r.account_id], r.value_minor) for r in rows]
    assert boards == [
        ("region-half-year", "2026-H2", "Казань", 1, "K1", 4_500_000),
        ("region-half-year", "2026-H2", "Москва", 1, "M2", 4_000_000),
        ("region-half-year", "2026-H2", "Москва", 2, "M3", 3_800_000),
        ("region-half-year", "2026-H2", "Москва", 3, "M1", 3_000_000),
        ("region-quarter", "2026-Q4", "Казань", 1, "K1", 4_500_000),
        ("region-quarter", "2026-Q4", "Москва", 1, "M2", 4_000_000),
        ("region-quarter", "2026-Q4", "Москва", 2, "M3", 3_800_000),
        ("region-quarter", "2026-Q4", "Москва", 3, "M1", 3_000_000),
    ]
    before = counts(db)
    assert close(db, "2026-12", moscow(2027, 1, 2))["already_closed"] is True
    assert counts(db) == before


def test_no_board_is_ranked_at_a_month_that_ends_no_quarter(db: Database) -> None:
    setup_textile(db, {"M1": "Москва", "K1": "Казань"})
    post(db, ("M1", "M1-10", moscow(2026, 10, 10), 1_000_000), ("K1", "K1-10", moscow(2026, 10, 10), 1_000_000))
    close(db, "2026-10", moscow(2026, 11, 1, 1))
    post(db, ("M1", "M1-11", moscow(2026, 11, 10), 1_000_000), ("K1", "K1-11", moscow(2026, 11, 10), 1_000_000))
    november = close(db, "2026-11", moscow(2026, 12, 1, 1))
    assert november["leaderboards"] == {}
    assert counts(db)["standings"] == 0


# --- leaving and rejoining ---------------------------------------------------------------------------------
def test_a_client_who_left_rejoins_after_a_month_over_9000_and_earns_again(db: Database) -> None:
    setup_textile(db)
    post(db, ("SALON-1", "O-10", moscow(2026, 10, 5), 1_000_000))  # 10,000: stays
    assert close(db, "2026-10", moscow(2026, 11, 1, 1))["left_program"] == 0
    [small] = post(db, ("SALON-1", "O-11", moscow(2026, 11, 5), 500_000))  # 5,000: earns 500.00, then leaves
    assert small["earned"][0]["points"] == "500.00"
    november = close(db, "2026-11", moscow(2026, 12, 1, 1))
    assert november["left_program"] == 1 and november["rejoined"] == 0
    assert november["expired"] == {"bonus": "1000.00"} and november["forfeited"] == {"bonus": "500.00"}
    left = describe(db, moscow(2026, 12, 1, 2))
    assert left["status"] == "left" and left["left_at"] is not None
    assert (left["balances"][0]["spendable"], left["balances"][0]["pending"]) == ("0.00", "0.00")

    [while_left] = post(db, ("SALON-1", "O-12", moscow(2026, 12, 5), 1_200_000))  # 12,000 RUB while out
    assert while_left["earned"] == []
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(LotRow).where(LotRow.event_id == "e-O-12")) == 0
    december = close(db, "2026-12", moscow(2027, 1, 1, 1))
    assert december["rejoined"] == 1 and december["left_program"] == 0
    back = describe(db, moscow(2027, 1, 1, 2))
    assert back["status"] == "active" and back["left_at"] is None and back["left_reason"] is None
    assert back["balances"][0]["pending"] == "0.00"  # December's orders earned nothing

    [again] = post(db, ("SALON-1", "O-13", moscow(2027, 1, 10), 900_000))
    assert again["earned"][0]["points"] == "900.00"
    assert describe(db, moscow(2027, 1, 11))["balances"][0]["pending"] == "900.00"
    assert describe(db, moscow(2027, 2, 1))["balances"][0]["spendable"] == "900.00"


def test_a_client_who_left_and_stays_under_9000_does_not_rejoin(db: Database) -> None:
    setup_textile(db)
    post(db, ("SALON-1", "O-10", moscow(2026, 10, 5), 800_000))  # 8,000: leaves at the October close
    october = close(db, "2026-10", moscow(2026, 11, 1, 1))
    assert october["left_program"] == 1 and october["forfeited"] == {"bonus": "800.00"}
    post(db, ("SALON-1", "O-11", moscow(2026, 11, 5), 899_999))  # 8,999.99: not enough
    november = close(db, "2026-11", moscow(2026, 12, 1, 1))
    assert november["rejoined"] == 0 and november["members_evaluated"] == 0
    assert describe(db, moscow(2026, 12, 2))["status"] == "left"
    with db.unit_of_work() as s:
        assert s.scalar(select(func.sum(EntryRow.amount_minor))) == 0
