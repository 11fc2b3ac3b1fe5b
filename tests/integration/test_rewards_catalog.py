"""The rewards catalog of seed 002 (wholesale_tiers.yaml): points exchanged for free delivery, training of the
client's staff (gold and platinum only, 10 places) and a 5,000 RUB certificate (50 in stock). Redeeming debits
the price as `reward` entries and opens an order to fulfil; cancelling gives the very points and the item back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select, update

from loyalka.errors import (
    Conflict,
    InsufficientPoints,
    InvalidInput,
    InvalidProgram,
    LoyaltyError,
    NotFound,
    RuleViolation,
)
from loyalka.services.fulfilment import account_orders, cancel_order, fulfil_order, order_view
from loyalka.services.rewards import catalog, redeem_reward, reward_history, set_stock
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow, EntryRow, LotRow
from loyalka.storage.tables_catalog import RewardOrderRow, RewardStockChangeRow, RewardStockRow
from tests.conftest import EXAMPLES, moscow
from tests.support import add_account, balances, ledger_sum, load_example, load_text, order, post

JOINED = moscow(2026, 1, 5, 9)
EARNED = moscow(2026, 1, 10, 12)
NOW = moscow(2026, 2, 2, 12)  # every order of January is spendable by now (14 days' activation)


def set_tier(db: Database, code: str, tier: str | None) -> None:
    """The tiers feature moves members between levels; here the level is set directly."""
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).where(AccountRow.code == code).values(tier=tier))


def member(db: Database, code: str, tier: str, rub: int, at: datetime = EARNED) -> None:
    """A member of ``tier`` with the points of one order of ``rub`` (every full 100 RUB = 1 point x the tier's
    multiplier: silver 1, gold 1.5, platinum 2)."""
    add_account(db, code, JOINED, region="Москва")
    set_tier(db, code, tier)
    post(db, order(f"e-{code}", code, f"{code}-1", at, rub=rub))


def wholesale(db: Database) -> None:
    load_example(db, "wholesale_tiers.yaml", JOINED)
    member(db, "SILVER-CO", "silver", 900_000)  # 9,000 points (under gold's 1,000,000 of turnover)
    member(db, "GOLD-CO", "gold", 2_000_000)  # 30,000 points


def redeem(db: Database, reward: str, code: str, key: str, at: datetime = NOW) -> dict[str, Any]:
    with db.unit_of_work() as s:
        made, _ = redeem_reward(s, reward_id=reward, account_code=code, key=key, now=at)
        return order_view(s, made)


def spendable(db: Database, code: str, at: datetime = NOW) -> str:
    return balances(db, code, at)["points"]["spendable"]


def stock(db: Database, reward: str) -> int | None:
    with db.unit_of_work() as s:
        return reward_history(s, reward_id=reward)["stock"]


def counts(db: Database) -> tuple[int, int, int, int]:
    with db.unit_of_work() as s:
        return (
            s.scalar(select(func.count()).select_from(RewardOrderRow)),
            s.scalar(select(func.count()).select_from(RewardStockRow)),
            s.scalar(select(func.count()).select_from(RewardStockChangeRow)),
            s.scalar(select(func.count()).select_from(EntryRow)),
        )


def test_staff_training_is_refused_to_a_silver_member_and_allowed_to_gold(db: Database) -> None:
    wholesale(db)
    before = counts(db)
    with pytest.raises(RuleViolation) as refused:
        redeem(db, "staff-training", "SILVER-CO", "t-1")
    assert refused.value.code == "reward_not_available"
    assert refused.value.message == "staff-training is for gold, platinum members; account SILVER-CO is silver"
    assert counts(db) == before and spendable(db, "SILVER-CO") == "9000"
    done = redeem(db, "staff-training", "GOLD-CO", "t-2")
    assert (done["status"], done["points"], done["type"]) == ("new", {"points": "15000"}, "service_discount")
    assert (done["name_en"], done["source"]) == ("Training for the client's staff", "catalog")
    assert spendable(db, "GOLD-CO") == "15000"
    assert stock(db, "staff-training") == 9


def test_a_certificate_debits_5000_points_and_cancelling_restores_the_points_and_the_stock(db: Database) -> None:
    wholesale(db)
    done = redeem(db, "certificate-5000", "SILVER-CO", "c-1")
    assert spendable(db, "SILVER-CO") == "4000"
    assert stock(db, "certificate-5000") == 49
    with db.unit_of_work() as s:
        entries = s.execute(select(EntryRow.type, EntryRow.amount_minor).where(EntryRow.event_id == "reward:c-1")).all()
    assert [tuple(e) for e in entries] == [("reward", -5000)]
    with db.unit_of_work() as s:
        cancelled = order_view(
            s, cancel_order(s, done["id"], at=moscow(2026, 2, 3), reason="the client changed its mind")
        )
    assert (cancelled["status"], cancelled["note"]) == ("cancelled", "the client changed its mind")
    assert spendable(db, "SILVER-CO", moscow(2026, 2, 3, 12)) == "9000"
    assert stock(db, "certificate-5000") == 50
    with db.unit_of_work() as s:
        back = s.execute(
            select(EntryRow.type, EntryRow.amount_minor, EntryRow.lot_id).where(EntryRow.event_id == "reward:c-1")
        ).all()
        lot_id = s.scalar(select(LotRow.id).where(LotRow.event_id == "e-SILVER-CO"))
        history = reward_history(s, reward_id="certificate-5000")["history"]
    assert [(t, a) for t, a, _ in back] == [("reward", -5000), ("release", 5000)]
    assert {lot for _, _, lot in back} == {lot_id}  # the very lot the points came from
    assert [(h["reason"], h["before"], h["after"]) for h in history] == [
        ("initialised", None, 50),
        ("redeemed", 50, 49),
        ("cancelled", 49, 50),
    ]
    assert ledger_sum(db, "SILVER-CO") == 9000
    with db.unit_of_work() as s:  # cancelling again changes nothing
        assert cancel_order(s, done["id"], at=moscow(2026, 2, 4)).resolved_at == moscow(2026, 2, 3)
    assert ledger_sum(db, "SILVER-CO") == 9000 and stock(db, "certificate-5000") == 50


def test_unlimited_free_delivery_keeps_no_count(db: Database) -> None:
    wholesale(db)
    for n in range(3):
        redeem(db, "free-delivery", "SILVER-CO", f"fd-{n}")
    assert spendable(db, "SILVER-CO") == str(9000 - 3 * 1500)
    assert stock(db, "free-delivery") is None
    with db.unit_of_work() as s:
        history = reward_history(s, reward_id="free-delivery")["history"]
    assert [(h["reason"], h["after"]) for h in history] == [("initialised", None)]


def test_a_redemption_is_idempotent_by_its_key(db: Database) -> None:
    wholesale(db)
    first = redeem(db, "certificate-5000", "GOLD-CO", "same")
    again = redeem(db, "certificate-5000", "GOLD-CO", "same")
    assert again == first
    with db.unit_of_work() as s:
        _, replayed = redeem_reward(s, reward_id="certificate-5000", account_code="GOLD-CO", key="same", now=NOW)
    assert replayed
    for reward, code in (("free-delivery", "GOLD-CO"), ("certificate-5000", "SILVER-CO")):
        with pytest.raises(Conflict) as other:
            redeem(db, reward, code, "same")
        assert other.value.code == "idempotency_conflict"
    assert spendable(db, "GOLD-CO") == "25000" and stock(db, "certificate-5000") == 49


def test_points_come_from_the_lots_in_the_programs_lot_order(db: Database) -> None:
    """A platinum lot never expires; a gold one expires in 12 months. Expiring first (the default) spends the
    gold lot first although it is younger; `lot_order: oldest_first` spends the platinum lot first."""
    for lot_order, first_lot in (("expiring_first", "e-P-2"), ("oldest_first", "e-P")):
        from tests.conftest import empty

        empty(db)
        text = (EXAMPLES / "wholesale_tiers.yaml").read_text(encoding="utf-8")
        load_text(db, f"{text}\nspending:\n  lot_order: {lot_order}\n", JOINED)
        member(db, "P", "platinum", 200_000, moscow(2026, 1, 6))  # 4,000 points, never expire
        set_tier(db, "P", "gold")
        post(db, order("e-P-2", "P", "P-2", moscow(2026, 1, 8), rub=200_000))  # 3,000 points, 12 months
        redeem(db, "free-delivery", "P", "fd")
        with db.unit_of_work() as s:
            taken = s.execute(
                select(LotRow.event_id, EntryRow.amount_minor)
                .join(LotRow, LotRow.id == EntryRow.lot_id)
                .where(EntryRow.event_id == "reward:fd")
            ).all()
        assert [tuple(t) for t in taken] == [(first_lot, -1500)], lot_order


def test_the_catalog_says_what_an_account_may_take_and_why_not(db: Database) -> None:
    wholesale(db)
    member(db, "POOR-CO", "gold", 200_000)  # 3,000 points
    with db.unit_of_work() as s:
        set_stock(s, reward_id="certificate-5000", stock=0, now=NOW, actor="Иванова", note="sold out")
    with db.unit_of_work() as s:
        shown = catalog(s, now=NOW, account_code="POOR-CO")
        silver = catalog(s, now=NOW, account_code="SILVER-CO")
        plain = catalog(s, now=NOW)
    by_id = {r["id"]: r for r in shown["rewards"]}
    assert (shown["program"], shown["account"]) == ("wholesale-tiers", "POOR-CO")
    assert (by_id["free-delivery"]["available"], by_id["free-delivery"]["price"]) == (
        True,
        {"kind": "points", "points": "1500"},
    )
    assert (by_id["staff-training"]["available"], by_id["staff-training"]["reason_code"]) == (
        False,
        "insufficient_points",
    )
    assert by_id["staff-training"]["reason"] == "staff-training costs 15000 points; account POOR-CO has 3000 spendable"
    assert (by_id["certificate-5000"]["stock"], by_id["certificate-5000"]["reason_code"]) == (0, "insufficient_points")
    assert {r["id"]: r["reason_code"] for r in silver["rewards"]} == {
        "free-delivery": None,
        "staff-training": "reward_not_available",
        "certificate-5000": "out_of_stock",
    }
    assert [(r["id"], r["stock"], r["available"]) for r in plain["rewards"]] == [
        ("free-delivery", None, None),
        ("staff-training", 10, None),
        ("certificate-5000", 0, None),
    ]


@pytest.mark.parametrize(
    ("reward", "code", "key", "error", "error_code"),
    [
        ("gold-watch", "GOLD-CO", "k", NotFound, "reward_not_found"),
        ("certificate-5000", "NOBODY", "k", NotFound, "account_not_found"),
        ("staff-training", "POOR-CO", "k", InsufficientPoints, "insufficient_points"),
        ("certificate-5000", "GOLD-CO", "", InvalidInput, "invalid_code"),
        ("certificate-5000", "LEFT-CO", "k", RuleViolation, "account_not_member"),
    ],
)
def test_a_refused_redemption_is_clear_and_writes_nothing(
    db: Database, reward: str, code: str, key: str, error: type[LoyaltyError], error_code: str
) -> None:
    wholesale(db)
    member(db, "POOR-CO", "gold", 200_000)
    member(db, "LEFT-CO", "gold", 2_000_000)
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).where(AccountRow.code == "LEFT-CO").values(status="left"))
    before = counts(db)
    with pytest.raises(error) as refused:
        redeem(db, reward, code, key)
    assert refused.value.code == error_code
    assert counts(db) == before


def test_out_of_stock_is_refused_and_a_new_stock_is_audited(db: Database) -> None:
    wholesale(db)
    with db.unit_of_work() as s:
        set_stock(s, reward_id="staff-training", stock=1, now=NOW, actor="Петров", note="one trainer left")
    redeem(db, "staff-training", "GOLD-CO", "t-1")
    member(db, "GOLD-2", "gold", 2_000_000)
    with pytest.raises(RuleViolation) as empty:
        redeem(db, "staff-training", "GOLD-2", "t-2")
    assert (empty.value.code, empty.value.message) == ("out_of_stock", "staff-training is out of stock")
    assert spendable(db, "GOLD-2") == "30000"
    with db.unit_of_work() as s:
        shown = set_stock(s, reward_id="staff-training", stock=5, now=moscow(2026, 2, 5), actor="Петров")
    assert shown["stock"] == 5
    assert [(h["reason"], h["before"], h["after"], h["actor"]) for h in shown["history"]] == [
        ("initialised", None, 10, None),
        ("set", 10, 1, "Петров"),
        ("redeemed", 1, 0, None),
        ("set", 0, 5, "Петров"),
    ]
    redeem(db, "staff-training", "GOLD-2", "t-2", moscow(2026, 2, 6))
    assert stock(db, "staff-training") == 4


@pytest.mark.parametrize(
    ("value", "actor", "note", "code"),
    [
        (-1, "Петров", None, "invalid_stock"),
        (1_000_000_001, "Петров", None, "invalid_stock"),  # a figure no stock column holds
        (3, " ", None, "missing_actor"),
        (3, "П" * 201, None, "invalid_actor"),
        (3, "Петров", "н" * 301, "invalid_note"),
    ],
)
def test_a_bad_stock_is_refused(db: Database, value: int, actor: str, note: str | None, code: str) -> None:
    wholesale(db)
    with db.unit_of_work() as s, pytest.raises(InvalidInput) as refused:
        set_stock(s, reward_id="staff-training", stock=value, now=NOW, actor=actor, note=note)
    assert refused.value.code == code
    assert stock(db, "staff-training") == 10 and counts(db)[1:3] == (0, 0)


def test_a_reward_order_is_fulfilled_once_and_then_cannot_be_cancelled(db: Database) -> None:
    wholesale(db)
    done = redeem(db, "certificate-5000", "GOLD-CO", "c-1")
    with db.unit_of_work() as s:
        fulfilled = order_view(s, fulfil_order(s, done["id"], at=moscow(2026, 2, 4), note="sent by courier"))
    assert (fulfilled["status"], fulfilled["note"]) == ("fulfilled", "sent by courier")
    with db.unit_of_work() as s, pytest.raises(Conflict) as late:
        cancel_order(s, done["id"], at=moscow(2026, 2, 5))
    assert late.value.code == "reward_order_resolved"
    with db.unit_of_work() as s, pytest.raises(NotFound) as missing:
        fulfil_order(s, 999, at=moscow(2026, 2, 5))
    assert missing.value.code == "reward_order_not_found"
    second = redeem(db, "free-delivery", "GOLD-CO", "fd-1")
    with db.unit_of_work() as s:
        cancel_order(s, second["id"], at=moscow(2026, 2, 5))
        with pytest.raises(Conflict):
            fulfil_order(s, second["id"], at=moscow(2026, 2, 6))
    with db.unit_of_work() as s:
        listed = account_orders(s, "GOLD-CO")
        only_new = account_orders(s, "GOLD-CO", status="new")
        with pytest.raises(InvalidInput):
            account_orders(s, "GOLD-CO", status="lost")
    assert [(o["item"], o["status"]) for o in listed] == [
        ("free-delivery", "cancelled"),
        ("certificate-5000", "fulfilled"),
    ]
    assert only_new == []
    assert spendable(db, "GOLD-CO", moscow(2026, 2, 6)) == "25000"


def test_a_note_over_300_characters_or_an_order_number_out_of_range_is_refused_and_changes_nothing(
    db: Database,
) -> None:
    wholesale(db)
    made = redeem(db, "certificate-5000", "GOLD-CO", "c-1")
    later = moscow(2026, 2, 4)
    with db.unit_of_work() as s, pytest.raises(InvalidInput) as long_note:
        fulfil_order(s, made["id"], at=later, note="н" * 301)
    with db.unit_of_work() as s, pytest.raises(InvalidInput) as long_reason:
        cancel_order(s, made["id"], at=later, reason="н" * 301)
    assert (long_note.value.code, long_note.value.field) == ("invalid_note", "note")
    assert long_reason.value.code == "invalid_note"
    for order_id in (2**63, -(2**63) - 1):  # no row id is that large, and no database takes it
        with db.unit_of_work() as s, pytest.raises(NotFound) as missing:
            cancel_order(s, order_id, at=later)
        assert missing.value.code == "reward_order_not_found"
    with db.unit_of_work() as s:
        assert account_orders(s, "GOLD-CO")[0]["status"] == "new"
    assert spendable(db, "GOLD-CO", later) == "25000" and stock(db, "certificate-5000") == 49


def test_a_program_file_with_a_stock_no_database_holds_is_refused(db: Database) -> None:
    text = (EXAMPLES / "wholesale_tiers.yaml").read_text(encoding="utf-8").replace("stock: 50", "stock: 99999999999")
    with pytest.raises(InvalidProgram) as refused:
        load_text(db, text, JOINED)
    assert [issue.path for issue in refused.value.issues] == ["rewards.2.stock"]


def test_a_member_whose_entry_level_is_not_stored_yet_may_take_a_reward_of_that_level(db: Database) -> None:
    text = (EXAMPLES / "wholesale_tiers.yaml").read_text(encoding="utf-8")
    load_text(db, text.replace("    stock: 50\n", "    stock: 50\n    tiers: [silver]\n"), JOINED)
    add_account(db, "OLD-CO", JOINED)
    set_tier(db, "OLD-CO", None)  # joined before the program had tiers: silver, the entry level, until a close
    post(db, order("e1", "OLD-CO", "OLD-1", EARNED, rub=900_000))  # 9,000 points at silver
    with db.unit_of_work() as s:
        shown = {r["id"]: r for r in catalog(s, now=NOW, account_code="OLD-CO")["rewards"]}
    assert (shown["certificate-5000"]["available"], shown["certificate-5000"]["reason_code"]) == (True, None)
    assert shown["staff-training"]["reason"] == "staff-training is for gold, platinum members; account OLD-CO is silver"
    assert redeem(db, "certificate-5000", "OLD-CO", "c-1")["status"] == "new"
    assert spendable(db, "OLD-CO") == "4000"


def test_a_contact_without_spending_rights_cannot_redeem(db: Database) -> None:
    load_example(db, "wholesale_tiers.yaml", JOINED)
    add_account(
        db,
        "GOLD-CO",
        JOINED,
        contacts=[{"code": "driver", "name": "Водитель", "can_spend": False}, {"code": "boss", "name": "Директор"}],
    )
    set_tier(db, "GOLD-CO", "gold")
    post(db, order("e1", "GOLD-CO", "G-1", moscow(2026, 1, 10), rub=2_000_000))
    with db.unit_of_work() as s, pytest.raises(RuleViolation) as refused:
        redeem_reward(s, reward_id="free-delivery", account_code="GOLD-CO", key="k1", contact_code="driver", now=NOW)
    assert refused.value.code == "contact_may_not_spend"
    with db.unit_of_work() as s:
        made, _ = redeem_reward(
            s, reward_id="free-delivery", account_code="GOLD-CO", key="k2", contact_code="boss", now=NOW
        )
        assert order_view(s, made)["contact"] == "boss"
