"""Corrected documents: the ERP re-sends an order with the same id and a higher version (changed lines or
sums). What the order earns is recomputed on the new lines and only the difference is posted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from loyalka.domain.events import OrderIn
from loyalka.domain.money import format_minor
from loyalka.engine.orders import line_to_dict
from loyalka.engine.redemption import cap_of
from loyalka.errors import InvalidInput, RuleViolation
from loyalka.services.b2b import after_correction
from loyalka.services.programs import ActiveProgram, version_rules
from loyalka.services.settlement import Recovery, order_targets, paid_by_kind, settle
from loyalka.storage.ledger_store import Books
from loyalka.storage.tables import AccountRow, OrderRow


def correct_order(
    session: Session,
    books: Books,
    account: AccountRow,
    row: OrderRow,
    order: OrderIn,
    program: ActiveProgram,
    *,
    now: datetime,
) -> dict[str, Any]:
    from loyalka.services.events import content_hash

    rules = version_rules(session, row.program_version_id) if row.program_version_id else program.rules
    lines = order.effective_lines()
    returned = {sku: int(v) for sku, v in (row.returned_lines or {}).items()}
    amounts = {line.sku: line.amount_minor for line in lines}
    for sku, back in returned.items():
        if back > amounts.get(sku, 0):
            raise InvalidInput(
                f"version {order.version} of order {row.order_ref} gives line {sku!r} "
                f"{format_minor(amounts.get(sku, 0))}, less than the {format_minor(back)} already returned of it",
                code="correction_below_returned",
                field="lines",
            )
    paid = paid_by_kind(row)
    cap = cap_of(rules, lines, None if "" in paid else list(paid))
    if row.points_paid_minor > cap:
        raise RuleViolation(
            f"points paid {format_minor(row.points_paid_minor)} of order {row.order_ref}; version {order.version} "
            f"allows at most {format_minor(cap)} to be paid with those points",
            code="correction_below_points_paid",
            field="lines",
        )
    before_total, before_version = row.total_minor, row.version
    targets, awaiting = order_targets(rules, account, row, lines, returned)
    books.recovery = Recovery()
    changes = settle(
        session,
        book=books.get(account.id),
        account=account,
        order=row,
        rules=rules,
        targets=targets,
        event_id=order.event_id,
        at=now,
        reason=f"order {row.order_ref} corrected to version {order.version}",
        version_id=row.program_version_id,
        recovery=books.recovery,
    )
    row.lines = [line_to_dict(line) for line in order.lines]
    row.total_minor = order.total_minor
    row.version = order.version
    row.content_hash = content_hash(order)
    row.awaiting = awaiting
    row.delivery_on = order.delivery_on
    invoice_before, row.invoice_ref = row.invoice_ref, order.invoice_ref or row.invoice_ref
    changes += after_correction(session, books, account, row, order, invoice_before=invoice_before, now=now)
    books.recovery.collect(books.get)
    books.recovery = None
    from loyalka.services.pipeline import order_changed

    features = order_changed(session, account, row, order.event_id, now)
    return {
        "type": "order",
        "order_id": row.order_ref,
        "account": account.code,
        "version": order.version,
        "corrected_from": before_version,
        "total_before": format_minor(before_total),
        "paid_with_points": format_minor(sum(paid.values())),
        "earned": [],
        "changes": [change.as_result() for change in changes],
        "program_version": program.version,
        "tier": (row.context or {}).get("tier"),
        "notes": [],
        **features,
    }
