"""The order preview answers what the order itself would earn (found in review: it ignored the stages that
decide before an order earns, so it promised points an overdue invoice withholds and left out an immediate
upgrade's multiplier). Each case previews an order, then posts the very same order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from loyalka.domain.events import OrderLine
from loyalka.services.preview import preview_order
from loyalka.storage.database import Database
from tests.conftest import moscow
from tests.integration.test_tiers_metal_seed_004 import metal
from tests.integration.test_wholesale_seed_002_terms import in_arrears, wholesale
from tests.support import order, post


def preview(db: Database, code: str, rub: int, at: datetime) -> dict[str, Any]:
    with db.unit_of_work() as s:
        return preview_order(s, account_code=code, at=at, order_total_minor=rub * 100)


def test_a_preview_of_an_order_that_makes_gold_earns_at_gold_like_the_order(db: Database) -> None:
    metal(db)
    at = moscow(2026, 1, 15, 12)
    ahead = preview(db, "STAL", 520_000, at)
    assert ahead["tier"] == "gold"
    assert [e["points"] for e in ahead["earns"]] == ["5200.00"]  # 0.5% of 520,000, times gold's 2
    assert any("tier upgraded to gold by this order" in note for note in ahead["notes"])
    [done] = post(db, order("e1", "STAL", "SO-1", at, rub=520_000))
    assert [e["points"] for e in done.result["earned"]] == ["5200.00"]


def test_a_preview_writes_no_tier_change(db: Database) -> None:
    metal(db)
    at = moscow(2026, 1, 15, 12)
    preview(db, "STAL", 520_000, at)
    [done] = post(db, order("e1", "STAL", "SO-1", at, rub=100_000))
    assert done.result["tier"] == "bronze"
    assert [e["points"] for e in done.result["earned"]] == ["500.00"]


def test_a_preview_says_an_overdue_invoice_withholds_the_points_like_the_order(db: Database) -> None:
    wholesale(db, block_earning=True)
    in_arrears(db)
    at = moscow(2026, 10, 20, 12)  # INV-2 is overdue since 16 October
    ahead = preview(db, "OPT-1", 30_000, at)
    assert ahead["earns"] == []
    assert any("invoice INV-2 is overdue" in note and "nothing is earned" in note for note in ahead["notes"])
    [done] = post(db, order("e3", "OPT-1", "O-3", at, OrderLine("steel", 3_000_000)))
    assert done.result["earned"] == []
