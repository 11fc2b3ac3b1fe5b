"""Payments of invoices: idempotent by event id. A payment releases the paid share of the points its
invoice's orders wait for (``on_payment`` rules), and earns under the program's ``event: payment`` rules
(paying on time or early: ``payment.days_early`` is the due date less the payment date, in days)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from loyalka.domain.b2b import PaymentIn
from loyalka.domain.events import request_hash
from loyalka.domain.money import format_minor
from loyalka.engine.b2b import payment_facts
from loyalka.errors import RuleViolation
from loyalka.services.accounts import lock_accounts
from loyalka.services.events import Outcome, refuse_future, replays_of
from loyalka.services.invoices import earning_block, find_invoice, local_date, refresh, release_invoice
from loyalka.services.programs import active_program
from loyalka.services.rule_events import RuleEvent, earn_event
from loyalka.storage.ledger_store import Books, persist
from loyalka.storage.tables import EventRow
from loyalka.storage.tables_b2b import PaymentRow


def post_payment(session: Session, payment: PaymentIn, *, now: datetime) -> Outcome:
    replays, fresh = replays_of(session, [payment])
    if not fresh:
        return replays[payment.event_id]
    refuse_future(payment.paid_at, now, f"payment {payment.event_id}")
    invoice = find_invoice(session, payment.invoice_ref)
    account = lock_accounts(session, [invoice.account_id])[invoice.account_id]
    replays, fresh = replays_of(session, [payment])  # a twin request may have recorded it while we waited
    if not fresh:
        return replays[payment.event_id]
    session.refresh(invoice)
    program = active_program(session, account.program_id)
    rules = program.rules
    before = refresh(session, invoice, now)
    if payment.amount_minor > before.left_minor:
        raise RuleViolation(
            f"the payment of {format_minor(payment.amount_minor)} exceeds what is left to pay on invoice "
            f"{invoice.invoice_ref}: {format_minor(before.left_minor)} (owed {format_minor(before.owed_minor)}, "
            f"paid {format_minor(before.paid_minor)})",
            code="payment_exceeds_invoice",
            field="amount",
        )
    invoice.paid_minor += payment.amount_minor
    if invoice.last_paid_at is None or payment.paid_at > invoice.last_paid_at:
        invoice.last_paid_at = payment.paid_at
    state = refresh(session, invoice, now)
    paid_on = local_date(payment.paid_at, rules)
    facts = payment_facts(payment.amount_minor, paid_on, state)
    days_early = int(facts["days_early"])  # type: ignore[call-overload]
    session.add(
        PaymentRow(
            invoice_id=invoice.id,
            account_id=account.id,
            event_id=payment.event_id,
            amount_minor=payment.amount_minor,
            paid_at=payment.paid_at,
            days_early=days_early,
            recorded_at=now,
        )
    )
    session.flush()
    books = Books(session)
    released = release_invoice(
        session,
        books,
        account,
        invoice,
        event_id=payment.event_id,
        at=payment.paid_at,
        reason=f"invoice {invoice.invoice_ref} paid: {format_minor(state.paid_minor)} of {format_minor(state.owed_minor)}",
    )
    event = RuleEvent("payment", payment.event_id, payment.paid_at, facts, base_minor=payment.amount_minor)
    earned, notes = earn_event(
        session, books, account, program, event, blocked=earning_block(session, account, rules, payment.paid_at)
    )
    persist(session, books.values(), recorded_at=now)
    if days_early < 0:
        notes.insert(0, f"paid {-days_early} day(s) after the due date {state.due_on.isoformat()}")
    result: dict[str, Any] = {
        "type": "payment",
        "invoice_id": invoice.invoice_ref,
        "account": account.code,
        "amount": format_minor(payment.amount_minor),
        "paid_at": payment.paid_at.isoformat(),
        "days_early": days_early,
        "invoice_status": state.status,
        "paid_total": format_minor(state.paid_minor),
        "left_to_pay": format_minor(state.left_minor),
        "released": [change.as_result() for change in released if change.points_minor > 0],
        "earned": earned,
        "notes": notes,
    }
    session.add(
        EventRow(
            event_id=payment.event_id,
            account_id=account.id,
            type="payment",
            occurred_at=payment.paid_at,
            recorded_at=now,
            request_hash=request_hash(payment),
            result=result,
        )
    )
    return Outcome(payment.event_id, False, result)


__all__ = ["post_payment"]
