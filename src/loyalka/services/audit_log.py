"""The audit log: who did what, when, to which account. Append-only (the database refuses UPDATE and DELETE).

Every service that records an action writes its line with ``record`` in the caller's unit of work, so the
line and what it records commit together or not at all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalka.errors import InvalidInput
from loyalka.services.accounts import get_account
from loyalka.storage.tables import AccountRow
from loyalka.storage.tables_audit import AuditRow

MAX_PAGE = 1000
MAX_ID = 2**63 - 1  # the largest id a BIGINT column holds


def record(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    details: dict[str, Any],
    account: AccountRow | None = None,
) -> AuditRow:
    row = AuditRow(at=at, actor=actor, action=action, account_id=account.id if account else None, details=details)
    session.add(row)
    return row


def audit_lines(
    session: Session, *, account_code: str | None = None, after_id: int = 0, limit: int = 200
) -> list[dict[str, Any]]:
    """Lines in the order they were written (oldest first), after ``after_id``: page on with the last id seen."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be 1..{MAX_PAGE}, got {limit}", code="invalid_limit", field="limit")
    if not 0 <= after_id <= MAX_ID:
        raise InvalidInput(f"after must be a line id, 0..{MAX_ID}, got {after_id}", code="invalid_after", field="after")
    query = (
        select(AuditRow, AccountRow.code)
        .outerjoin(AccountRow, AccountRow.id == AuditRow.account_id)
        .where(AuditRow.id > after_id)
        .order_by(AuditRow.id)
        .limit(limit)
    )
    if account_code is not None:
        query = query.where(AuditRow.account_id == get_account(session, account_code).id)
    return [
        {
            "id": row.id,
            "at": row.at.astimezone(UTC).isoformat(),
            "actor": row.actor,
            "action": row.action,
            "account": code,
            "details": row.details,
        }
        for row, code in session.execute(query)
    ]


__all__ = ["audit_lines", "record"]
