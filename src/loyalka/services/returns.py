"""Returns: the returned part of an order stops earning, before or after the close (see ``settlement.py``).

A return names the lines that come back (by sku and amount) or gives an amount, which is spread over what
is left of every line in proportion. What the order earns is recomputed on its net lines and the
difference is taken back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalka.domain.events import WHOLE_ORDER, ReturnIn, request_hash
from loyalka.domain.money import format_minor
from loyalka.engine.orders import return_by_line, stored_lines
from loyalka.errors import NotFound
from loyalka.services.accounts import lock_accounts
from loyalka.services.b2b import after_return
from loyalka.services.events import Outcome, refuse_future, replays_of
from loyalka.services.programs import active_program, version_rules
from loyalka.services.settlement import Recovery, order_targets, settle
from loyalka.storage.ledger_store import Books, persist
from loyalka.storage.tables import EventRow, OrderRow


def post_return(session: Session, ret: ReturnIn, *, now: datetime) -> Outcome:
    replays, fresh = replays_of(session, [ret])
    if not fresh:
        return replays[ret.event_id]
    refuse_future(ret.occurred_at, now, f"the return {ret.event_id}")
    order = session.scalar(select(OrderRow).where(OrderRow.order_ref == ret.order_ref))
    if order is None:
        raise NotFound(f"no order {ret.order_ref!r} to return", code="order_not_found", field="order_id")
    account = lock_accounts(session, [order.account_id])[order.account_id]
    replays, fresh = replays_of(session, [ret])  # a twin request may have recorded it while we waited
    if not fresh:
        return replays[ret.event_id]
    session.refresh(order)
    lines = stored_lines(order.lines or [], order.total_minor)
    returned = {sku: int(v) for sku, v in (order.returned_lines or {}).items()}
    if not order.lines and order.returned_minor and not returned:
        returned = {WHOLE_ORDER: order.returned_minor}  # an order stored before lines: its returns so far
    taken = return_by_line(lines, returned, ret.amount_minor, ret.lines)
    for sku, value in taken.items():
        returned[sku] = returned.get(sku, 0) + value
    rules = (
        version_rules(session, order.program_version_id)
        if order.program_version_id
        else active_program(session, account.program_id).rules
    )
    targets, awaiting = order_targets(rules, account, order, lines, returned)
    books = Books(session)
    books.recovery = Recovery()
    changes = settle(
        session,
        book=books.get(account.id),
        account=account,
        order=order,
        rules=rules,
        targets=targets,
        event_id=ret.event_id,
        at=ret.occurred_at,
        reason=f"return of {format_minor(ret.amount_minor)} from order {order.order_ref}",
        version_id=order.program_version_id,
        recovery=books.recovery,
    )
    order.returned_minor += ret.amount_minor
    order.returned_lines = returned
    order.awaiting = awaiting
    changes += after_return(session, books, account, order, event_id=ret.event_id, at=ret.occurred_at, now=now)
    books.recovery.collect(books.get)
    persist(session, books.values(), recorded_at=now)
    from loyalka.services.pipeline import order_changed

    features = order_changed(session, account, order, ret.event_id, ret.occurred_at)
    result = {
        "type": "return",
        "order_id": order.order_ref,
        "account": account.code,
        "returned": format_minor(ret.amount_minor),
        "lines": {sku: format_minor(value) for sku, value in sorted(taken.items())},
        "taken_back": [change.as_result(taken_back=True) for change in changes if change.points_minor <= 0],
        "added": [change.as_result() for change in changes if change.points_minor > 0],
        **features,
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
