"""Invoices: what they bill, what is paid, and the points that wait for their payment.

An invoice belongs to one account. It bills the orders that name it (or the amount stated for it with
``upsert_invoice``); a return of one of its orders is a credit note that reduces what is owed. The points of
``on_payment`` rules of its orders are released pro rata: at a paid share *s* an order may hold
``floor(target x s)`` of each such rule's current target, and ``release_invoice`` brings every order of the
invoice to that (crediting, or taking back after a return or a correction) whenever the share can change.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalka.domain.b2b import InvoiceIn
from loyalka.domain.events import WHOLE_ORDER, OrderLine
from loyalka.domain.money import format_minor
from loyalka.engine.b2b import InvoiceState, first_overdue, overdue_since, released
from loyalka.engine.earning import accrual
from loyalka.engine.orders import stored_lines
from loyalka.errors import Conflict, NotFound, RuleViolation
from loyalka.program.models import Program
from loyalka.services.accounts import get_account
from loyalka.services.programs import active_program, version_rules
from loyalka.services.settlement import Change, order_targets, settle
from loyalka.services.tiers import held_tier
from loyalka.storage.ledger_store import Books, persist
from loyalka.storage.tables import AccountRow, OrderRow
from loyalka.storage.tables_b2b import InvoiceRow, PaymentRow


def local_date(at: datetime, rules: Program) -> date:
    return at.astimezone(ZoneInfo(rules.program.timezone)).date()


def default_due(rules: Program, tier: str | None, issued_on: date) -> date:
    """An invoice whose orders give no due date: the tier's payment terms, else the program's default days."""
    level = rules.tiers.level(tier) if rules.tiers is not None and tier else None
    terms = level.benefits.payment_terms_days if level is not None else None
    return issued_on + timedelta(days=terms if terms is not None else rules.invoices.default_due_days)


def find_invoice(session: Session, ref: str) -> InvoiceRow:
    row = session.scalar(select(InvoiceRow).where(InvoiceRow.invoice_ref == ref))
    if row is None:
        raise NotFound(f"no invoice {ref!r}", code="invoice_not_found", field="invoice_id")
    return row


def invoice_state(session: Session, invoice: InvoiceRow) -> InvoiceState:
    total, returned = session.execute(
        select(
            func.coalesce(func.sum(OrderRow.total_minor), 0), func.coalesce(func.sum(OrderRow.returned_minor), 0)
        ).where(OrderRow.invoice_ref == invoice.invoice_ref)
    ).one()
    billed = invoice.amount_minor if invoice.amount_minor is not None else int(total)
    return InvoiceState(invoice.invoice_ref, invoice.due_on, billed, int(returned), invoice.paid_minor)


def refresh(session: Session, invoice: InvoiceRow, now: datetime) -> InvoiceState:
    """Recompute the invoice's status from its orders and payments."""
    state = invoice_state(session, invoice)
    invoice.status = state.status
    invoice.updated_at = now
    return state


def new_invoice(account: AccountRow, ref: str, issued_on: date, due_on: date, given: bool, now: datetime) -> InvoiceRow:
    return InvoiceRow(
        account_id=account.id,
        invoice_ref=ref,
        amount_minor=None,
        issued_on=issued_on,
        due_on=due_on,
        due_given=given,
        paid_minor=0,
        status="open",
        last_paid_at=None,
        created_at=now,
        updated_at=now,
    )


def refuse_other_account(ref: str, owner_id: int | None, account: AccountRow) -> None:
    if owner_id is not None and owner_id != account.id:
        raise Conflict(
            f"invoice {ref!r} bills another account, not {account.code}",
            code="invoice_account_mismatch",
            field="invoice_id",
        )


def refuse_other_due_date(ref: str, due_on: date, given: bool, wanted: date | None, order_ref: str) -> None:
    if wanted is not None and given and wanted != due_on:
        raise Conflict(
            f"invoice {ref!r} is due {due_on.isoformat()}, but order {order_ref} gives {wanted.isoformat()}; "
            "send the invoice's own due date, or change it first with POST /v1/invoices",
            code="due_date_conflict",
            field="due_on",
        )


