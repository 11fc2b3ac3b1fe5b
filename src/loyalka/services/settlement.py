"""Bring what an order has earned in line with what it earns now (after a return or a corrected document).

For each rule, the order's target is recomputed by the engine on its current lines. If it rose, a new lot
of the difference is credited (dated by the order, so it activates and expires like the order's points; it
pays an outstanding debt of its kind first). If it fell, the client may keep, from the order's own lots, at
most the new target: their unspent remainder is cut first. If the client had already *spent* more than the
new target (paid or transferred the points, or gave them up to pay a debt or what another return recovered),
less what earlier events recovered already, the excess is taken from other open points of the kind (expiring
first); what cannot be taken becomes a debt netted against later earnings (or is forgiven, by the program's
``returns.on_shortfall``). Points of the order's lots that expired or were forfeited unspent gave the client
nothing and are not recovered from anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from loyalka.domain.events import OrderLine
from loyalka.domain.money import format_points
from loyalka.engine.earning import Accrual, earn_for_order
from loyalka.engine.orders import net_lines
from loyalka.engine.redemption import allocate
from loyalka.engine.views import AccountView, OrderView
from loyalka.ledger.book import Book, Entry, EntryType, Lot
from loyalka.program.models import Program
from loyalka.storage.ledger_store import load_lots
from loyalka.storage.tables import AccountRow, EntryRow, LotRow, OrderRow


@dataclass(slots=True)
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


@dataclass(slots=True)
class _Owed:
    account: AccountRow
    kind: str
    amount_minor: int
    forgive: bool
    change: Change
    entry: dict[str, Any]


class Recovery:
    """What the reductions of one event (a return, a corrected document) found the client had already spent.

    Each reduction first cuts the unspent remainder of its own lots; what it found spent is taken from the
    client's other open points only once every reduction of the event has cut its own — so no reduction takes
    points that another is about to revoke (an order's excess must not be paid with a bonus the same return
    withdraws). What cannot be taken becomes a debt, or is forgiven (``returns.on_shortfall``)."""

    def __init__(self) -> None:
        self.owed: list[_Owed] = []

    def owe(
        self, account: AccountRow, kind: str, amount_minor: int, *, forgive: bool, change: Change, **entry: Any
    ) -> None:
        if amount_minor > 0:
            self.owed.append(_Owed(account, kind, amount_minor, forgive, change, entry))

    def collect(self, book_of: Callable[[int], Book]) -> None:
        for item in self.owed:
            short = book_of(item.account.id).claw_back([], [item.kind], item.amount_minor, **item.entry)
            item.change.points_minor -= item.amount_minor - short
            if short and not item.forgive:
                item.change.debt_minor += short
                debts = dict(item.account.debts or {})
                debts[item.kind] = int(debts.get(item.kind, 0)) + short
                item.account.debts = debts
        self.owed.clear()


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
    on_payment: bool = False,
    recovery: Recovery | None = None,
) -> list[Change]:
    """Apply the difference between ``order.earned`` and ``targets`` (one accrual per rule) to the book.

    The rules whose points wait for the invoice's payment (``on_payment``) are left alone unless ``on_payment``
    is set, and then only they are settled: what they may keep depends on the invoice's paid share, which
    ``services.invoices.release_invoice`` computes whenever a payment, a return or a correction changes it.

    ``recovery``: the event's (see ``Recovery``); without one, what was spent is recovered at once."""
    own = recovery is None
    recovery = recovery or Recovery()
    waiting = {rule.id for rule in rules.earning if rule.on_payment}
    target = {a.rule_id: a for a in targets}
    earned, recovered = dict(order.earned or {}), dict(order.recovered or {})
    kind_of = {rule.id: rule.kind for rule in rules.earning}
    if rules.triggers.first_order is not None:
        kind_of.setdefault("first_order", rules.triggers.first_order.kind)
    origin = _origin_lots(session, book, order.event_id)
    spent = _spent_by_lot(session, [lot.id for lot in origin if lot.id is not None], book.entries)
    changes: list[Change] = []
    for rule_id in sorted(set(earned) | set(target)):
        if (rule_id in waiting) != on_payment:
            continue
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
            _net_debt(book, account, lot, event_id=event_id, at=at)
            changes.append(Change(kind, rule_id, after - before, 0, rules.point_kinds[kind].decimals))
        else:
            lots = [lot for lot in origin if lot.rule_id == rule_id]
            cut, excess = _cut(
                book,
                lots,
                spent,
                after,
                int(recovered.get(rule_id, 0)),
                rule_id,
                event_id=event_id,
                corrects=order.event_id,
                at=at,
                reason=reason,
            )
            if excess:
                recovered[rule_id] = int(recovered.get(rule_id, 0)) + excess
            change = Change(kind, rule_id, -cut, 0, rules.point_kinds[kind].decimals)
            recovery.owe(
                account,
                kind,
                excess,
                forgive=rules.returns.on_shortfall == "forgive",
                change=change,
                rule_id=rule_id,
                event_id=event_id,
                corrects=order.event_id,
                at=at,
                reason=reason,
            )
            changes.append(change)
        earned[rule_id] = after
    order.earned = earned
    order.recovered = recovered
    if own:
        recovery.collect(lambda _account_id: book)
    return changes


