"""Bring what an order has earned in line with what it earns now (after a return or a corrected document).

For each rule, the order's target is recomputed by the engine on its current lines. If it rose, a new lot
of the difference is credited (dated by the order, so it activates and expires like the order's points).
If it fell, the client may keep, from the order's own lots, at most the new target: their unspent
remainder is cut first. If the client had already *spent* more than the new target, the excess is taken
from other open points of the kind (expiring first); what cannot be taken becomes a debt netted against
later earnings (or is forgiven, by the program's ``returns.on_shortfall``). Points of the order's lots that
expired or were forfeited unspent gave the client nothing and are not recovered from anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalka.domain.events import OrderLine
from loyalka.domain.money import format_points
from loyalka.engine.earning import Accrual, earn_for_order
from loyalka.engine.orders import net_lines
from loyalka.engine.redemption import allocate
from loyalka.engine.views import AccountView, OrderView
from loyalka.ledger.book import Book, Lot
from loyalka.program.models import Program
from loyalka.storage.ledger_store import load_lots
from loyalka.storage.tables import AccountRow, EntryRow, LotRow, OrderRow


@dataclass(frozen=True, slots=True)
class Change:
    kind: str
    rule: str
    points_minor: int  # positive: credited; negative: taken back
    debt_minor: int = 0  # what could not be taken back (spent already)
    decimals: int = 2  # the kind's

    def as_result(self, *, taken_back: bool = False) -> dict[str, Any]:
        """As an answer shows it; ``taken_back`` shows a decrease as a positive figure."""
        points = -self.points_minor if taken_back else self.points_minor
        return {
            "kind": self.kind,
            "rule": self.rule,
            "points": format_points(points, self.decimals),
            "debt": format_points(self.debt_minor, self.decimals),
        }


def order_targets(
    rules: Program, account: AccountRow, order: OrderRow, lines: tuple[OrderLine, ...], returned: dict[str, int]
) -> tuple[list[Accrual], dict[str, int]]:
    """What the order earns now on ``lines`` less ``returned``, under what it was first earned under (the
    program version, tier, first-order status, membership): (accruals to hold as lots, points awaiting payment)."""
    context = order.context or {}
    member = context.get("member", bool(order.earned))  # an order stored before contexts: did it earn?
    if context.get("earning_blocked") or not member:
        return [], {}
    view = OrderView(
        order.event_id,
        order.order_ref,
        account.id,
        order.occurred_at,
        net_lines(lines, returned),
        paid_by_line=allocate(rules, lines, paid_by_kind(order)),
        contact_id=order.contact_id,
        delivery_on=order.delivery_on,
        version=order.version,
        first_order=bool(context.get("first_order")),
    )
    tier = context.get("tier")
    member = AccountView(account.id, "active", account.region, account.industry, tuple(account.tags or ()), tier=tier)
    accruals = earn_for_order(rules, member, view)
    waiting = {rule.id for rule in rules.earning if rule.on_payment}
    awaiting = {a.rule_id: a.amount_minor for a in accruals if a.rule_id in waiting}
    return [a for a in accruals if a.rule_id not in waiting], awaiting


def paid_by_kind(order: OrderRow) -> dict[str, int]:
    """The money each point kind paid on the order (an order stored before kinds were recorded: all of it
    under one unnamed kind, spread over every payable line)."""
    if order.paid_by_kind:
        return {k: int(v) for k, v in order.paid_by_kind.items()}
    return {"": order.points_paid_minor} if order.points_paid_minor else {}


def settle(
    session: Session,
    *,
    book: Book,
    account: AccountRow,
    order: OrderRow,
    rules: Program,
    targets: list[Accrual],
    event_id: str,
    at: datetime,
    reason: str,
    version_id: int | None,
) -> list[Change]:
    """Apply the difference between ``order.earned`` and ``targets`` (one accrual per rule) to the book."""
    target = {a.rule_id: a for a in targets}
    earned, recovered = dict(order.earned or {}), dict(order.recovered or {})
    kind_of = {rule.id: rule.kind for rule in rules.earning}
    if rules.triggers.first_order is not None:
        kind_of.setdefault("first_order", rules.triggers.first_order.kind)
    origin = _origin_lots(session, book, order.event_id)
    spent = _spent_by_lot(session, [lot.id for lot in origin if lot.id is not None])
    debts = dict(account.debts or {})
    changes: list[Change] = []
    for rule_id in sorted(set(earned) | set(target)):
        before = int(earned.get(rule_id, 0))
        wanted = target.get(rule_id)
        after = wanted.amount_minor if wanted else 0
        kind = wanted.kind if wanted else kind_of.get(rule_id)
        if after == before or kind is None:
            continue
        if after > before:
            assert wanted is not None
            lot = Lot(
                account.id,
                kind,
                after - before,
                after - before,
                wanted.available_from,
                wanted.expires_at,
                order.event_id,
                rule_id,
                version_id,
            )
            book.credit(lot, occurred_at=at, reason=reason, event_id=event_id, corrects=order.event_id)
            changes.append(Change(kind, rule_id, after - before, 0, rules.point_kinds[kind].decimals))
        else:
            lots = [lot for lot in origin if lot.rule_id == rule_id]
            taken, short, extra = _take_back(
                book,
                lots,
                spent,
                kind,
                after,
                int(recovered.get(rule_id, 0)),
                rule_id,
                event_id=event_id,
                corrects=order.event_id,
                at=at,
                reason=reason,
            )
            if extra:
                recovered[rule_id] = int(recovered.get(rule_id, 0)) + extra
            if rules.returns.on_shortfall == "forgive":
                short = 0  # dropped: no debt is recorded, and the answer shows none
            if short:
                debts[kind] = int(debts.get(kind, 0)) + short
            changes.append(Change(kind, rule_id, -taken, short, rules.point_kinds[kind].decimals))
        earned[rule_id] = after
    order.earned = earned
    order.recovered = recovered
    account.debts = {k: v for k, v in debts.items() if v}
    return changes


def _take_back(
    book: Book,
    lots: list[Lot],
    spent: dict[int, int],
    kind: str,
    after: int,
    recovered: int,
    rule_id: str,
    **entry: Any,
) -> tuple[int, int, int]:
    """Returns (points taken back, shortfall, excess newly recovered from other lots)."""
    used = sum(spent.get(lot.id or 0, 0) for lot in lots)
    keep_unspent = max(after - used, 0)
    open_left = sum(lot.remaining_minor for lot in lots if not lot.closed)
    cut = max(open_left - keep_unspent, 0)
    if cut:
        book.claw_back(lots, [], cut, rule_id=rule_id, **entry)
    excess = max(used - after, 0) - recovered
    short = book.claw_back([], [kind], excess, rule_id=rule_id, **entry) if excess > 0 else 0
    return cut + max(excess, 0) - short, short, max(excess, 0)


def _origin_lots(session: Session, book: Book, event_id: str) -> list[Lot]:
    """The lots the order created, open ones from the book (so changes persist) and closed ones as read."""
    open_lots = [lot for lot in book.lots if lot.event_id == event_id]
    have = {lot.id for lot in open_lots}
    ids = [i for i in session.scalars(select(LotRow.id).where(LotRow.event_id == event_id)) if i not in have]
    return open_lots + list(load_lots(session, ids).values())


def _spent_by_lot(session: Session, lot_ids: list[int]) -> dict[int, int]:
    """Points each lot gave to payments and transfers (holds less releases; a pending hold counts as spent)."""
    if not lot_ids:
        return {}
    rows = session.execute(
        select(EntryRow.lot_id, func.sum(EntryRow.amount_minor))
        .where(EntryRow.lot_id.in_(lot_ids), EntryRow.type.in_(SPENDING_TYPES))
        .group_by(EntryRow.lot_id)
    )
    return {lot_id: -int(total) for lot_id, total in rows}


# entry types by which a client drew benefit from a lot (a return may have to recover them)
SPENDING_TYPES = ("hold", "release", "transfer_out", "reward")
