"""The seller's staff: the people who may adjust balances by hand, each with a role of the program's limits.

A person is never deleted (the audit log and the adjustments name them): one who leaves is deactivated and
can neither request nor approve from then on. Every change is in the audit log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalka.domain.accounts import validate_code
from loyalka.errors import Conflict, InvalidInput, NotFound, RuleViolation
from loyalka.services.audit_log import record
from loyalka.services.programs import active_program, program_by_code
from loyalka.storage.tables_audit import StaffRow


def staff_view(row: StaffRow) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "role": row.role,
        "active": row.active,
        "created_at": row.created_at.isoformat(),
        "deactivated_at": row.deactivated_at.isoformat() if row.deactivated_at else None,
    }


def program_roles(session: Session, program: str | None = None) -> list[str]:
    """The roles a program knows: the keys of its ``adjustments.limits``."""
    row = program_by_code(session, program)
    return list(active_program(session, row.id).rules.adjustments.limits)


def add_staff(
    session: Session, *, code: str, name: str, role: str, actor: str, now: datetime, program: str | None = None
) -> StaffRow:
    code = validate_code(code, field="code")
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise InvalidInput("a staff member needs a name of 1-200 characters", code="invalid_name", field="name")
    roles = program_roles(session, program)
    if role not in roles:
        raise InvalidInput(
            f"role {role!r} is not one of the program's adjustment roles ({', '.join(roles)}); "
            "roles are the keys of adjustments.limits in the program file",
            code="unknown_role",
            field="role",
        )
    if session.scalar(select(StaffRow.id).where(StaffRow.code == code)) is not None:
        raise Conflict(f"a staff member with code {code!r} exists already", code="staff_exists", field="code")
    row = StaffRow(code=code, name=name, role=role, active=True, created_at=now)
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent add of the same code
        raise Conflict(f"a staff member with code {code!r} exists already", code="staff_exists", field="code") from exc
    record(session, at=now, actor=actor, action="staff.added", details={"staff": code, "name": name, "role": role})
    return row


def deactivate_staff(session: Session, *, code: str, actor: str, now: datetime) -> StaffRow:
    """Deactivate a person (again: nothing changes). Their pending requests stay for others to decide."""
    row = get_staff(session, code, lock=True)
    if row.active:
        row.active = False
        row.deactivated_at = now
        record(session, at=now, actor=actor, action="staff.deactivated", details={"staff": code, "role": row.role})
    return row


def list_staff(session: Session, *, include_inactive: bool = True) -> list[StaffRow]:
    query = select(StaffRow).order_by(StaffRow.code)
    if not include_inactive:
        query = query.where(StaffRow.active.is_(True))
    return list(session.scalars(query))


def get_staff(session: Session, code: str, *, lock: bool = False, field: str = "by") -> StaffRow:
    query = select(StaffRow).where(StaffRow.code == code)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound(f"no staff member with code {code!r}", code="staff_not_found", field=field)
    return row


def active_staff(session: Session, code: str, *, field: str = "by") -> StaffRow:
    row = get_staff(session, code, field=field)
    if not row.active:
        raise RuleViolation(
            f"staff member {code!r} was deactivated and may no longer adjust balances",
            code="staff_inactive",
            field=field,
        )
    return row


def actor_of(session: Session, by: str | None, default: str) -> str:
    """Who an action is recorded under: an active staff member when named, else ``default``."""
    return active_staff(session, by).code if by else default


__all__ = [
    "active_staff",
    "actor_of",
    "add_staff",
    "deactivate_staff",
    "get_staff",
    "list_staff",
    "program_roles",
    "staff_view",
]
