"""Helpers of the audit tests: hire staff, request and decide adjustments, read the audit log and row counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from loyalka.services.adjustments import (
    AdjustmentOutcome,
    approve_adjustment,
    reject_adjustment,
    request_adjustment,
)
from loyalka.services.audit_log import audit_lines
from loyalka.services.staff import add_staff
from loyalka.storage.database import Database
from loyalka.storage.tables import EntryRow, EventRow, LotRow
from loyalka.storage.tables_audit import AdjustmentRow, AuditRow, StaffRow

REASON = "Компенсация за задержку доставки заказа O-1"
TABLES = {
    "adjustments": AdjustmentRow,
    "audit_log": AuditRow,
    "entries": EntryRow,
    "lots": LotRow,
    "events": EventRow,
    "staff": StaffRow,
}


def hire(db: Database, at: datetime, *people: tuple[str, str]) -> None:
    """(code, role) pairs, added by the set-up user."""
    with db.unit_of_work() as s:
        for code, role in people:
            add_staff(s, code=code, name=f"Сотрудник {code}", role=role, actor="cli:admin", now=at)


def adjust(
    db: Database,
    key: str,
    points: object,
    *,
    by: str,
    at: datetime,
    account: str = "SALON-1",
    kind: str = "bonus",
    reason: str | None = REASON,
) -> AdjustmentOutcome:
    with db.unit_of_work() as s:
        return request_adjustment(
            s, key=key, account_code=account, kind=kind, points=points, reason=reason, by=by, now=at
        )


def approve(db: Database, adjustment_id: int, by: str, at: datetime) -> AdjustmentOutcome:
    with db.unit_of_work() as s:
        return approve_adjustment(s, adjustment_id=adjustment_id, by=by, now=at)


def reject(db: Database, adjustment_id: int, by: str, reason: str | None, at: datetime) -> AdjustmentOutcome:
    with db.unit_of_work() as s:
        return reject_adjustment(s, adjustment_id=adjustment_id, by=by, reason=reason, now=at)


def audit(db: Database, account: str | None = None) -> list[dict[str, Any]]:
    with db.unit_of_work() as s:
        return audit_lines(s, account_code=account)


def counts(db: Database) -> dict[str, int]:
    with db.unit_of_work() as s:
        return {name: s.scalar(select(func.count()).select_from(table)) for name, table in TABLES.items()}


def entries_of(db: Database, event_id: str) -> list[tuple[str, int, str | None]]:
    with db.unit_of_work() as s:
        rows = s.scalars(select(EntryRow).where(EntryRow.event_id == event_id).order_by(EntryRow.id))
        return [(e.type, e.amount_minor, e.reason) for e in rows]