def order_lines_now(order: OrderRow) -> tuple[tuple[OrderLine, ...], dict[str, int]]:
    """The order's lines and what was returned of each (an order stored before lines: its returns so far)."""
    lines = stored_lines(order.lines or [], order.total_minor)
    returned = {sku: int(v) for sku, v in (order.returned_lines or {}).items()}
    if not order.lines and order.returned_minor and not returned:
        returned = {WHOLE_ORDER: order.returned_minor}
    return lines, returned


def release_invoice(
    session: Session,
    books: Books,
    account: AccountRow,
    invoice: InvoiceRow,
    *,
    event_id: str,
    at: datetime,
    reason: str,
) -> list[Change]:
    """Bring the ``on_payment`` points of every order of the invoice to its paid share (new lots date from
    ``at``: they activate and expire counting from the payment). A non-member receives nothing more, but a
    return or a correction still takes back what its orders no longer earn."""
    state = invoice_state(session, invoice)
    changes: list[Change] = []
    orders = session.scalars(select(OrderRow).where(OrderRow.invoice_ref == invoice.invoice_ref).order_by(OrderRow.id))
    for order in orders:
        rules = version_rules(session, order.program_version_id) if order.program_version_id else None
        rules = rules or active_program(session, account.program_id).rules
        if not any(rule.on_payment for rule in rules.earning):
            continue
        lines, returned = order_lines_now(order)
        _, awaiting = order_targets(rules, account, order, lines, returned)
        kinds = {rule.id: rule.kind for rule in rules.earning}
        tier = (order.context or {}).get("tier")
        allowed = released(awaiting, state.share)
        if account.status != "active":
            held = order.earned or {}
            allowed = {rule_id: min(amount, int(held.get(rule_id, 0))) for rule_id, amount in allowed.items()}
        targets = [
            accrual(rules, kinds[rule_id], amount, at, rule_id, tier) for rule_id, amount in allowed.items() if amount
        ]
        changes += settle(
            session,
            book=books.get(account.id),
            account=account,
            order=order,
            rules=rules,
            targets=targets,
            event_id=event_id,
            at=at,
            reason=reason,
            version_id=order.program_version_id,
            on_payment=True,
            recovery=books.recovery,
        )
        order.awaiting = awaiting
    return changes


def upsert_invoice(session: Session, data: InvoiceIn, *, now: datetime) -> InvoiceRow:
    """Create an invoice, or change the amount or the due date of one (what is released follows)."""
    account = get_account(session, data.account, lock=True)
    rules = active_program(session, account.program_id).rules
    invoice = session.scalar(select(InvoiceRow).where(InvoiceRow.invoice_ref == data.invoice_ref))
    refuse_other_account(data.invoice_ref, invoice.account_id if invoice else None, account)
    if invoice is None:
        issued = data.issued_on or local_date(now, rules)
        due = data.due_on or default_due(rules, held_tier(rules, account), issued)
        invoice = new_invoice(account, data.invoice_ref, issued, due, data.due_on is not None, now)
        session.add(invoice)
    else:
        if data.issued_on is not None:
            invoice.issued_on = data.issued_on
            if not invoice.due_given:
                invoice.due_on = default_due(rules, held_tier(rules, account), data.issued_on)
        if data.due_on is not None:
            invoice.due_on, invoice.due_given = data.due_on, True
    if invoice.due_on < invoice.issued_on:
        raise RuleViolation(
            f"invoice {data.invoice_ref} would be due {invoice.due_on} before it is issued ({invoice.issued_on})",
            code="invalid_due_date",
            field="due_on",
        )
    if data.amount_minor is not None:
        if data.amount_minor < invoice.paid_minor:
            raise RuleViolation(
                f"invoice {data.invoice_ref} has {format_minor(invoice.paid_minor)} paid already; its amount cannot "
                f"be {format_minor(data.amount_minor)}",
                code="amount_below_paid",
                field="amount",
            )
        invoice.amount_minor = data.amount_minor
    session.flush()
    refresh(session, invoice, now)
    if invoice.paid_minor:
        books = Books(session)
        release_invoice(
            session,
            books,
            account,
            invoice,
            event_id=f"invoice:{invoice.invoice_ref}",
            at=now,
            reason="invoice changed",
        )
        persist(session, books.values(), recorded_at=now)
    return invoice


