"""A contact person's monthly spending limit covers every way the company's points are spent through that
contact: paying an order and redeeming a reward of the catalog draw on the same allowance (seed 002's
wholesale program: a point pays 1 RUB, the 5,000 RUB certificate costs 5,000 points)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from loyalka.errors import RuleViolation
from loyalka.services.events import post_orders
from loyalka.services.fulfilment import cancel_order
from loyalka.services.rewards import redeem_reward
from loyalka.storage.database import Database
from loyalka.storage.tables import EntryRow
from loyalka.storage.tables_catalog import RewardOrderRow
from tests.conftest import moscow
from tests.support import add_account, load_example, order, post

JOINED = moscow(2026, 1, 5, 9)
NOW = moscow(2026, 2, 2, 12)


def company(db: Database) -> None:
    """30,000 points spendable from February; the buyer may spend 6,000.00 RUB a month, the director any sum."""
    load_example(db, "wholesale_tiers.yaml", JOINED)
    buyer = {"code": "buyer", "name": "Закупщик", "monthly_spend_limit_minor": 600_000}
    add_account(db, "GOLD-CO", JOINED, contacts=[buyer, {"code": "boss", "name": "Директор"}])
    post(db, order("e1", "GOLD-CO", "G-1", moscow(2026, 1, 10), rub=2_000_000))


def redeem(db: Database, key: str, contact: str, at: datetime = NOW) -> int:
    with db.unit_of_work() as s:
        made, _ = redeem_reward(
            s, reward_id="certificate-5000", account_code="GOLD-CO", key=key, contact_code=contact, now=at
        )
        return made.id


def written(db: Database) -> tuple[int, int]:
    with db.unit_of_work() as s:
        return (
            s.scalar(select(func.count()).select_from(RewardOrderRow)),
            s.scalar(select(func.count()).select_from(EntryRow)),
        )


def test_a_reward_beyond_the_contacts_monthly_limit_is_refused_and_writes_nothing(db: Database) -> None:
    company(db)
    first = redeem(db, "c-1", "buyer")  # 5,000.00 of the buyer's 6,000.00
    before = written(db)
    with pytest.raises(RuleViolation) as refused:
        redeem(db, "c-2", "buyer")
    assert (refused.value.code, refused.value.field) == ("redemption_limit_exceeded", "contact")
    assert "1000.00" in refused.value.message
    assert written(db) == before
    redeem(db, "c-3", "boss")  # the director has no limit
    with db.unit_of_work() as s:
        cancel_order(s, first, at=NOW)  # a cancelled reward gives its share of the month back
    redeem(db, "c-4", "buyer")
    redeem(db, "c-5", "buyer", moscow(2026, 3, 2, 12))  # a new month, a new allowance


def test_a_reward_and_an_order_paid_with_points_share_the_contacts_monthly_limit(db: Database) -> None:
    company(db)
    redeem(db, "c-1", "buyer")
    paying = order("e2", "GOLD-CO", "G-2", NOW, rub=10_000, contact="buyer", redeem_minor=100_001)
    with pytest.raises(RuleViolation) as refused, db.unit_of_work() as s:
        post_orders(s, [paying], now=NOW)
    assert refused.value.code == "redemption_limit_exceeded"
    with db.unit_of_work() as s:
        [done] = post_orders(
            s, [order("e3", "GOLD-CO", "G-3", NOW, rub=10_000, contact="buyer", redeem_minor=100_000)], now=NOW
        )
    assert done.result["paid_with_points"] == "1000.00"
    with pytest.raises(RuleViolation):
        redeem(db, "c-2", "buyer")
