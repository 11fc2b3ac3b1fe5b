"""Load an account's open lots into ``Book``s and persist what the books wrote, in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from loyalka.ledger.book import Book, Lot
from loyalka.storage.tables import EntryRow, LotRow


def lot_from_row(row: LotRow) -> Lot:
    return Lot(
        account_id=row.account_id,
        kind=row.kind,
        earned_minor=row.earned_minor,
        remaining_minor=row.remaining_minor,
        available_from=row.available_from,
        expires_at=row.expires_at,
        event_id=row.event_id,
        rule_id=row.rule_id,
        program_version=row.program_version_id,
        id=row.id,
        closed=row.closed,
    )


def load_books(session: Session, account_ids: Iterable[int]) -> dict[int, Book]:
    """Books with every open (not expired, not forfeited) lot of each account."""
    ids = sorted(set(account_ids))
    books = {account_id: Book(account_id, []) for account_id in ids}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        rows = session.scalars(
            select(LotRow).where(LotRow.account_id.in_(chunk), LotRow.closed.is_(False)).order_by(LotRow.id)
        )
        for row in rows:
            books[row.account_id].lots.append(lot_from_row(row))
    return books


def load_lots(session: Session, lot_ids: Iterable[int]) -> dict[int, Lot]:
    ids = sorted(set(lot_ids))
    return (
        {row.id: lot_from_row(row) for row in session.scalars(select(LotRow).where(LotRow.id.in_(ids)))} if ids else {}
    )


def persist(session: Session, books: Iterable[Book], *, recorded_at: datetime) -> int:
    """Write the new lots, the changed lots and the new entries of ``books``; returns the number of entries."""
    books = list(books)
    new_lots = [lot for book in books for lot in book.new_lots]
    if new_lots:
        ids = session.scalars(
            insert(LotRow.__table__).returning(LotRow.__table__.c.id, sort_by_parameter_order=True),
            [
                {
                    "account_id": lot.account_id,
                    "kind": lot.kind,
                    "earned_minor": lot.earned_minor,
                    "remaining_minor": lot.remaining_minor,
                    "available_from": lot.available_from,
                    "expires_at": lot.expires_at,
                    "event_id": lot.event_id,
                    "rule_id": lot.rule_id,
                    "program_version_id": lot.program_version,
                    "closed": lot.closed,
                }
                for lot in new_lots
            ],
        ).all()
        for lot, lot_id in zip(new_lots, ids, strict=True):
            lot.id = lot_id
    fresh = {id(lot) for lot in new_lots}
    changed = [lot for book in books for key, lot in book.changed.items() if key not in fresh]
    if changed:
        lots = LotRow.__table__
        session.execute(
            update(lots)
            .where(lots.c.id == bindparam("lot_id"))
            .values(remaining_minor=bindparam("remaining"), closed=bindparam("is_closed")),
            [{"lot_id": lot.id, "remaining": lot.remaining_minor, "is_closed": lot.closed} for lot in changed],
        )
    entries = [entry for book in books for entry in book.entries]
    if entries:
        session.execute(
            insert(EntryRow.__table__),
            [
                {
                    "account_id": e.account_id,
                    "kind": e.kind,
                    "amount_minor": e.amount_minor,
                    "type": e.type.value,
                    "event_id": e.event_id,
                    "lot_id": e.lot.id,
                    "hold_id": e.hold_id,
                    "occurred_at": e.occurred_at,
                    "recorded_at": recorded_at,
                    "rule_id": e.rule_id,
                    "program_version_id": e.program_version,
                    "reason": e.reason,
                    "corrects_event_id": e.corrects,
                }
                for e in entries
            ],
        )
    for book in books:
        book.new_lots.clear()
        book.entries.clear()
        book.changed.clear()
    return len(entries)
