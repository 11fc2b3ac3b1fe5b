"""Manual adjustments of an account's points: no influence outside the rules (seed 001).

A staff member asks to add or take points of a kind, with a reason (a sentence, not a word). Within the
limit of their role (``adjustments.limits`` of the program, in points of the file's notation) it is applied
at once; above it, it waits for another active person whose role's limit covers it (and who holds one of
``approver_roles`` when the program names them). Nobody approves their own request; a rejection needs a
reason too. Each step is a line of the audit log, written in the same unit of work.

Applying a positive adjustment credits a new lot of the kind (the kind's activation and expiry from the
moment applied, the account's tier for expiry), entry type ``adjust``. A negative one takes the account's
open lots of the kind (spendable ones first, then pending ones; expiring first) and is refused when they do
not cover it. Entries carry the reason and the adjustment's event id (``adjustment:<key>``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalka.domain.accounts import validate_code
from loyalka.domain.money import parse_minor, parse_points
from loyalka.engine.adjustments import approver_roles, clean_reason, limits_text, point_kind, role_limit
from loyalka.errors import Conflict, InsufficientPoints, InvalidInput, NotFound, RuleViolation
from loyalka.program.models import Program
from loyalka.services.accounts import get_account, lock_accounts
from loyalka.services.adjustment_apply import apply_adjustment, open_lots_to_take
from loyalka.services.audit_log import record
from loyalka.services.programs import active_program
from loyalka.services.staff import active_staff
from loyalka.storage.tables import AccountRow, EventRow
from loyalka.storage.tables_audit import AdjustmentRow, StaffRow

STATUSES = ("pending", "applied", "rejected")
MAX_ID = 2**63 - 1  # the largest id a BIGINT column holds


@dataclass(frozen=True, slots=True)
class AdjustmentOutcome:
    adjustment: dict[str, Any]
    replayed: bool  # True: this key (or this very decision) was seen before; nothing changed


def request_adjustment(
    session: Session,
    *,
    key: str,
    account_code: str,
    kind: str,
    points: object,
    reason: str | None,
    by: str,
    now: datetime,
) -> AdjustmentOutcome:
    """Ask to add (positive ``points``) or take (negative) points of ``kind``; idempotent by ``key``.

    ``points`` is a figure in the program file's notation ("500", "-120.50", or an int of whole points)."""
    key = validate_code(key, field="key")
    digest = _digest(account_code, kind, parse_minor(points, field="points", allow_negative=True), reason, by)
    account = _lock_account(session, account_code)
    known = session.scalar(select(AdjustmentRow).where(AdjustmentRow.request_key == key))
    if known is not None:
        if known.request_hash != digest:
            raise Conflict(
                f"key {key!r} was already used for another adjustment", code="idempotency_conflict", field="key"
            )
        return AdjustmentOutcome(adjustment_view(session, known), True)
    program = active_program(session, account.program_id)
    rules = program.rules
    kind_spec = point_kind(rules, kind)
    amount = parse_points(points, kind_spec.decimals, field="points", allow_negative=True)
    if amount == 0:
        raise InvalidInput("an adjustment of zero points changes nothing", code="zero_points", field="points")
    reason = clean_reason(reason, rules.adjustments.reason_min_chars)
    staff = active_staff(session, by)
    limit = role_limit(rules.adjustments, staff.role, kind_spec)
    at_once = limit is None or abs(amount) <= limit
    if not at_once and not approver_roles(rules.adjustments, kind_spec, abs(amount)):
        raise RuleViolation(
            f"no role may approve {rules.points(kind, abs(amount))} points in one adjustment "
            f"(limits: {limits_text(rules, kind_spec)}); split it or raise a limit in the program",
            code="above_every_limit",
            field="points",
        )
    if amount > 0:
        _check_member(account)
    if amount < 0:
        _check_covered(session, account, rules, kind, -amount, now)
    row = AdjustmentRow(
        request_key=key,
        request_hash=digest,
        event_id=f"adjustment:{key}",
        account_id=account.id,
        kind=kind,
        points_minor=amount,
        reason=reason,
        status="pending",
        requested_by_id=staff.id,
        requested_at=now,
    )
    _insert(session, row)
    details = _details(row, rules) | {"role": staff.role, "role_limit": _points_or_none(rules, kind, limit)}
    record(session, at=now, actor=staff.code, action="adjustment.requested", account=account, details=details)
    if at_once:
        apply_adjustment(session, row=row, account=account, program=program, now=now)
    return AdjustmentOutcome(adjustment_view(session, row), False)


