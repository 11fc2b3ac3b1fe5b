"""PostgreSQL race test: one claim key sent for two accounts at the same moment takes one gift; the other
request is refused as a conflict of keys, not with a database error."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from loyalka.domain.accounts import AccountIn
from loyalka.domain.events import OrderIn
from loyalka.services.accounts import create_account
from loyalka.services.events import post_orders
from loyalka.services.programs import load_program
from loyalka.services.stamps import claim_gift
from loyalka.storage.database import Database
from loyalka.storage.tables_catalog import RewardOrderRow, StampClaimRow
from tests.conftest import EXAMPLES, moscow
from tests.races import at_once

JOINED = moscow(2026, 1, 12, 9)
NOW = moscow(2026, 3, 1, 12)


def test_one_claim_key_sent_for_two_accounts_at_once_takes_one_gift_and_refuses_the_other(pg_db: Database) -> None:
    codes = ["METALL-A", "METALL-B"]
    with pg_db.unit_of_work() as s:
        load_program(s, (EXAMPLES / "metal_cards.yaml").read_text(encoding="utf-8"), now=JOINED)
        for code in codes:
            create_account(s, AccountIn(code=code, name=f"ООО {code}"), now=JOINED)
    with pg_db.unit_of_work() as s:  # four purchases of 30,000 each: column 1 is full on both cards
        start = moscow(2026, 2, 1, 10)
        orders = [
            OrderIn(f"e-{c}-{n}", c, f"{c}-{n}", start + timedelta(days=n), 3_000_000) for c in codes for n in range(4)
        ]
        post_orders(s, orders, now=NOW)

    def take(i: int) -> str:
        with pg_db.unit_of_work() as s:
            claim, _ = claim_gift(s, account_code=codes[i], card_id="purchases-3x4", column=1, key="k-1", now=NOW)
            return claim["key"]

    done, refused = at_once(2, take)
    assert (done, refused) == (["k-1"], ["idempotency_conflict"])
    with pg_db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(StampClaimRow)) == 1
        assert s.scalar(select(func.count()).select_from(RewardOrderRow)) == 1
