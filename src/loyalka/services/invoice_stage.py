"""The invoices' part in posting orders (an ORDER_STAGES stage).

``before`` — an overdue invoice (past its due date plus the grace days, not fully paid, judged on the order's
date in the program's zone) stops the order paying with points and, when the program says so, earning; an
order that names an invoice is checked against it (the same account, no conflicting due date).
``finish`` — once the batch's orders are stored: new invoices are created, statuses brought up to date, and an
invoice paid (in part) before its orders arrived releases their share of the points at once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalka.domain.events import OrderIn
from loyalka.engine.b2b import first_overdue, overdue_since
from loyalka.engine.views import OrderView
from loyalka.ledger.book import Book
from loyalka.services.invoices import (
    default_due,
    invoice_state,
    local_date,
    new_invoice,
    overdue_text,
    refresh,
    refuse_other_account,
    refuse_other_due_date,
    release_invoice,
)
from loyalka.services.programs import ActiveProgram
from loyalka.services.stages import OrderStage, Posted, Verdict
from loyalka.storage.ledger_store import Books, persist
from loyalka.storage.tables import AccountRow
from loyalka.storage.tables_b2b import InvoiceRow


@dataclass(slots=True)
class _Invoice:
    """An unpaid invoice of an account of the batch, or one the batch's orders name (``row`` None: new)."""

    ref: str
    account_id: int
    row: InvoiceRow | None
    issued_on: date
    due_on: date
    due_given: bool
    event_id: str = ""  # the latest order of the batch naming it: the entries of a release point at it
    at: datetime | None = None

    @classmethod
    def of(cls, row: InvoiceRow) -> _Invoice:
        return cls(row.invoice_ref, row.account_id, row, row.issued_on, row.due_on, row.due_given)


