"""Crediting what an event other than an order earns (a payment, an activity) under the program's rules of
that event, with each rule's ``limit`` counted in the program's time zone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalka.domain.periods import period_of
from loyalka.engine.b2b import earn_for_event
from loyalka.ledger.book import Lot
from loyalka.services.events import account_view, accrual_result, net_debt
from loyalka.services.programs import ActiveProgram
from loyalka.storage.ledger_store import Books
from loyalka.storage.tables import AccountRow
from loyalka.storage.tables_b2b import RuleAccrualRow


@dataclass(frozen=True, slots=True)
class RuleEvent:
    event: str  # payment | activity
    event_id: str
    at: datetime
    facts: Mapping[str, object]
    base_minor: int = 0  # the sum a percent or step applies to (a payment's amount)
    activity: str | None = None


def earn_event(
    session: Session,
    books: Books,
    account: AccountRow,
    program: ActiveProgram,
    event: RuleEvent,
    *,
    blocked: str | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Credit what ``event`` earns; returns (the accruals as results, notes on what earned nothing and why)."""
    rules = program.rules
    if blocked:
        return [], [blocked]
    earning = earn_for_event(
        rules,
        account_view(account),
        event=event.event,
        facts=event.facts,
        at=event.at,
        base_minor=event.base_minor,
        activity=event.activity,
        used=limits_used(session, account.id, program, event),
    )
    book = books.for_credit(account.id)
    debts = dict(account.debts or {})
    for made in earning.accruals:
        lot = Lot(
            account.id,
            made.kind,
            made.amount_minor,
            made.amount_minor,
            made.available_from,
            made.expires_at,
            event.event_id,
            made.rule_id,
            program.version_id,
        )
        book.credit(lot, occurred_at=event.at, reason=f"{event.event} {event.event_id}")
        net_debt(book, debts, lot, event_id=event.event_id, at=event.at)
        session.add(
            RuleAccrualRow(
                account_id=account.id,
                rule_id=made.rule_id,
                event_id=event.event_id,
                occurred_at=event.at,
                kind=made.kind,
                points_minor=made.amount_minor,
            )
        )
    if debts != (account.debts or {}):
        account.debts = {k: v for k, v in debts.items() if v}
    notes = list(earning.notes)
    if not earning.accruals and not notes and account.status == "active":
        notes.append(f"no rule of the program rewards this {event.activity or event.event}")
    return [accrual_result(a, rules) for a in earning.accruals], notes


def limits_used(session: Session, account_id: int, program: ActiveProgram, event: RuleEvent) -> dict[str, int]:
    """Accruals each limited rule of the event made for the account in the limit's period around ``event.at``."""
    tz = program.rules.program.timezone
    used: dict[str, int] = {}
    for rule in program.rules.earning:
        if rule.event != event.event or rule.limit is None:
            continue
        period = period_of(event.at, rule.limit.period, tz)
        used[rule.id] = int(
            session.scalar(
                select(func.count()).where(
                    RuleAccrualRow.account_id == account_id,
                    RuleAccrualRow.rule_id == rule.id,
                    RuleAccrualRow.occurred_at >= period.start,
                    RuleAccrualRow.occurred_at < period.end,
                )
            )
            or 0
        )
    return used


__all__ = ["RuleEvent", "earn_event", "limits_used"]