def unpaid_invoices(session: Session, account_id: int) -> list[InvoiceRow]:
    return list(
        session.scalars(
            select(InvoiceRow)
            .where(InvoiceRow.account_id == account_id, InvoiceRow.status != "paid")
            .order_by(InvoiceRow.due_on, InvoiceRow.id)
        )
    )


def overdue_reason(session: Session, account: AccountRow, rules: Program, at: datetime) -> str | None:
    """Why the account is in arrears on ``at`` (an unpaid invoice past its due date and grace days), or None."""
    grace = rules.invoices.overdue.grace_days
    states = [invoice_state(session, row) for row in unpaid_invoices(session, account.id)]
    late = first_overdue(states, local_date(at, rules), grace)
    return None if late is None else overdue_text(late, grace)


def overdue_text(invoice: InvoiceState, grace_days: int) -> str:
    since = overdue_since(invoice.due_on, grace_days)
    return (
        f"invoice {invoice.ref} is overdue since {since.isoformat()} (due {invoice.due_on.isoformat()}, "
        f"{grace_days} grace day(s)); {format_minor(invoice.left_minor)} is left to pay"
    )


def spending_block(session: Session, account: AccountRow, rules: Program, at: datetime) -> str | None:
    """SPENDING_BLOCKS: an overdue invoice stops the account paying with points (when the program says so)."""
    if not rules.invoices.overdue.block_spending:
        return None
    reason = overdue_reason(session, account, rules, at)
    return None if reason is None else f"{reason}: points cannot pay for orders until it is paid"


def earning_block(session: Session, account: AccountRow, rules: Program, at: datetime) -> str | None:
    if not rules.invoices.overdue.block_earning:
        return None
    reason = overdue_reason(session, account, rules, at)
    return None if reason is None else f"{reason}: nothing is earned until it is paid"


def describe_invoice(session: Session, invoice: InvoiceRow, *, now: datetime) -> dict[str, Any]:
    account = session.get_one(AccountRow, invoice.account_id)
    rules = active_program(session, account.program_id).rules
    state = invoice_state(session, invoice)
    grace = rules.invoices.overdue.grace_days
    orders = session.scalars(
        select(OrderRow.order_ref).where(OrderRow.invoice_ref == invoice.invoice_ref).order_by(OrderRow.id)
    ).all()
    payments = session.scalars(select(PaymentRow).where(PaymentRow.invoice_id == invoice.id).order_by(PaymentRow.id))
    return {
        "invoice_id": invoice.invoice_ref,
        "account": account.code,
        "amount": format_minor(state.billed_minor),
        "amount_stated": invoice.amount_minor is not None,
        "returned": format_minor(state.returned_minor),
        "owed": format_minor(state.owed_minor),
        "paid": format_minor(state.paid_minor),
        "left_to_pay": format_minor(state.left_minor),
        "status": state.status,
        "issued_on": invoice.issued_on.isoformat(),
        "due_on": invoice.due_on.isoformat(),
        "overdue": first_overdue([state], local_date(now, rules), grace) is not None,
        "orders": list(orders),
        "payments": [
            {
                "event_id": p.event_id,
                "amount": format_minor(p.amount_minor),
                "paid_at": p.paid_at.isoformat(),
                "days_early": p.days_early,
            }
            for p in payments
        ],
    }


__all__ = [
    "default_due",
    "describe_invoice",
    "earning_block",
    "find_invoice",
    "invoice_state",
    "overdue_reason",
    "release_invoice",
    "spending_block",
    "upsert_invoice",
]
