"""What an order would bring, before it is placed: the points it would earn (with their dates) and how much
of it points may pay now. Reads only: the same engine as a real order, nothing written."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalka.domain.events import OrderLine
from loyalka.domain.money import format_minor
from loyalka.engine.earning import earn_for_order
from loyalka.engine.redemption import allocate
from loyalka.engine.tiers import current_level
from loyalka.engine.views import OrderView
from loyalka.services.accounts import get_account, get_contact
from loyalka.services.events import account_view, accrual_result
from loyalka.services.invoices import earning_block
from loyalka.services.programs import ActiveProgram, active_program
from loyalka.services.redemption import order_lines, quote_book, spending_blocked
from loyalka.services.tier_stage import tier_stage
from loyalka.storage.ledger_store import load_books
from loyalka.storage.tables import AccountRow, OrderRow


def preview_order(
    session: Session,
    *,
    account_code: str,
    at: datetime,
    order_total_minor: int = 0,
    lines: tuple[OrderLine, ...] = (),
    contact_code: str | None = None,
    pay_with_points: bool = False,
) -> dict[str, Any]:
    """``pay_with_points``: the order pays as much as it may with points, and earns on the rest. Like the
    order itself, it earns at the tier the order lifts the account to at once, and nothing while an overdue
    invoice blocks earning."""
    order = order_lines(order_total_minor, lines)
    account = get_account(session, account_code)
    contact = get_contact(session, account, contact_code)
    program = active_program(session, account.program_id)
    rules = program.rules
    book = load_books(session, [account.id])[account.id]
    blocked = spending_blocked(session, account, rules, at)
    limit = quote_book(session, account, book, rules, lines=order, contact=contact, at=at, blocked=blocked)
    first = session.scalar(select(OrderRow.id).where(OrderRow.account_id == account.id).limit(1)) is None
    paid = {k.kind: k.max_money_minor for k in limit.kinds if k.max_money_minor} if pay_with_points else {}
    view = OrderView("preview", "preview", account.id, at, order, allocate(rules, order, paid), first_order=first)
    tier, notes = _tier_of_order(session, program, account, at, lines, limit.order_total_minor)
    withheld = earning_block(session, account, rules, at)
    accruals = [] if withheld else earn_for_order(rules, account_view(account, tier), view)
    return {
        "account": account.code,
        "order_total": format_minor(limit.order_total_minor),
        "tier": tier,
        "first_order": first,
        "may_pay_with_points": format_minor(limit.max_money_minor),
        "pays_with_points": format_minor(sum(paid.values())),
        "reason": limit.reason,
        "earns": [accrual_result(a, rules) for a in accruals],
        "notes": [*notes, *([withheld] if withheld else [])],
    }


def _tier_of_order(
    session: Session,
    program: ActiveProgram,
    account: AccountRow,
    at: datetime,
    lines: tuple[OrderLine, ...],
    total: int,
) -> tuple[str | None, list[str]]:
    """The tier the order would earn at: the account's, or the one it would lift it to at once (the tier stage's
    own reckoning, without its writes)."""
    stage = tier_stage(session, program, at)
    if stage is None:
        return account.tier, []
    held = current_level(stage.tiers, account.tier)
    found = stage.upgrade_by(account, at, lines, total)
    if found is None:
        return (held.id if held else None), []
    reached, why = found
    if program.rules.tiers is not None and program.rules.tiers.evaluation.upgrade_includes_trigger:
        return reached.id, [f"tier upgraded to {reached.id} by this order ({why}); the order earns at {reached.id}"]
    return (held.id if held else None), [
        f"tier upgraded to {reached.id} by this order ({why}); it applies from the next order"
    ]