class InvoiceStage(OrderStage):
    def __init__(self, session: Session, program: ActiveProgram, now: datetime) -> None:
        super().__init__(session, program, now)
        self.touched: dict[str, _Invoice] = {}  # named by the batch's orders
        self.unpaid: dict[int, dict[str, _Invoice]] = {}  # account id -> its invoices not fully paid
        self.any_stored: bool | None = None  # does any account of the program have an invoice at all?

    def before(self, account: AccountRow, order: OrderIn, view: OrderView, verdict: Verdict) -> None:
        overdue = self.rules.invoices.overdue
        if overdue.block_spending or overdue.block_earning:
            reason = self._overdue(account, order.occurred_at)
            if overdue.block_spending and not verdict.spending_blocked:
                verdict.spending_blocked = (
                    f"{reason}: points cannot pay for orders until it is paid"
                    if reason
                    else self._other_blocks(account, order.occurred_at)
                )
            if reason and overdue.block_earning and not verdict.earning_blocked:
                verdict.earning_blocked = f"{reason}: the order earns nothing until it is paid"
        if order.invoice_ref is not None:
            self._attach(account, order)

    def _other_blocks(self, account: AccountRow, at: datetime) -> str:
        """The other SPENDING_BLOCKS, so the order's payment need not ask them all again: their reason, or ""
        for "checked, nothing blocks" (a quote given ``blocked=""`` skips the checks; the batch's cached view
        of the invoices spares a query per order)."""
        from loyalka.services.invoices import spending_block
        from loyalka.services.pipeline import SPENDING_BLOCKS

        for check in SPENDING_BLOCKS:
            if check is not spending_block:
                reason = check(self.session, account, self.rules, at)
                if reason:
                    return reason
        return ""

    def after(self, posted: Posted, books: dict[int, Book]) -> None:
        invoice = self.touched.get(posted.order.invoice_ref or "")
        earned = posted.result.get("earned")
        waits = isinstance(earned, list) and any(e.get("awaiting_payment") for e in earned)
        notes = posted.result.get("notes")
        if invoice is not None and invoice.row is not None and invoice.row.paid_minor and waits:
            assert isinstance(notes, list)
            notes.append(f"invoice {invoice.ref} has payments already: their share of the points is released")

    def finish(self) -> None:
        for invoice in self.touched.values():
            row = invoice.row
            if row is None:
                account = self.session.get_one(AccountRow, invoice.account_id)
                row = new_invoice(account, invoice.ref, invoice.issued_on, invoice.due_on, invoice.due_given, self.now)
                self.session.add(row)
            else:
                row.due_on, row.due_given = invoice.due_on, invoice.due_given
            self.session.flush()
            refresh(self.session, row, self.now)
            if row.paid_minor:
                self._release(row, invoice)

    def _release(self, row: InvoiceRow, invoice: _Invoice) -> None:
        account = self.session.get_one(AccountRow, invoice.account_id)
        books = Books(self.session)
        assert invoice.at is not None
        release_invoice(
            self.session,
            books,
            account,
            row,
            event_id=invoice.event_id,
            at=invoice.at,
            reason=f"order added to invoice {row.invoice_ref}, which has payments already",
        )
        persist(self.session, books.values(), recorded_at=self.now)

    def _attach(self, account: AccountRow, order: OrderIn) -> None:
        ref = order.invoice_ref
        assert ref is not None
        invoice = self.touched.get(ref) or self._unpaid(account.id).get(ref)
        if invoice is None:
            row = self.session.scalar(select(InvoiceRow).where(InvoiceRow.invoice_ref == ref))
            if row is not None:
                invoice = _Invoice.of(row)
            else:
                issued = local_date(order.occurred_at, self.rules)
                due = default_due(self.rules, account.tier, issued)
                invoice = _Invoice(ref, account.id, None, issued, due, False)
        refuse_other_account(ref, invoice.account_id, account)
        refuse_other_due_date(ref, invoice.due_on, invoice.due_given, order.due_on, order.order_ref)
        if order.due_on is not None:
            invoice.due_on, invoice.due_given = order.due_on, True
        invoice.event_id = order.event_id
        invoice.at = max(invoice.at or order.occurred_at, order.occurred_at)
        self.touched[ref] = invoice
        self._unpaid(account.id)[ref] = invoice  # an order on it: it is owed (until a payment says otherwise)

    def _unpaid(self, account_id: int) -> dict[str, _Invoice]:
        if self.any_stored is None:  # one query per batch spares a program without invoices one per account
            self.any_stored = self._program_has_invoices()
        if not self.any_stored:
            return self.unpaid.setdefault(account_id, {})
        if account_id not in self.unpaid:
            rows = self.session.scalars(
                select(InvoiceRow).where(InvoiceRow.account_id == account_id, InvoiceRow.status != "paid")
            )
            self.unpaid[account_id] = {row.invoice_ref: _Invoice.of(row) for row in rows}
        return self.unpaid[account_id]

    def _program_has_invoices(self) -> bool:
        found = self.session.scalar(
            select(InvoiceRow.id)
            .join(AccountRow, AccountRow.id == InvoiceRow.account_id)
            .where(AccountRow.program_id == self.program.program_id)
            .limit(1)
        )
        return found is not None

    def _overdue(self, account: AccountRow, at: datetime) -> str | None:
        """Why the account is in arrears on the order's date; figures are read only for an invoice that is late."""
        grace = self.rules.invoices.overdue.grace_days
        today = local_date(at, self.rules)
        for invoice in sorted(self._unpaid(account.id).values(), key=lambda i: (i.due_on, i.ref)):
            if today < overdue_since(invoice.due_on, grace):
                continue
            if invoice.row is None:  # created by this batch: nothing is paid on it yet
                return f"invoice {invoice.ref} is overdue (due {invoice.due_on.isoformat()}, {grace} grace day(s))"
            state = invoice_state(self.session, invoice.row)
            late = first_overdue([replace(state, due_on=invoice.due_on)], today, grace)
            if late is not None:
                return overdue_text(late, grace)
        return None


def invoice_stage(session: Session, program: ActiveProgram, now: datetime) -> OrderStage:
    return InvoiceStage(session, program, now)


__all__ = ["InvoiceStage", "invoice_stage"]
