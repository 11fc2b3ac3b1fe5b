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
from loyalka.engine.earning import Accrual, earn_for_order, earning_base, rule_amount
from loyalka.engine.redemption import quote as quote_limit
from loyalka.engine.views import AccountView, OrderView
from loyalka.errors import Conflict, InvalidInput, NotFound, RuleViolation
from loyalka.ledger.book import Book, Lot
from loyalka.services.accounts import lock_accounts
from loyalka.services.programs import ActiveProgram, active_program, version_rules
from loyalka.services.redemption import (
    PlacedHold,
    capture_hold,
    place_hold,
    quote_book,
    settle_holds,
    sweep_expired_holds,
)
from loyalka.storage.bulk import insert_rows
from loyalka.storage.ledger_store import load_books, persist
from loyalka.storage.tables import AccountRow, ContactRow, EventRow, HoldRow, OrderRow

CLOCK_SKEW = timedelta(minutes=5)  # how far ahead of our clock a sender's clock may run


@dataclass(frozen=True, slots=True)
class Outcome:
    event_id: str
    replayed: bool  # True: this event id was seen before with the same request; nothing changed
    result: dict[str, Any]


def account_view(row: AccountRow) -> AccountView:
    return AccountView(row.id, row.status, row.region, row.industry, tuple(row.tags or ()), row.joined_at)


def _replays(session: Session, events: Sequence[OrderIn | ReturnIn]) -> tuple[dict[str, Outcome], list[Any]]:
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


def post_orders(session: Session, orders: Sequence[OrderIn], *, now: datetime) -> list[Outcome]:
    for order in orders:
        if order.occurred_at > now + CLOCK_SKEW:
            raise InvalidInput(
                f"order {order.order_ref} is dated {order.occurred_at.isoformat()}, in the future",
                code="future_event",
                field="occurred_at",
            )
    replays, fresh = _replays(session, orders)
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


def post_return(session: Session, ret: ReturnIn, *, now: datetime) -> Outcome:
    """Take back what the returned part of an order earned; what was already spent becomes a debt."""
    replays, fresh = _replays(session, [ret])
    if not fresh:
        return replays[ret.event_id]
    order = session.scalar(select(OrderRow).where(OrderRow.order_ref == ret.order_ref))
    if order is None:
        raise NotFound(f"no order {ret.order_ref!r} to return", code="order_not_found", field="order_id")
    account = lock_accounts(session, [order.account_id])[order.account_id]
    session.refresh(order)
    left = order.total_minor - order.returned_minor
    if ret.amount_minor > left:
        raise InvalidInput(
            f"the return of {format_minor(ret.amount_minor)} exceeds what is left of order {order.order_ref} "
            f"({format_minor(left)})",
            code="return_exceeds_order",
            field="amount",
        )
    rules = version_rules(session, order.program_version_id) if order.program_version_id else None
    books = load_books(session, [account.id])
    book = books[account.id]
    origin = [lot for lot in book.lots if lot.event_id == order.event_id]
    returned = order.returned_minor + ret.amount_minor
    earned = dict(order.earned or {})
    taken_back, debts = [], dict(account.debts or {})
    for rule_id, before in earned.items():
        rule = next((r for r in rules.earning if r.id == rule_id), None) if rules else None
        if rule is None:
            continue
        base = earning_base(rules, order.total_minor - returned, order.points_paid_minor)
        after = (
            rule_amount(rule, rules.point_kinds[rule.kind], base)
            if order.total_minor - returned >= rule.min_order
            else 0
        )
        delta = before - after
        if delta <= 0:
            continue
        lots = [lot for lot in origin if lot.rule_id == rule_id]
        short = book.claw_back(
            lots,
            [rule.kind],
            delta,
            at=ret.occurred_at,
            event_id=ret.event_id,
            corrects=order.event_id,
            reason=f"return of {format_minor(ret.amount_minor)} from order {order.order_ref}",
        )
        if short:
            debts[rule.kind] = int(debts.get(rule.kind, 0)) + short
        earned[rule_id] = after
        taken_back.append(
            {"kind": rule.kind, "rule": rule_id, "points": format_minor(delta - short), "debt": format_minor(short)}
        )
    for entry in book.entries:
        entry.rule_id = entry.rule_id or next((r["rule"] for r in taken_back if r["kind"] == entry.kind), None)
    persist(session, books.values(), recorded_at=now)
    order.returned_minor = returned
    order.earned = earned
    account.debts = {k: v for k, v in debts.items() if v}
    result = {
        "type": "return",
        "order_id": order.order_ref,
        "account": account.code,
        "returned": format_minor(ret.amount_minor),
        "taken_back": taken_back,
    }
    session.add(
        EventRow(
            event_id=ret.event_id,
            account_id=account.id,
            type="return",
            occurred_at=ret.occurred_at,
            recorded_at=now,
            request_hash=request_hash(ret),
            result=result,
        )
    )
    return Outcome(ret.event_id, False, result)


__all__ = ["Outcome", "post_orders", "post_return"]
