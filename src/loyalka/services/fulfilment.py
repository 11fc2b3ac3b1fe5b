"""Orders to fulfil: a reward bought with points, or a stamp card's gift. Each is resolved at most once.

``new`` -> ``fulfilled`` (handed over), or ``new`` -> ``cancelled``: the points go back to the very lots they
came from (``Book.restore``: a lot that expired meanwhile is expired again), the item goes back to stock, a
gift's stamps go back to the card. Fulfilling a fulfilled order or cancelling a cancelled one changes nothing;
the other way round is a conflict.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalka.errors import Conflict, InvalidInput, NotFound
from loyalka.ledger.book import Book
from loyalka.program.types import Text
from loyalka.services.accounts import get_account, lock_accounts
from loyalka.services.programs import active_program
from loyalka.storage.ledger_store import load_lots, persist
from loyalka.storage.tables import AccountRow, ContactRow
from loyalka.storage.tables_catalog import RewardOrderRow, StampClaimRow

CATALOG = "catalog"
STAMP_CARD = "stamp_card"
STATUSES = ("new", "fulfilled", "cancelled")


def new_order(
    session: Session,
    *,
    account: AccountRow,
    source: str,
    item: str,
    type: str,
    name: Text,
    key: str,
    request_hash: str,
    at: datetime,
    contact_id: int | None = None,
    points: dict[str, int] | None = None,
) -> RewardOrderRow:
    row = RewardOrderRow(
        account_id=account.id,
        program_id=account.program_id,
        source=source,
        item=item,
        type=type,
        name_ru=name.ru,
        name_en=name.en,
        contact_id=contact_id,
        points=points or {},
        allocations=[],
        status="new",
        request_key=key,
        request_hash=request_hash,
        created_at=at,
        resolved_at=None,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:  # the same key for another account, at the same moment (each locked its own)
        raise Conflict(
            f"key {key!r} was used at the same moment by another request", code="idempotency_conflict", field="key"
        ) from exc
    return row


def utc_iso(at: datetime) -> str:
    """An instant as an answer shows it: in UTC, so a first answer and its replay read the same."""
    return at.astimezone(UTC).isoformat()


def reward_event_id(order: RewardOrderRow) -> str:
    """The event id of the ledger entries of a reward order: its debit and, when cancelled, its restoration."""
    return f"reward:{order.request_key}"


MAX_ID = 2**63 - 1  # the largest row id either database stores
MAX_NOTE = 300  # characters of a note (``reward_orders.note``, ``reward_stock_changes.note``)


def check_note(note: str | None) -> None:
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidInput(
            f"a note is at most {MAX_NOTE} characters, this one has {len(note)}", code="invalid_note", field="note"
        )


def find_order(session: Session, order_id: int, *, lock: bool = False) -> RewardOrderRow:
    if not 1 <= order_id <= MAX_ID:  # no such row; the database would refuse the number itself
        raise NotFound(f"no reward order {order_id}", code="reward_order_not_found", field="order")
    query = select(RewardOrderRow).where(RewardOrderRow.id == order_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.scalar(query)
    if row is None:
        raise NotFound(f"no reward order {order_id}", code="reward_order_not_found", field="order")
    return row


def _locked(session: Session, order_id: int) -> RewardOrderRow:
    """The order, locked after its account (every writer locks accounts first, so none deadlocks)."""
    lock_accounts(session, [find_order(session, order_id).account_id])
    return find_order(session, order_id, lock=True)


def fulfil_order(session: Session, order_id: int, *, at: datetime, note: str | None = None) -> RewardOrderRow:
    check_note(note)
    order = _locked(session, order_id)
    if order.status == "fulfilled":
        return order
    if order.status != "new":
        raise Conflict(
            f"reward order {order.id} is {order.status} and cannot be fulfilled",
            code="reward_order_resolved",
            field="order",
        )
    order.status, order.resolved_at, order.note = "fulfilled", at, note
    return order


def cancel_order(session: Session, order_id: int, *, at: datetime, reason: str | None = None) -> RewardOrderRow:
    """Cancel a new order: the points back to their lots, the item back to stock, a gift's stamps to the card."""
    check_note(reason)
    order = _locked(session, order_id)
    if order.status == "cancelled":
        return order
    if order.status != "new":
        raise Conflict(
            f"reward order {order.id} is {order.status} already and cannot be cancelled",
            code="reward_order_resolved",
            field="order",
        )
    if order.allocations:
        _restore_points(session, order, at)
    if order.source == CATALOG:
        from loyalka.services.rewards import return_to_stock

        return_to_stock(session, order, at=at)
    else:
        from loyalka.services.stamps import release_claim

        release_claim(session, order, at=at)
    order.status, order.resolved_at, order.note = "cancelled", at, reason
    return order


def _restore_points(session: Session, order: RewardOrderRow, at: datetime) -> None:
    lots = load_lots(session, [lot_id for lot_id, _ in order.allocations])
    book = Book(order.account_id, list(lots.values()))
    book.restore(
        [(lots[lot_id], part) for lot_id, part in order.allocations],
        at=at,
        event_id=reward_event_id(order),
        hold_id=None,
        reason=f"reward order {order.id} cancelled",
    )
    persist(session, [book], recorded_at=at)


def order_view(session: Session, order: RewardOrderRow) -> dict[str, Any]:
    rules = active_program(session, order.program_id).rules
    account = session.get_one(AccountRow, order.account_id)
    contact = session.get(ContactRow, order.contact_id) if order.contact_id else None
    claim = None
    if order.source == STAMP_CARD:
        claim = session.scalar(select(StampClaimRow).where(StampClaimRow.reward_order_id == order.id))
    return {
        "id": order.id,
        "account": account.code,
        "source": order.source,
        "item": order.item,
        "type": order.type,
        "name": order.name_ru,
        "name_en": order.name_en,
        "points": {kind: rules.points(kind, int(value)) for kind, value in order.points.items()},
        "column": claim.column_number if claim else None,
        "contact": contact.code if contact else None,
        "status": order.status,
        "key": order.request_key,
        "created_at": utc_iso(order.created_at),
        "resolved_at": utc_iso(order.resolved_at) if order.resolved_at else None,
        "note": order.note,
    }


def account_orders(session: Session, code: str, *, status: str | None = None) -> list[dict[str, Any]]:
    """The account's reward orders, newest first."""
    account = get_account(session, code)
    query = select(RewardOrderRow).where(RewardOrderRow.account_id == account.id)
    if status is not None and status not in STATUSES:
        raise InvalidInput(
            f"status must be one of {', '.join(STATUSES)}, got {status!r}", code="invalid_status", field="status"
        )
    if status is not None:
        query = query.where(RewardOrderRow.status == status)
    return [order_view(session, row) for row in session.scalars(query.order_by(RewardOrderRow.id.desc()))]
