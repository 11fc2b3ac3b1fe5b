"""PostgreSQL race test: simultaneous redemptions against one account never overspend it."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from loyalka.domain.accounts import AccountIn
from loyalka.domain.events import OrderIn
from loyalka.errors import InsufficientPoints, LoyaltyError
from loyalka.services.accounts import create_account, describe_account
from loyalka.services.events import post_orders
from loyalka.services.programs import load_program
from loyalka.services.redemption import hold_points, resolve_hold
from loyalka.storage.database import Database
from loyalka.storage.tables import EntryRow, HoldRow, LotRow
from tests.conftest import EXAMPLES, moscow

SPEND_AT = moscow(2026, 11, 10, 12)


def test_twenty_simultaneous_redemptions_never_take_the_balance_below_zero(pg_db: Database) -> None:
    with pg_db.unit_of_work() as s:
        load_program(s, (EXAMPLES / "textile.yaml").read_text(encoding="utf-8"), now=moscow(2026, 10, 1))
        create_account(s, AccountIn(code="SALON-1", name="Салон", region="Москва"), now=moscow(2026, 10, 1))
        # 30,000 RUB in October -> 3,000.00 bonus RUB spendable in November
        post_orders(s, [OrderIn("e1", "SALON-1", "O-1", moscow(2026, 10, 5), 3_000_000)], now=moscow(2026, 10, 5))

    barrier = threading.Barrier(20)
    captured: list[int] = []
    refused: list[str] = []
    lock = threading.Lock()

    def redeem(i: int) -> None:
        barrier.wait()
        try:
            # each order of 10,000 RUB may take 1,500.00 of bonuses: only two can succeed in full
            with pg_db.unit_of_work() as s:
                hold, _ = hold_points(
                    s,
                    key=f"h{i}",
                    request_hash=f"r{i}",
                    account_code="SALON-1",
                    order_ref=f"N-{i}",
                    order_total_minor=1_000_000,
                    money_minor=150_000,
                    contact_code=None,
                    at=SPEND_AT,
                )
            with pg_db.unit_of_work() as s:
                resolve_hold(s, hold.request_key, capture=True, at=SPEND_AT)
            with lock:
                captured.append(hold.money_minor)
        except LoyaltyError as exc:
            with lock:
                refused.append(exc.code)

    threads = [threading.Thread(target=redeem, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(captured) + len(refused) == 20
    assert sum(captured) == 300_000 and len(captured) == 2
    assert set(refused) == {InsufficientPoints.default_code}
    with pg_db.unit_of_work() as s:
        remaining = s.scalar(select(func.sum(LotRow.remaining_minor)))
        entries = s.scalar(select(func.sum(EntryRow.amount_minor)))
        spent = -s.scalar(select(func.sum(EntryRow.amount_minor)).where(EntryRow.type == "hold"))
        held = s.scalar(select(func.sum(HoldRow.money_minor)).where(HoldRow.status == "captured"))
        balance = describe_account(s, "SALON-1", now=SPEND_AT)["balances"][0]
    assert remaining == entries == 0
    assert spent == held == 300_000
    assert balance["spendable"] == "0.00"
