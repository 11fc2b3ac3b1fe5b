"""PostgreSQL race tests: simultaneous approvals apply an adjustment once; simultaneous negative adjustments
never take more than the account holds; the same key sent at once creates one adjustment."""

from __future__ import annotations

from sqlalchemy import func, select

from loyalka.storage.database import Database
from loyalka.storage.tables import EntryRow, LotRow
from loyalka.storage.tables_audit import AdjustmentRow, AuditRow
from tests.conftest import moscow
from tests.integration.audit_support import adjust, approve, hire
from tests.races import at_once
from tests.support import add_account, load_example, order, post

NOV = moscow(2026, 11, 10, 12)
APPROVERS = [f"MGR-{i}" for i in range(10)]


def salon(db: Database) -> None:
    load_example(db, "textile.yaml", moscow(2026, 10, 1))
    add_account(db, "SALON-1", moscow(2026, 10, 1))
    hire(db, moscow(2026, 10, 1), ("OP-1", "operator"), *((code, "manager") for code in APPROVERS))
    post(db, order("e1", "SALON-1", "O-1", moscow(2026, 10, 5), rub=30_000))  # 3,000.00 spendable in November


def total(db: Database, column: object, *where: object) -> int:
    with db.unit_of_work() as s:
        return int(s.scalar(select(func.coalesce(func.sum(column), 0)).where(*where)))  # type: ignore[arg-type]


def test_ten_managers_approving_at_once_apply_the_adjustment_once(pg_db: Database) -> None:
    salon(pg_db)
    waiting = adjust(pg_db, "adj-1", "5000", by="OP-1", at=NOV).adjustment
    done, refused = at_once(10, lambda i: approve(pg_db, waiting["id"], APPROVERS[i], NOV))
    assert len(done) == 1 and refused == ["adjustment_resolved"] * 9
    assert total(pg_db, EntryRow.amount_minor, EntryRow.event_id == "adjustment:adj-1") == 500_000
    with pg_db.unit_of_work() as s:
        actions = s.scalars(select(AuditRow.action).where(AuditRow.account_id.is_not(None))).all()
    assert actions.count("adjustment.applied") == 1 and actions.count("adjustment.approved") == 1


def test_negative_adjustments_at_once_never_take_more_than_the_account_holds(pg_db: Database) -> None:
    salon(pg_db)
    reason = "Ошибочно начисленные баллы по заказу O-1"
    done, refused = at_once(10, lambda i: adjust(pg_db, f"neg-{i}", "-700", by="OP-1", at=NOV, reason=reason))
    assert len(done) == 4 and refused == ["insufficient_points"] * 6  # 4 x 700.00 of 3,000.00
    assert total(pg_db, LotRow.remaining_minor) == 20_000 == total(pg_db, EntryRow.amount_minor)


def test_the_same_key_sent_at_once_makes_one_adjustment(pg_db: Database) -> None:
    salon(pg_db)
    done, refused = at_once(10, lambda i: adjust(pg_db, "adj-same", "100", by="OP-1", at=NOV))
    assert len(done) == 10 and refused == []
    assert sorted(outcome.replayed for outcome in done) == [False] + [True] * 9  # type: ignore[attr-defined]
    with pg_db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(AdjustmentRow)) == 1
    assert total(pg_db, EntryRow.amount_minor, EntryRow.type == "adjust") == 10_000
