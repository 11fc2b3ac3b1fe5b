"""PostgreSQL race test: simultaneous orders of one account are counted together for an upgrade."""

from __future__ import annotations

import threading

from loyalka.services.events import post_orders
from loyalka.storage.database import Database
from tests.conftest import moscow
from tests.support import add_account, load_example, order
from tests.tier_support import history, tier_of


def test_ten_simultaneous_orders_of_150000_upgrade_to_gold_exactly_once(pg_db: Database) -> None:
    load_example(pg_db, "wholesale_tiers.yaml", moscow(2026, 3, 1))
    add_account(pg_db, "OPT", moscow(2026, 3, 1))
    barrier = threading.Barrier(10)
    tiers: list[str] = []
    lock = threading.Lock()

    def send(i: int) -> None:
        sent = order(f"e{i}", "OPT", f"W-{i}", moscow(2026, 3, 2, 10), rub=150_000)
        barrier.wait()
        with pg_db.unit_of_work() as s:
            [outcome] = post_orders(s, [sent], now=moscow(2026, 3, 2, 11))
        with lock:
            tiers.append(outcome.result["tier"])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    # all placed at 10:00; whatever order they commit in, the 7th to commit brings 1,050,000 and upgrades,
    # the 3 after it earn at gold: 6 silver, 4 gold
    assert sorted(tiers) == ["gold"] * 4 + ["silver"] * 6
    assert tier_of(pg_db, "OPT")[0] == "gold"
    assert history(pg_db, "OPT") == [(None, "silver", "joined"), ("silver", "gold", "qualified_on_order")]
