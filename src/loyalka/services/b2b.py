"""What B2B terms add to the core's commands: after a return or a corrected document, the invoice's paid share
and the volume bonuses of closed periods are settled again; the account card shows invoices and arrears."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from loyalka.domain.events import OrderIn
from loyalka.domain.money import format_minor
from loyalka.program.models import Program
from loyalka.services.invoices import (
    default_due,
    invoice_state,
    local_date,
    new_invoice,
    refresh,
    refuse_other_account,
    refuse_other_due_date,
    release_invoice,
    spending_block,
    unpaid_invoices,
)
from loyalka.services.programs import version_rules
from loyalka.services.settlement import Change
from loyalka.services.volume import recompute_after_change
from loyalka.storage.ledger_store import Books
from loyalka.storage.tables import AccountRow, OrderRow
from loyalka.storage.tables_b2b import InvoiceRow


def after_return(
    session: Session, books: Books, account: AccountRow, order: OrderRow, *, event_id: str, at: datetime, now: datetime
) -> list[Change]:
    """A return of ``order`` (already applied to it): a credit note on its invoice, and volume bonuses."""
    return _resettle(session, books, account, order, [order.invoice_ref], event_id=event_id, at=at, now=now)


def after_correction(
    session: Session,
    books: Books,
    account: AccountRow,
    row: OrderRow,
    corrected: OrderIn,
    *,
    invoice_before: str | None,
    now: datetime,
) -> list[Change]:
    """A corrected document (already applied to ``row``): the invoice it names, its sums, volume bonuses."""
    if corrected.invoice_ref is not None:
        _attach(session, account, row, corrected, now)
    refs = [invoice_before, row.invoice_ref]
    return _resettle(session, books, account, row, refs, event_id=corrected.event_id, at=now, now=now)


def _attach(session: Session, account: AccountRow, row: OrderRow, corrected: OrderIn, now: datetime) -> None:
    ref = corrected.invoice_ref
    assert ref is not None
    invoice = session.scalar(select(InvoiceRow).where(InvoiceRow.invoice_ref == ref))
    if invoice is None:
        from loyalka.services.programs import active_program

        rules = active_program(session, account.program_id).rules
        issued = local_date(row.occurred_at, rules)
        due = corrected.due_on or default_due(rules, account.tier, issued)
        session.add(new_invoice(account, ref, issued, due, corrected.due_on is not None, now))
        session.flush()
        return
    refuse_other_account(ref, invoice.account_id, account)
    refuse_other_due_date(ref, invoice.due_on, invoice.due_given, corrected.due_on, row.order_ref)
    if corrected.due_on is not None:
        invoice.due_on, invoice.due_given = corrected.due_on, True


def _resettle(
    session: Session,
    books: Books,
    account: AccountRow,
    order: OrderRow,
    refs: Iterable[str | None],
    *,
    event_id: str,
    at: datetime,
    now: datetime,
) -> list[Change]:
    changes: list[Change] = []
    for ref in sorted({r for r in refs if r}):
        invoice = session.scalar(select(InvoiceRow).where(InvoiceRow.invoice_ref == ref))
        if invoice is None:
            continue
        state = refresh(session, invoice, now)
        reason = f"invoice {ref} now owes {format_minor(state.owed_minor)}, paid {format_minor(state.paid_minor)}"
        changes += release_invoice(session, books, account, invoice, event_id=event_id, at=at, reason=reason)
    return changes + recompute_after_change(session, books, account, order, cause=event_id, at=at, now=now)


def invoices_section(session: Session, account: AccountRow, rules: Program, now: datetime) -> dict[str, Any]:
    """ACCOUNT_SECTIONS: open invoices, whether arrears stop spending, and points waiting for payment."""
    unpaid = unpaid_invoices(session, account.id)
    states = [(row, invoice_state(session, row)) for row in unpaid]
    return {
        "invoices": {
            "open": [
                {
                    "invoice_id": row.invoice_ref,
                    "due_on": row.due_on.isoformat(),
                    "owed": format_minor(state.owed_minor),
                    "paid": format_minor(state.paid_minor),
                    "left_to_pay": format_minor(state.left_minor),
                }
                for row, state in states
                if state.left_minor
            ],
            "spending_blocked": spending_block(session, account, rules, now),
            "awaiting_payment": _awaiting(session, account, rules, [row.invoice_ref for row in unpaid]),
        }
    }


def _awaiting(session: Session, account: AccountRow, rules: Program, refs: list[str]) -> dict[str, str]:
    """Points of ``on_payment`` rules not released yet, by kind (orders of unpaid invoices or of none)."""
    if not any(rule.on_payment for rule in rules.earning):
        return {}
    orders = session.execute(
        select(OrderRow.awaiting, OrderRow.earned, OrderRow.program_version_id).where(
            OrderRow.account_id == account.id, or_(OrderRow.invoice_ref.is_(None), OrderRow.invoice_ref.in_(refs))
        )
    )
    totals: dict[str, int] = {}
    for awaiting, earned, version_id in orders:
        if not awaiting:
            continue
        kinds = {r.id: r.kind for r in (version_rules(session, version_id) if version_id else rules).earning}
        for rule_id, full in awaiting.items():
            kind = kinds.get(rule_id)
            if kind is not None:
                totals[kind] = totals.get(kind, 0) + max(int(full) - int((earned or {}).get(rule_id, 0)), 0)
    return {kind: rules.points(kind, minor) for kind, minor in totals.items() if minor}


__all__ = ["after_correction", "after_return", "invoices_section"]
