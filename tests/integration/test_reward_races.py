"""PostgreSQL race tests: simultaneous redemptions never take a reward's stock below zero, and one key
redeems once however many times it arrives at the same moment."""

from __future__ import annotations

from sqlalchemy import func, select, update

from loyalka.domain.accounts import AccountIn
from loyalka.domain.events import OrderIn
from loyalka.services.accounts import create_account
from loyalka.services.events import post_orders
from loyalka.services.programs import load_program
from loyalka.services.rewards import redeem_reward, reward_history, set_stock
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow, EntryRow
from loyalka.storage.tables_catalog import RewardOrderRow
from tests.conftest import EXAMPLES, moscow
from tests.races import at_once

JOINED = moscow(2026, 1, 5, 9)
NOW = moscow(2026, 2, 2, 12)


def gold_members(db: Database, count: int) -> list[str]:
    """Gold members with 30,000 points each (an order of 2,000,000 RUB at 1.5 points per full 100 RUB)."""
    codes = [f"GOLD-{i}" for i in range(count)]
    with db.unit_of_work() as s:
        load_program(s, (EXAMPLES / "wholesale_tiers.yaml").read_text(encoding="utf-8"), now=JOINED)
        for code in codes:
            create_account(s, AccountIn(code=code, name=f"Компания {code}"), now=JOINED)
        s.execute(update(AccountRow).values(tier="gold"))
    with db.unit_of_work() as s:
        at = moscow(2026, 1, 10, 12)
        post_orders(s, [OrderIn(f"e-{c}", c, f"{c}-1", at, 200_000_000) for c in codes], now=at)
    return codes


def redeem(db: Database, reward: str, code: str, key: str) -> str:
    with db.unit_of_work() as s:
        order, replayed = redeem_reward(s, reward_id=reward, account_code=code, key=key, now=NOW)
        return f"{order.id}:{replayed}"


def test_of_six_simultaneous_redemptions_of_the_last_certificate_exactly_one_succeeds(pg_db: Database) -> None:
    codes = gold_members(pg_db, 6)
    with pg_db.unit_of_work() as s:
        set_stock(s, reward_id="certificate-5000", stock=1, now=NOW, actor="склад", note="the last one")
    done, refused = at_once(6, lambda i: redeem(pg_db, "certificate-5000", codes[i], f"k-{i}"))
    assert len(done) == 1
    assert refused == ["out_of_stock"] * 5
    with pg_db.unit_of_work() as s:
        assert reward_history(s, reward_id="certificate-5000")["stock"] == 0
        assert s.scalar(select(func.count()).select_from(RewardOrderRow)) == 1
        assert s.scalar(select(func.sum(EntryRow.amount_minor)).where(EntryRow.type == "reward")) == -5000


def test_twelve_gold_members_racing_for_ten_training_places_on_first_use_get_exactly_ten(pg_db: Database) -> None:
    """The stock row is created from the file's 10 by whichever redemption comes first; none is counted twice."""
    codes = gold_members(pg_db, 12)
    done, refused = at_once(12, lambda i: redeem(pg_db, "staff-training", codes[i], f"t-{i}"))
    assert (len(done), refused) == (10, ["out_of_stock"] * 2)
    with pg_db.unit_of_work() as s:
        history = reward_history(s, reward_id="staff-training")
    assert history["stock"] == 0
    assert [h["reason"] for h in history["history"]] == ["initialised"] + ["redeemed"] * 10
    assert [h["after"] for h in history["history"][1:]] == list(range(9, -1, -1))


def test_one_key_sent_five_times_at_once_redeems_once(pg_db: Database) -> None:
    [code] = gold_members(pg_db, 1)
    done, refused = at_once(5, lambda _: redeem(pg_db, "certificate-5000", code, "same-key"))
    assert refused == []
    assert sorted(d.split(":")[1] for d in done) == ["False"] + ["True"] * 4
    assert len({d.split(":")[0] for d in done}) == 1
    with pg_db.unit_of_work() as s:
        assert s.scalar(select(func.sum(EntryRow.amount_minor)).where(EntryRow.type == "reward")) == -5000
        assert reward_history(s, reward_id="certificate-5000")["stock"] == 49