def approve_adjustment(session: Session, *, adjustment_id: int, by: str, now: datetime) -> AdjustmentOutcome:
    """Approve a pending adjustment and apply it; approving it again, by the same person, changes nothing."""
    row, account = _locked(session, adjustment_id)
    if row.status != "pending":
        if row.status == "applied" and row.decided_by_id is not None and _code(session, row.decided_by_id) == by:
            return AdjustmentOutcome(adjustment_view(session, row), True)
        raise _resolved(session, row)
    program = active_program(session, account.program_id)
    staff = active_staff(session, by)
    if staff.id == row.requested_by_id:
        raise RuleViolation(
            f"{staff.code} asked for adjustment {row.id} and cannot approve it: another person must",
            code="self_approval",
            field="by",
        )
    _check_may_decide(program.rules, row, staff, "approve")
    if row.points_minor > 0:
        _check_member(account)  # it may have left the program since it was asked
    if row.points_minor < 0:
        _check_covered(session, account, program.rules, row.kind, -row.points_minor, now)
    row.decided_by_id, row.decided_at = staff.id, now
    details = _details(row, program.rules) | {"role": staff.role}
    record(session, at=now, actor=staff.code, action="adjustment.approved", account=account, details=details)
    apply_adjustment(session, row=row, account=account, program=program, now=now)
    return AdjustmentOutcome(adjustment_view(session, row), False)


def reject_adjustment(
    session: Session, *, adjustment_id: int, by: str, reason: str | None, now: datetime
) -> AdjustmentOutcome:
    """Reject a pending adjustment, with a reason. Its requester may withdraw it; others need the authority
    to approve it. Rejecting it again, by the same person for the same reason, changes nothing."""
    row, account = _locked(session, adjustment_id)
    rules = active_program(session, account.program_id).rules
    reason = clean_reason(reason, rules.adjustments.reason_min_chars)
    if row.status != "pending":
        same = row.decided_by_id is not None and _code(session, row.decided_by_id) == by
        if row.status == "rejected" and same and row.decision_reason == reason:
            return AdjustmentOutcome(adjustment_view(session, row), True)
        raise _resolved(session, row)
    staff = active_staff(session, by)
    if staff.id != row.requested_by_id:
        _check_may_decide(rules, row, staff, "reject")
    row.status, row.decided_by_id, row.decided_at, row.decision_reason = "rejected", staff.id, now, reason
    details = _details(row, rules) | {"role": staff.role, "rejection_reason": reason}
    record(session, at=now, actor=staff.code, action="adjustment.rejected", account=account, details=details)
    return AdjustmentOutcome(adjustment_view(session, row), False)


