"""Applying an approved (or within-limit) adjustment to the ledger; the caller holds the account's lock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from loyalka.engine.earning import accrual
from loyalka.ledger.book import EntryType, Lot
from loyalka.services.audit_log import record
from loyalka.services.events import net_debt
from loyalka.services.programs import ActiveProgram
from loyalka.services.tiers import held_tier
from loyalka.storage.ledger_store import Books, load_books, persist
from loyalka.storage.tables import AccountRow, EventRow
from loyalka.storage.tables_audit import AdjustmentRow, StaffRow


def lots_to_take(lots: list[Lot], kind: str, at: datetime) -> list[Lot]:
    """The open lots of ``kind`` a negative adjustment takes, in order: spendable ones first, then those not
    spendable yet; within each, expiring first. Lots past their expiry (not closed yet) are gone already."""
    live = [lot for lot in lots if lot.kind == kind and not lot.closed and lot.remaining_minor > 0]
    live = [lot for lot in live if not lot.expired_at(at)]
    spendable = sorted((lot for lot in live if lot.spendable_at(at)), key=Lot.sort_key)
    pending = sorted((lot for lot in live if not lot.spendable_at(at)), key=Lot.sort_key)
    return spendable + pending


def open_lots_to_take(session: Session, account_id: int, kind: str, at: datetime) -> list[Lot]:
    return lots_to_take(load_books(session, [account_id])[account_id].lots, kind, at)


def apply_adjustment(
    session: Session, *, row: AdjustmentRow, account: AccountRow, program: ActiveProgram, now: datetime
) -> None:
    """Write the adjustment's entries (type ``adjust``, its reason, its event id) and mark it applied."""
    rules = program.rules
    books = Books(session)
    book = books.get(account.id)
    details: dict[str, object] = {}
    if row.points_minor > 0:
        made = accrual(rules, row.kind, row.points_minor, now, "adjustment", held_tier(rules, account))
        lot = Lot(
            account.id,
            row.kind,
            row.points_minor,
            row.points_minor,
            made.available_from,
            made.expires_at,
            row.event_id,
            None,
            program.version_id,
        )
        book.credit(lot, occurred_at=now, reason=row.reason, type=EntryType.ADJUST)
        details["available_from"] = made.available_from.isoformat()
        details["expires_at"] = made.expires_at.isoformat() if made.expires_at else None
        if rules.adjustments.net_debts and (account.debts or {}).get(row.kind):
            debts = dict(account.debts)
            owed = int(debts[row.kind])
            net_debt(book, debts, lot, event_id=row.event_id, at=now)
            account.debts = {k: v for k, v in debts.items() if v}
            details["debt_paid"] = rules.points(row.kind, owed - int(debts.get(row.kind, 0)))
        taken = [(lot, row.points_minor)]
    else:
        lots = lots_to_take(book.lots, row.kind, now)
        taken = book.debit_lots(
            lots, -row.points_minor, at=now, event_id=row.event_id, type=EntryType.ADJUST, reason=row.reason
        )
        taken = [(lot, -part) for lot, part in taken]
    persist(session, books.values(), recorded_at=now)
    row.status, row.applied_at = "applied", now
    lots_changed = [{"lot": lot.id, "points": rules.points(row.kind, part)} for lot, part in taken]
    summary = {
        "adjustment": row.id,
        "key": row.request_key,
        "kind": row.kind,
        "points": rules.points(row.kind, row.points_minor),
        "reason": row.reason,
        "event_id": row.event_id,
        "lots": lots_changed,
        **details,
    }
    session.add(
        EventRow(
            event_id=row.event_id,
            account_id=account.id,
            type="adjustment",
            occurred_at=now,
            recorded_at=now,
            request_hash=row.request_hash,
            result=summary,
        )
    )
    actor = session.get(StaffRow, row.decided_by_id or row.requested_by_id)
    assert actor is not None
    record(session, at=now, actor=actor.code, action="adjustment.applied", account=account, details=summary)


__all__ = ["apply_adjustment", "lots_to_take", "open_lots_to_take"]
