"""Returns: the returned part of an order stops earning; the client keeps no benefit from it.

For each rule that earned on the order, what it earns on the net amount is recomputed. The client may
keep, from the order's own lot, at most that much: the lot's unspent remainder is cut down first. If the
client had already *spent* more of the lot than the net amount earns, the excess is taken from other
open points of the kind (expiring first), and what cannot be taken becomes a debt netted against later
earnings. Points of the lot that expired or were forfeited unspent gave the client nothing and are not
recovered from anywhere else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalka.domain.events import ReturnIn, request_hash
from loyalka.domain.money import format_minor
from loyalka.engine.earning import earning_base, rule_amount
from loyalka.errors import InvalidInput, NotFound
from loyalka.ledger.book import Book, Lot
from loyalka.services.accounts import lock_accounts
from loyalka.services.events import Outcome, refuse_future, replays_of
from loyalka.services.programs import version_rules
from loyalka.storage.ledger_store import load_books, load_lots, persist
from loyalka.storage.tables import EntryRow, EventRow, LotRow, OrderRow


def post_return(session: Session, ret: ReturnIn, *, now: datetime) -> Outcome:
    replays, fresh = replays_of(session, [ret])
    if not fresh:
        return replays[ret.event_id]
    refuse_future(ret.occurred_at, now, f"the return {ret.event_id}")
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
    returned = order.returned_minor + ret.amount_minor
    books = load_books(session, [account.id])
    book = books[account.id]
    origin = _origin_lots(session, book, order.event_id)
    spent = _spent_by_lot(session, [lot.id for lot in origin if lot.id is not None])
    rules = version_rules(session, order.program_version_id) if order.program_version_id else None
    earned, recovered = dict(order.earned or {}), dict(order.recovered or {})
    debts = dict(account.debts or {})
    taken_back: list[dict[str, Any]] = []
    reason = f"return of {format_minor(ret.amount_minor)} from order {order.order_ref}"
    for rule_id, before in earned.items():
        rule = next((r for r in rules.earning if r.id == rule_id), None) if rules else None
        if rule is None or rules is None:
            continue
        net = order.total_minor - returned
        base = earning_base(rules, net, order.points_paid_minor)
        after = rule_amount(rule, rules.point_kinds[rule.kind], base) if net >= rule.min_order else 0
        if after >= before:
            continue
        lots = [lot for lot in origin if lot.rule_id == rule_id]
        used = sum(spent.get(lot.id or 0, 0) for lot in lots)
        keep_unspent = max(after - used, 0)
        cut = sum(max(lot.remaining_minor - keep_unspent, 0) for lot in lots if not lot.closed)
        kwargs = {"at": ret.occurred_at, "event_id": ret.event_id, "corrects": order.event_id, "reason": reason}
        if cut:
            book.claw_back(lots, [], cut, rule_id=rule_id, **kwargs)  # type: ignore[arg-type]
        excess = max(used - after, 0) - int(recovered.get(rule_id, 0))
        short = book.claw_back([], [rule.kind], excess, rule_id=rule_id, **kwargs) if excess > 0 else 0  # type: ignore[arg-type]
        if excess > 0:
            recovered[rule_id] = int(recovered.get(rule_id, 0)) + excess
        if short:
            debts[rule.kind] = int(debts.get(rule.kind, 0)) + short
        earned[rule_id] = after
        taken_back.append(
            {
                "kind": rule.kind,
                "rule": rule_id,
                "points": format_minor(cut + max(excess, 0) - short),
                "debt": format_minor(short),
            }
        )
    persist(session, books.values(), recorded_at=now)
    order.returned_minor, order.earned, order.recovered = returned, earned, recovered
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


def _origin_lots(session: Session, book: Book, event_id: str) -> list[Lot]:
    """The lots the order created, open ones from the book (so changes persist) and closed ones as read."""
    open_lots = [lot for lot in book.lots if lot.event_id == event_id]
    have = {lot.id for lot in open_lots}
    ids = [i for i in session.scalars(select(LotRow.id).where(LotRow.event_id == event_id)) if i not in have]
    return open_lots + list(load_lots(session, ids).values())


def _spent_by_lot(session: Session, lot_ids: list[int]) -> dict[int, int]:
    """Points each lot gave to payments (holds less releases; a pending hold counts as spent)."""
    if not lot_ids:
        return {}
    rows = session.execute(
        select(EntryRow.lot_id, func.sum(EntryRow.amount_minor))
        .where(EntryRow.lot_id.in_(lot_ids), EntryRow.type.in_(("hold", "release")))
        .group_by(EntryRow.lot_id)
    )
    return {lot_id: -int(total) for lot_id, total in rows}