def cut_own(
    session: Session, book: Book, lot_event: str, rule_id: str, after: int, recovered: int, **entry: Any
) -> tuple[int, int]:
    """What ``settle`` does to one rule of an order, for lots of ``lot_event`` credited under ``rule_id`` by other
    means (a volume bonus): cut their unspent remainder down to what ``after`` leaves the client; returns (points
    cut, points spent beyond ``after`` and not recovered yet: to recover, ``Recovery.owe``)."""
    lots = [lot for lot in _origin_lots(session, book, lot_event) if lot.rule_id == rule_id]
    spent = _spent_by_lot(session, [lot.id for lot in lots if lot.id is not None], book.entries)
    return _cut(book, lots, spent, after, recovered, rule_id, **entry)


def _cut(
    book: Book, lots: list[Lot], spent: dict[int, int], after: int, recovered: int, rule_id: str, **entry: Any
) -> tuple[int, int]:
    """Cut the unspent remainder of a rule's own lots down to what ``after`` leaves the client; returns (points
    cut, points the client had spent beyond ``after`` and that are not recovered yet). What earlier events
    recovered already was given back from the client's other points: the client has had ``used - recovered``."""
    used = sum(spent.get(lot.id or 0, 0) + spent.get(-id(lot), 0) for lot in lots)
    keep_unspent = max(after - used + recovered, 0)
    open_left = sum(lot.remaining_minor for lot in lots if not lot.closed)
    cut = max(open_left - keep_unspent, 0)
    if cut:
        book.claw_back(lots, [], cut, rule_id=rule_id, **entry)
    return cut, max(max(used - after, 0) - recovered, 0)


def _origin_lots(session: Session, book: Book, event_id: str) -> list[Lot]:
    """The lots the order created, open ones from the book (so changes persist) and closed ones as read."""
    open_lots = [lot for lot in book.lots if lot.event_id == event_id]
    have = {lot.id for lot in open_lots}
    ids = [i for i in session.scalars(select(LotRow.id).where(LotRow.event_id == event_id)) if i not in have]
    return open_lots + list(load_lots(session, ids).values())


def _spent_by_lot(session: Session, lot_ids: list[int], pending: list[Entry]) -> dict[int, int]:
    """Points each lot did something for the client with, by lot id (``-id(lot)`` for entries of this unit of
    work not stored yet): payments and transfers (holds less releases; a pending hold counts as spent), and
    points it gave up to pay a debt or to cover what another reduction recovered (a ``reverse`` entry that is not
    the lot's own earning taken back: another event's, or another rule's)."""
    benefit: dict[int, int] = {}
    for entry in pending:
        if entry.type in SPENDING_TYPES or (entry.type == EntryType.REVERSE and not _own_cut(entry)):
            key = entry.lot.id if entry.lot.id is not None else -id(entry.lot)
            benefit[key] = benefit.get(key, 0) - entry.amount_minor
    if not lot_ids:
        return benefit
    own_cut = and_(
        func.coalesce(EntryRow.corrects_event_id, "") == LotRow.event_id,
        func.coalesce(EntryRow.rule_id, "") == func.coalesce(LotRow.rule_id, ""),
    )
    rows = session.execute(
        select(EntryRow.lot_id, func.sum(EntryRow.amount_minor))
        .join(LotRow, LotRow.id == EntryRow.lot_id)
        .where(
            EntryRow.lot_id.in_(lot_ids),
            or_(EntryRow.type.in_(SPENDING_TYPES), and_(EntryRow.type == EntryType.REVERSE.value, ~own_cut)),
        )
        .group_by(EntryRow.lot_id)
    )
    for lot_id, total in rows:
        benefit[lot_id] = benefit.get(lot_id, 0) - int(total)
    return benefit


def _own_cut(entry: Entry) -> bool:
    """A reduction of the lot's own earning (a return or a correction of the event that credited it)."""
    return entry.corrects == entry.lot.event_id and (entry.rule_id or "") == (entry.lot.rule_id or "")


def _net_debt(book: Book, account: AccountRow, lot: Lot, *, event_id: str, at: datetime) -> None:
    """Points a correction or a payment adds pay an outstanding debt of their kind first, like any new lot."""
    from loyalka.services.events import net_debt

    debts = dict(account.debts or {})
    if int(debts.get(lot.kind, 0)):
        net_debt(book, debts, lot, event_id=event_id, at=at)
        account.debts = {k: v for k, v in debts.items() if v}


# entry types by which a client drew benefit from a lot (a return may have to recover them)
SPENDING_TYPES = ("hold", "release", "transfer_out", "reward")
