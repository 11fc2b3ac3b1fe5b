"""Orders and returns: idempotent by event id, processed in batches so a replay of years stays fast.

A batch is one unit of work: every order in it is recorded whole or none is. The same code serves a
single API call (a batch of one), a CSV import and the demo's replay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalka.domain.events import OrderIn, ReturnIn, request_hash
from loyalka.domain.money import format_minor
from loyalka.engine.earning import Accrual, earn_for_order
from loyalka.engine.redemption import quote as quote_limit
from loyalka.engine.views import AccountView, OrderView
from loyalka.errors import Conflict, InvalidInput, NotFound, RuleViolation
from loyalka.ledger.book import Book, Lot
from loyalka.services.accounts import lock_accounts
from loyalka.services.programs import ActiveProgram, active_program
from loyalka.services.redemption import (
    PlacedHold,
    capture_hold,
    place_hold,
    quote_book,
    settle_holds,
    sweep_expired_holds,
)
from loyalka.storage.bulk import insert_rows
from loyalka.storage.ledger_store import load_books
from loyalka.storage.tables import AccountRow, ContactRow, EventRow, HoldRow, OrderRow

CLOCK_SKEW = timedelta(minutes=5)  # how far ahead of our clock a sender's clock may run


@dataclass(frozen=True, slots=True)
class Outcome:
    event_id: str
    replayed: bool  # True: this event id was seen before with the same request; nothing changed
    result: dict[str, Any]


def account_view(row: AccountRow) -> AccountView:
    return AccountView(row.id, row.status, row.region, row.industry, tuple(row.tags or ()), row.joined_at)


def replays_of(session: Session, events: Sequence[OrderIn | ReturnIn]) -> tuple[dict[str, Outcome], list[Any]]:
    """Split a batch into replays of known events and new ones; a known id with another request is a conflict."""
    ids = [e.event_id for e in events]
    known = {
        row.event_id: row
        for row in session.execute(
            select(EventRow.event_id, EventRow.request_hash, EventRow.result).where(EventRow.event_id.in_(ids))
        )
    }
    replays: dict[str, Outcome] = {}
    fresh: list[Any] = []
    seen: dict[str, str] = {}
    for event in events:
        digest = request_hash(event)
        row = known.get(event.event_id)
        previous = row.request_hash if row is not None else seen.get(event.event_id)
        if previous is not None:
            if previous != digest:
                raise Conflict(
                    f"event {event.event_id!r} was already recorded with different content",
                    code="idempotency_conflict",
                    field="event_id",
                )
            if row is not None:
                replays[event.event_id] = Outcome(event.event_id, True, row.result)
            continue
        seen[event.event_id] = digest
        fresh.append((event, digest))
    return replays, fresh


def refuse_future(occurred_at: datetime, now: datetime, what: str) -> None:
    if occurred_at > now + CLOCK_SKEW:
        raise InvalidInput(
            f"{what} is dated {occurred_at.isoformat()}, in the future", code="future_event", field="occurred_at"
        )


def post_orders(session: Session, orders: Sequence[OrderIn], *, now: datetime) -> list[Outcome]:
    for order in orders:
        refuse_future(order.occurred_at, now, f"order {order.order_ref}")
    replays, fresh = replays_of(session, orders)
    if not fresh:
        return [replays[o.event_id] for o in orders if o.event_id in replays]
    codes = sorted({o.account for o, _ in fresh})
    by_code = {
        row.code: row.id
        for row in session.execute(select(AccountRow.code, AccountRow.id).where(AccountRow.code.in_(codes)))
    }
    missing = [c for c in codes if c not in by_code]
    if missing:
        raise NotFound(f"no account with code {missing[0]!r}", code="account_not_found", field="account")
    accounts = lock_accounts(session, list(by_code.values()))
    refs = [o.order_ref for o, _ in fresh]
    taken = session.execute(select(OrderRow.order_ref, OrderRow.event_id).where(OrderRow.order_ref.in_(refs))).first()
    if taken is not None or len(set(refs)) != len(refs):
        ref = taken[0] if taken is not None else next(r for r in refs if refs.count(r) > 1)
        raise Conflict(f"order {ref!r} is recorded already", code="order_exists", field="order_id")
    contacts = _contacts(session, fresh, by_code)
    programs: dict[int, ActiveProgram] = {}
    spenders = {by_code[o.account] for o, _ in fresh if o.redeem_minor or o.hold_key or o.redeem_max}
    sweep_expired_holds(session, spenders, now)  # before the books are loaded: a sweep gives points back
    books = load_books(session, spenders)
    placed: list[PlacedHold] = []
    event_rows, order_rows, results = [], [], {}
    for order, digest in fresh:
        account = accounts[by_code[order.account]]
        program = programs.get(account.program_id) or programs.setdefault(
            account.program_id, active_program(session, account.program_id)
        )
        contact = contacts.get((account.id, order.contact)) if order.contact else None
        book = books.get(account.id) or books.setdefault(account.id, Book(account.id, []))
        paid = _pay_with_points(session, order, account, book, program, contact, now, placed)
        view = OrderView(
            order.event_id,
            order.order_ref,
            account.id,
            order.occurred_at,
            order.total_minor,
            paid,
            contact.id if contact else None,
        )
        accruals = earn_for_order(program.rules, account_view(account), view)
        earned = _credit(book, account, program, order.event_id, order.occurred_at, accruals)
        result = {
            "type": "order",
            "order_id": order.order_ref,
            "account": account.code,
            "paid_with_points": format_minor(paid),
            "earned": [
                {
                    "kind": a.kind,
                    "points": format_minor(a.amount_minor),
                    "rule": a.rule_id,
                    "available_from": a.available_from.isoformat(),
                    "expires_at": a.expires_at.isoformat() if a.expires_at else None,
                }
                for a in accruals
            ],
            "program_version": program.version,
        }
        results[order.event_id] = result
        event_rows.append(
            {
                "event_id": order.event_id,
                "account_id": account.id,
                "type": "order",
                "occurred_at": order.occurred_at,
                "recorded_at": now,
                "request_hash": digest,
                "result": result,
            }
        )
        order_rows.append(
            {
                "account_id": account.id,
                "order_ref": order.order_ref,
                "contact_id": view.contact_id,
                "event_id": order.event_id,
                "occurred_at": order.occurred_at,
                "total_minor": order.total_minor,
                "returned_minor": 0,
                "points_paid_minor": paid,
                "program_version_id": program.version_id,
                "earned": earned,
                "recovered": {},
            }
        )
    settle_holds(session, books.values(), placed, recorded_at=now)
    insert_rows(session, EventRow.__table__, event_rows)
    insert_rows(session, OrderRow.__table__, order_rows)
    return [replays.get(o.event_id) or Outcome(o.event_id, False, results[o.event_id]) for o in orders]


def _contacts(session: Session, fresh: list[Any], by_code: dict[str, int]) -> dict[tuple[int, str], ContactRow]:
    wanted = {(by_code[o.account], o.contact) for o, _ in fresh if o.contact}
    if not wanted:
        return {}
    rows = session.scalars(select(ContactRow).where(ContactRow.account_id.in_({a for a, _ in wanted})))
    found = {(row.account_id, row.code): row for row in rows}
    for key in wanted:
        if key not in found:
            raise NotFound(f"the account has no contact {key[1]!r}", code="contact_not_found", field="contact")
    return found


def _pay_with_points(
    session: Session,
    order: OrderIn,
    account: AccountRow,
    book: Book,
    program: ActiveProgram,
    contact: ContactRow | None,
    now: datetime,
    placed: list[PlacedHold],
) -> int:
    """Capture the order's hold, or redeem now (adding to ``placed``); returns the money paid with points."""
    if order.hold_key:
        hold = session.scalar(select(HoldRow).where(HoldRow.request_key == order.hold_key).with_for_update())
        if hold is None or hold.account_id != account.id:
            raise NotFound(
                f"no hold {order.hold_key!r} for account {account.code}", code="hold_not_found", field="hold_key"
            )
        cap = quote_limit(
            program.rules,
            order_total_minor=order.total_minor,
            spendable={k: 10**15 for k in program.rules.point_kinds},
            account_status="active",
            contact_allowance_minor=None,
        ).max_money_minor
        if hold.money_minor > cap:
            raise RuleViolation(
                f"the hold pays {format_minor(hold.money_minor)} but an order of {format_minor(order.total_minor)} "
                f"may be paid at most {format_minor(cap)} with points; release it and quote again",
                code="redemption_cap_exceeded",
                field="hold_key",
            )
        if hold.order_ref != order.order_ref:
            raise Conflict(
                f"hold {order.hold_key!r} was placed for order {hold.order_ref}, not {order.order_ref}",
                code="hold_order_mismatch",
                field="hold_key",
            )
        capture_hold(session, hold, at=now)
        return hold.money_minor
    if order.redeem_max:
        limit = quote_book(
            session,
            account,
            book,
            program.rules,
            order_total_minor=order.total_minor,
            contact=contact,
            at=order.occurred_at,
        )
        if limit.max_money_minor == 0:
            return 0
    if order.redeem_minor or order.redeem_max:
        new = place_hold(
            session,
            account=account,
            book=book,
            rules=program.rules,
            key=f"order:{order.event_id}",
            request_hash=request_hash(order),
            order_ref=order.order_ref,
            order_total_minor=order.total_minor,
            money_minor=order.redeem_minor or None,
            contact=contact,
            at=order.occurred_at,
        )
        new.values.update(status="captured", resolved_at=order.occurred_at)
        placed.append(new)
        return int(new.values["money_minor"])
    return 0


def _credit(
    book: Book, account: AccountRow, program: ActiveProgram, event_id: str, at: datetime, accruals: list[Accrual]
) -> dict[str, int]:
    """Turn accruals into lots; a debt left by an earlier return is netted against them."""
    earned: dict[str, int] = {}
    debts = dict(account.debts or {})
    for accrual in accruals:
        lot = Lot(
            account.id,
            accrual.kind,
            accrual.amount_minor,
            accrual.amount_minor,
            accrual.available_from,
            accrual.expires_at,
            event_id,
            accrual.rule_id,
            program.version_id,
        )
        book.credit(lot, occurred_at=at)
        earned[accrual.rule_id] = accrual.amount_minor
        owed = int(debts.get(accrual.kind, 0))
        if owed:
            netted = owed - book.claw_back(
                [lot],
                [],
                owed,
                at=at,
                event_id=event_id,
                corrects=event_id,
                reason="netted against the debt of an earlier return",
            )
            debts[accrual.kind] = owed - netted
    if debts != (account.debts or {}):
        account.debts = {k: v for k, v in debts.items() if v}
    return earned


__all__ = ["Outcome", "post_orders", "refuse_future", "replays_of"]