def list_adjustments(
    session: Session, *, status: str | None = None, account_code: str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """Adjustments, oldest first; ``status`` pending shows what waits for a second person."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(
            f"status must be one of {', '.join(STATUSES)}, got {status!r}", code="invalid_status", field="status"
        )
    query = select(AdjustmentRow).order_by(AdjustmentRow.id).limit(limit)
    if status is not None:
        query = query.where(AdjustmentRow.status == status)
    if account_code is not None:
        query = query.where(AdjustmentRow.account_id == get_account(session, account_code).id)
    return [adjustment_view(session, row) for row in session.scalars(query)]


def get_adjustment(session: Session, adjustment_id: int) -> dict[str, Any]:
    return adjustment_view(session, _find(session, adjustment_id))


def _find(session: Session, adjustment_id: int) -> AdjustmentRow:
    # an id no column can hold is not asked of the database (it would refuse it with an overflow)
    row = session.get(AdjustmentRow, adjustment_id) if 1 <= adjustment_id <= MAX_ID else None
    if row is None:
        raise NotFound(f"no adjustment {adjustment_id}", code="adjustment_not_found", field="id")
    return row


def adjustment_view(session: Session, row: AdjustmentRow) -> dict[str, Any]:
    account = session.get(AccountRow, row.account_id)
    assert account is not None
    rules = active_program(session, account.program_id).rules
    kind = rules.point_kinds.get(row.kind)
    waiting_for = approver_roles(rules.adjustments, kind, abs(row.points_minor)) if kind else []
    return {
        "id": row.id,
        "key": row.request_key,
        "event_id": row.event_id,
        "account": account.code,
        "kind": row.kind,
        "points": rules.points(row.kind, row.points_minor),
        "reason": row.reason,
        "status": row.status,
        "requested_by": _code(session, row.requested_by_id),
        "requested_at": _iso(row.requested_at),
        "approver_roles": waiting_for if row.status == "pending" else [],
        "decided_by": _code(session, row.decided_by_id) if row.decided_by_id else None,
        "decided_at": _iso(row.decided_at),
        "decision_reason": row.decision_reason,
        "applied_at": _iso(row.applied_at),
    }


# --- checks --------------------------------------------------------------------------------------------------
def _check_may_decide(rules: Program, row: AdjustmentRow, staff: StaffRow, verb: str) -> None:
    kind = point_kind(rules, row.kind)
    allowed = approver_roles(rules.adjustments, kind, abs(row.points_minor))
    if staff.role not in allowed:
        raise RuleViolation(
            f"{staff.code} ({staff.role}) may not {verb} {rules.points(row.kind, abs(row.points_minor))} points; "
            f"it takes one of: {', '.join(allowed)}",
            code="approval_not_allowed",
            field="by",
        )


def _check_member(account: AccountRow) -> None:
    if account.status != "active":
        raise RuleViolation(
            f"account {account.code} is {account.status}, not a member: points cannot be added",
            code="account_not_member",
            field="account",
        )


def _check_covered(
    session: Session, account: AccountRow, rules: Program, kind: str, amount: int, now: datetime
) -> None:
    have = sum(lot.remaining_minor for lot in open_lots_to_take(session, account.id, kind, now))
    if have < amount:
        raise InsufficientPoints(
            f"cannot take {rules.points(kind, amount)} points of {kind} from {account.code}: "
            f"its open points of the kind (spendable and pending) are {rules.points(kind, have)}",
            code="insufficient_points",
            field="points",
        )


# --- helpers -------------------------------------------------------------------------------------------------
def _digest(account: str, kind: str, points_hundredths: int, reason: str | None, by: str) -> str:
    payload = [account, kind, points_hundredths, " ".join((reason or "").split()), by]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def _insert(session: Session, row: AdjustmentRow) -> None:
    if session.get(EventRow, row.event_id) is not None:
        raise Conflict(
            f"event id {row.event_id!r} is taken by another event; use another key", code="event_id_taken", field="key"
        )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:  # the same key, sent at the same moment for another account
        raise Conflict(
            f"key {row.request_key!r} was used by a concurrent request; repeat yours to see its answer",
            code="idempotency_conflict",
            field="key",
        ) from exc


def _lock_account(session: Session, code: str) -> AccountRow:
    """The account, read for the first time under its lock (so its debts and status are current)."""
    account_id = session.scalar(select(AccountRow.id).where(AccountRow.code == code))
    if account_id is None:
        get_account(session, code)  # raises its NotFound
    return lock_accounts(session, [account_id])[account_id]


def _locked(session: Session, adjustment_id: int) -> tuple[AdjustmentRow, AccountRow]:
    row = _find(session, adjustment_id)
    account = lock_accounts(session, [row.account_id])[row.account_id]
    session.refresh(row)  # a decision committed while this waited for the lock
    return row, account


def _resolved(session: Session, row: AdjustmentRow) -> Conflict:
    who = _code(session, row.decided_by_id) if row.decided_by_id else _code(session, row.requested_by_id)
    verb = "rejected" if row.status == "rejected" else "applied"
    return Conflict(f"adjustment {row.id} was already {verb} ({who})", code="adjustment_resolved", field="id")


def _iso(at: datetime | None) -> str | None:
    """In UTC, so an answer reads the same whether the row was just written or read back."""
    return at.astimezone(UTC).isoformat() if at else None


def _code(session: Session, staff_id: int) -> str:
    staff = session.get(StaffRow, staff_id)
    assert staff is not None
    return staff.code


def _details(row: AdjustmentRow, rules: Program) -> dict[str, Any]:
    return {
        "adjustment": row.id,
        "key": row.request_key,
        "kind": row.kind,
        "points": rules.points(row.kind, row.points_minor),
        "reason": row.reason,
    }


def _points_or_none(rules: Program, kind: str, minor: int | None) -> str | None:
    return None if minor is None else rules.points(kind, minor)


__all__ = [
    "AdjustmentOutcome",
    "adjustment_view",
    "approve_adjustment",
    "get_adjustment",
    "list_adjustments",
    "reject_adjustment",
    "request_adjustment",
]
