"""Load an account's open lots into ``Book``s and persist what the books wrote, in bulk."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from loyalka.ledger.book import Book, Lot
from loyalka.storage.bulk import insert_returning_ids, insert_rows
from loyalka.storage.queries import among
from loyalka.storage.tables import EntryRow, LotRow

_LOT_COLUMNS = (
    LotRow.account_id,
    LotRow.kind,
    LotRow.earned_minor,
    LotRow.remaining_minor,
    LotRow.available_from,
    LotRow.expires_at,
    LotRow.event_id,
    LotRow.rule_id,
    LotRow.program_version_id,
    LotRow.id,
    LotRow.closed,
)


def _lot(row: Any) -> Lot:
    return Lot(*row)


def load_books(session: Session, account_ids: Iterable[int]) -> dict[int, Book]:
    """Books with every open (not expired, not forfeited) lot of each account."""
    ids = sorted(set(account_ids))
    books = {account_id: Book(account_id, []) for account_id in ids}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        rows = session.execute(
            select(*_LOT_COLUMNS)
            .where(among(session, LotRow.account_id, chunk), LotRow.closed.is_(False))
            .order_by(LotRow.id)
        )
        for row in rows:
            books[row.account_id].lots.append(_lot(row))
    return books


def load_lots(session: Session, lot_ids: Iterable[int]) -> dict[int, Lot]:
    ids = sorted(set(lot_ids))
    if not ids:
        return {}
    return {row.id: _lot(row) for row in session.execute(select(*_LOT_COLUMNS).where(LotRow.id.in_(ids)))}


def persist(
    session: Session,
    books: Iterable[Book],
    *,
    recorded_at: datetime,
    before_entries: Callable[[], None] | None = None,
) -> int:
    """Write the new lots, the changed lots and the new entries of ``books``; returns the number of entries.

    ``before_entries`` runs once the new lots have ids and before any entry is written (holds use it)."""
    books = list(books)
    new_lots = [lot for book in books for lot in book.new_lots]
    if new_lots:
        ids = insert_returning_ids(
            session,
            LotRow.__table__,
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
        )
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
    if before_entries is not None:
        before_entries()
    entries = [entry for book in books for entry in book.entries]
    if entries:
        insert_rows(
            session,
            EntryRow.__table__,
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


class Books:
    """The books one unit of work writes to. ``get`` gives a book with the account's open lots (loading, in
    bulk with ``load``, those not loaded yet); ``for_credit`` gives a book that may lack them, enough to add a
    lot; a book first made for credit is completed from the database when ``get`` asks for it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.books: dict[int, Book] = {}
        self.loaded: set[int] = set()
        # set by a return or a correction: its reductions recover what the client spent only once all of
        # them have cut their own lots (services.settlement.Recovery)
        self.recovery: Any = None

    def load(self, account_ids: Iterable[int]) -> None:
        wanted = [i for i in set(account_ids) if i not in self.loaded]
        if not wanted:
            return
        for account_id, book in load_books(self.session, wanted).items():
            known = self.books.get(account_id)
            if known is not None:
                known.lots[:0] = book.lots  # the lots added in this unit of work stay after the stored ones
            else:
                self.books[account_id] = book
        self.loaded.update(wanted)

    def get(self, account_id: int) -> Book:
        self.load([account_id])
        return self.books[account_id]

    def for_credit(self, account_id: int) -> Book:
        return self.books.get(account_id) or self.books.setdefault(account_id, Book(account_id, []))

    def values(self) -> list[Book]:
        return list(self.books.values())
