"""Orders: idempotent by event id, processed in batches so a replay of years stays fast.

A batch is one unit of work: every order in it is recorded whole or none is. The same code serves a
single API call (a batch of one), a CSV import and the demo's replay. An order whose id is known already
is a corrected document when its version is higher (only the difference is posted, ``corrections.py``),
a re-send when it is the same version with the same content (nothing changes), and a conflict otherwise.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalka.domain.events import OrderIn, request_hash
from loyalka.domain.money import format_minor
from loyalka.engine.earning import Accrual, earn_for_order
from loyalka.engine.orders import line_to_dict
from loyalka.engine.redemption import allocate, cap_of, points_to_money
from loyalka.engine.views import AccountView, OrderView
from loyalka.errors import Conflict, InvalidInput, NotFound, RuleViolation
from loyalka.ledger.book import Book, Lot
from loyalka.program.models import Program
from loyalka.services.accounts import lock_accounts
from loyalka.services.programs import ActiveProgram, active_program
from loyalka.services.redemption import (
    PlacedHold,
    capture_hold,
    place_hold,
    quote_book,
    settle_holds,
    sweep_expired_holds,
)
from loyalka.services.stages import OrderStage, Posted, Verdict, stages_for
from loyalka.services.tiers import held_tier
from loyalka.storage.bulk import insert_rows
from loyalka.storage.ledger_store import Books
from loyalka.storage.queries import among
from loyalka.storage.tables import AccountRow, ContactRow, EventRow, HoldRow, OrderRow

CLOCK_SKEW = timedelta(minutes=5)  # how far ahead of our clock a sender's clock may run


@dataclass(frozen=True, slots=True)
class Outcome:
    event_id: str
    replayed: bool  # True: this event (or this very document version) was seen before; nothing changed
    result: dict[str, Any]


_STORED: Any = object()


def account_view(row: AccountRow, tier: str | None = _STORED) -> AccountView:
    """The account as the rules see it; ``tier``: the tier an order is judged at (None: no tier, even when an
    upgrade by this very order has already changed the stored one), left out: the stored tier."""
    held = row.tier if tier is _STORED else tier
    return AccountView(row.id, row.status, row.region, row.industry, tuple(row.tags or ()), row.joined_at, held)


def replays_of(session: Session, events: Sequence[Any]) -> tuple[dict[str, Outcome], list[Any]]:
    """Split a batch into replays of known events and new ones; a known id with another request is a conflict."""
    ids = [e.event_id for e in events]
    known = {
        row.event_id: row
        for row in session.execute(
            select(EventRow.event_id, EventRow.request_hash, EventRow.result).where(
                among(session, EventRow.event_id, ids)
            )
        )
    }
    replays: dict[str, Outcome] = {}
    fresh: list[Any] = []
    seen: dict[str, str] = {}
    for event in events:
        digest = request_hash(event)
        row = known.get(event.event_id)
        previous = row.request_hash if row is not None else seen.get(event.event_id)
        if previous is not None:
            if previous != digest:
                raise Conflict(
                    f"event {event.event_id!r} was already recorded with different content",
                    code="idempotency_conflict",
                    field="event_id",
                )
            if row is not None:
                replays[event.event_id] = Outcome(event.event_id, True, row.result)
            continue
        seen[event.event_id] = digest
        fresh.append((event, digest))
    return replays, fresh


def refuse_future(occurred_at: datetime, now: datetime, what: str) -> None:
    if occurred_at > now + CLOCK_SKEW:
        raise InvalidInput(
            f"{what} is dated {occurred_at.isoformat()}, in the future", code="future_event", field="occurred_at"
        )


def content_hash(order: OrderIn) -> str:
    """The document's content, without the event id and the way it pays: a re-send of a version matches it."""
    content = [
        order.account,
        order.order_ref,
        order.occurred_at.isoformat(),
        order.total_minor,
        order.contact,
        order.version,
        order.delivery_on.isoformat() if order.delivery_on else None,
        order.invoice_ref,
        order.due_on.isoformat() if order.due_on else None,
        [[ln.sku, ln.category, str(ln.quantity), ln.amount_minor, ln.promo, ln.cost_minor] for ln in order.lines],
    ]
    return hashlib.sha256(json.dumps(content).encode()).hexdigest()


def event_row(event_id: str, account_id: int, type: str, at: datetime, now: datetime, digest: str, result: Any) -> dict:
    return {
        "event_id": event_id,
        "account_id": account_id,
        "type": type,
        "occurred_at": at,
        "recorded_at": now,
        "request_hash": digest,
        "result": result,
    }


class _Batch:
    """The state of one batch of orders inside its unit of work."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session = session
        self.now = now
        self.books = Books(session)
        self.programs: dict[int, ActiveProgram] = {}
        self.stages: dict[int, list[OrderStage]] = {}
        self.placed: list[PlacedHold] = []
        self.events: list[dict[str, Any]] = []
        self.orders: list[dict[str, Any]] = []
        self.results: dict[str, Outcome] = {}

    def prepare(self, orders: list[tuple[AccountRow, OrderIn]]) -> None:
        """Show each program's stages the batch's new orders of that program before the first is posted."""
        by_program: dict[int, list[tuple[AccountRow, OrderIn]]] = {}
        for account, order in orders:
            by_program.setdefault(account.program_id, []).append((account, order))
        for items in by_program.values():
            self.program(items[0][0])
            for stage in self.stages[items[0][0].program_id]:
                stage.prepare(items)

    def program(self, account: AccountRow) -> ActiveProgram:
        if account.program_id not in self.programs:
            self.programs[account.program_id] = active_program(self.session, account.program_id)
            self.stages[account.program_id] = stages_for(self.session, self.programs[account.program_id], self.now)
        return self.programs[account.program_id]


def post_orders(session: Session, orders: Sequence[OrderIn], *, now: datetime) -> list[Outcome]:
    for order in orders:
        refuse_future(order.occurred_at, now, f"order {order.order_ref}")
    replays, fresh = replays_of(session, orders)
    if not fresh:
        return [replays[o.event_id] for o in orders if o.event_id in replays]
    by_code = _account_ids(session, sorted({o.account for o, _ in fresh}))
    refs = [o.order_ref for o, _ in fresh]
    if len(set(refs)) != len(refs):
        ref = next(r for r in refs if refs.count(r) > 1)
        raise Conflict(
            f"order {ref!r} is twice in one batch; send a corrected version in a later request",
            code="order_exists",
            field="order_id",
        )
    referrers = session.scalars(
        select(AccountRow.referred_by_id).where(
            among(session, AccountRow.id, by_code.values()), AccountRow.referred_by_id.is_not(None)
        )
    ).all()
    accounts = lock_accounts(session, [*by_code.values(), *referrers])
    again, fresh = replays_of(session, [o for o, _ in fresh])  # a twin request may have recorded them meanwhile
    replays.update(again)
    if not fresh:
        return [replays[o.event_id] for o in orders if o.event_id in replays]
    known = {
        row.order_ref: row for row in session.scalars(select(OrderRow).where(among(session, OrderRow.order_ref, refs)))
    }
    batch = _Batch(session, now)
    contacts = _contacts(session, fresh, by_code)
    new = [(o, d) for o, d in fresh if o.order_ref not in known]
    spenders = {by_code[o.account] for o, _ in new if o.redeem_minor or o.hold_key or o.redeem_max}
    sweep_expired_holds(session, spenders, now)  # before the books are loaded: a sweep gives points back
    batch.books.load(spenders)
    ordered_before = _accounts_with_orders(session, {by_code[o.account] for o, _ in new})
    batch.prepare([(accounts[by_code[o.account]], o) for o, _ in new])
    for order, digest in fresh:
        account = accounts[by_code[order.account]]
        row = known.get(order.order_ref)
        if row is None:
            first = account.id not in ordered_before
            ordered_before.add(account.id)
            contact = contacts.get((account.id, order.contact)) if order.contact else None
            _post_new(batch, order, digest, account, contact, first, accounts)
        else:
            _post_known(batch, order, digest, account, row)
    settle_holds(session, batch.books.values(), batch.placed, recorded_at=now)
    insert_rows(session, EventRow.__table__, batch.events)
    insert_rows(session, OrderRow.__table__, batch.orders)
    for stages in batch.stages.values():  # the batch's orders are stored: a stage may read and settle them
        for stage in stages:
            stage.finish()
    return [replays.get(o.event_id) or batch.results[o.event_id] for o in orders]


def _account_ids(session: Session, codes: list[str]) -> dict[str, int]:
    by_code = {
        row.code: row.id
        for row in session.execute(select(AccountRow.code, AccountRow.id).where(among(session, AccountRow.code, codes)))
    }
    missing = [c for c in codes if c not in by_code]
    if missing:
        raise NotFound(f"no account with code {missing[0]!r}", code="account_not_found", field="account")
    return by_code


def _accounts_with_orders(session: Session, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    return set(session.scalars(select(OrderRow.account_id).where(among(session, OrderRow.account_id, ids)).distinct()))


def _post_new(
    batch: _Batch,
    order: OrderIn,
    digest: str,
    account: AccountRow,
    contact: ContactRow | None,
    first: bool,
    accounts: dict[int, AccountRow],
) -> None:
    program = batch.program(account)
    rules = program.rules
    lines = order.effective_lines()
    view = OrderView(
        order.event_id,
        order.order_ref,
        account.id,
        order.occurred_at,
        lines,
        contact_id=contact.id if contact else None,
        delivery_on=order.delivery_on,
        version=order.version,
        first_order=first,
    )
    verdict = Verdict(tier=held_tier(rules, account))
    for stage in batch.stages[account.program_id]:
        stage.before(account, order, view, verdict)
    paid_by_kind = _pay_with_points(batch, order, account, lines, rules, contact, verdict.spending_blocked)
    view = replace(view, paid_by_line=allocate(rules, lines, paid_by_kind))
    accruals = [] if verdict.earning_blocked else earn_for_order(rules, account_view(account, verdict.tier), view)
    book = batch.books.for_credit(account.id)
    earned, awaiting = _credit(book, account, program, order.event_id, order.occurred_at, accruals)
    result = {
        "type": "order",
        "order_id": order.order_ref,
        "account": account.code,
        "version": order.version,
        "paid_with_points": format_minor(sum(paid_by_kind.values())),
        "earned": [accrual_result(a, rules) for a in accruals],
        "program_version": program.version,
        "tier": verdict.tier,
        "notes": [*verdict.notes, *([verdict.earning_blocked] if verdict.earning_blocked else [])],
    }
    batch.results[order.event_id] = Outcome(order.event_id, False, result)
    batch.events.append(event_row(order.event_id, account.id, "order", order.occurred_at, batch.now, digest, result))
    batch.orders.append(
        {
            "account_id": account.id,
            "order_ref": order.order_ref,
            "contact_id": view.contact_id,
            "event_id": order.event_id,
            "occurred_at": order.occurred_at,
            "total_minor": order.total_minor,
            "returned_minor": 0,
            "points_paid_minor": sum(paid_by_kind.values()),
            "program_version_id": program.version_id,
            "earned": earned,
            "recovered": {},
            "lines": [line_to_dict(line) for line in order.lines],
            "returned_lines": {},
            "paid_by_kind": paid_by_kind,
            "version": order.version,
            "content_hash": content_hash(order),
            "context": {
                "tier": verdict.tier,
                "first_order": first,
                "member": account.status == "active",
                "earning_blocked": verdict.earning_blocked,
            },
            "awaiting": awaiting,
            "delivery_on": order.delivery_on,
            "invoice_ref": order.invoice_ref,
        }
    )
    posted = Posted(order, account, view, accruals, book, result)
    for stage in batch.stages[account.program_id]:
        stage.after(posted, batch.books)


def accrual_result(accrual: Accrual, rules: Program) -> dict[str, Any]:
    waits = _awaits_payment(rules, accrual.rule_id)
    return {
        "kind": accrual.kind,
        "points": rules.points(accrual.kind, accrual.amount_minor),
        "rule": accrual.rule_id,
        "available_from": None if waits else accrual.available_from.isoformat(),
        "expires_at": None if waits or accrual.expires_at is None else accrual.expires_at.isoformat(),
        "awaiting_payment": waits,
    }


def _awaits_payment(rules: Program, rule_id: str) -> bool:
    return any(rule.id == rule_id and rule.on_payment for rule in rules.earning)


def _post_known(batch: _Batch, order: OrderIn, digest: str, account: AccountRow, row: OrderRow) -> None:
    """An order id seen before: a corrected version, a re-send of the same version, or a conflict."""
    from loyalka.services.corrections import correct_order

    if row.account_id != account.id:
        raise Conflict(
            f"order {order.order_ref!r} is recorded for another account", code="order_exists", field="order_id"
        )
    if order.version > row.version:
        program = batch.program(account)
        result = correct_order(batch.session, batch.books, account, row, order, program, now=batch.now)
        outcome = Outcome(order.event_id, False, result)
    elif order.version == row.version and row.content_hash == content_hash(order):
        result = {
            "type": "order",
            "order_id": row.order_ref,
            "account": account.code,
            "version": row.version,
            "resent": True,
            "paid_with_points": format_minor(row.points_paid_minor),
            "earned": [],
            "program_version": None,
            "tier": (row.context or {}).get("tier"),
            "notes": ["re-send of a recorded version: nothing changed"],
        }
        outcome = Outcome(order.event_id, True, result)
    elif order.version == row.version:
        raise Conflict(
            f"order {order.order_ref!r} version {order.version} is recorded already with other content; "
            "send a corrected document with a higher version",
            code="version_conflict" if row.content_hash else "order_exists",
            field="version",
        )
    else:
        raise Conflict(
            f"order {order.order_ref!r} is at version {row.version} already; version {order.version} is stale",
            code="stale_version",
            field="version",
        )
    batch.results[order.event_id] = outcome
    batch.events.append(event_row(order.event_id, account.id, "order", order.occurred_at, batch.now, digest, result))


def _contacts(session: Session, fresh: list[Any], by_code: dict[str, int]) -> dict[tuple[int, str], ContactRow]:
    wanted = {(by_code[o.account], o.contact) for o, _ in fresh if o.contact}
    if not wanted:
        return {}
    rows = session.scalars(select(ContactRow).where(ContactRow.account_id.in_({a for a, _ in wanted})))
    found = {(row.account_id, row.code): row for row in rows}
    for key in wanted:
        if key not in found:
            raise NotFound(f"the account has no contact {key[1]!r}", code="contact_not_found", field="contact")
    return found


def _pay_with_points(
    batch: _Batch,
    order: OrderIn,
    account: AccountRow,
    lines: tuple[Any, ...],
    rules: Program,
    contact: ContactRow | None,
    blocked: str | None,
) -> dict[str, int]:
    """Capture the order's hold, or redeem now; returns the money paid with points, by point kind."""
    session = batch.session
    if order.hold_key:
        hold = session.scalar(select(HoldRow).where(HoldRow.request_key == order.hold_key).with_for_update())
        if hold is None or hold.account_id != account.id:
            raise NotFound(
                f"no hold {order.hold_key!r} for account {account.code}", code="hold_not_found", field="hold_key"
            )
        cap = cap_of(rules, lines)
        if hold.money_minor > cap:
            raise RuleViolation(
                f"the hold pays {format_minor(hold.money_minor)} but an order of {format_minor(order.total_minor)} "
                f"may be paid at most {format_minor(cap)} with points; release it and quote again",
                code="redemption_cap_exceeded",
                field="hold_key",
            )
        if hold.order_ref != order.order_ref:
            raise Conflict(
                f"hold {order.hold_key!r} was placed for order {hold.order_ref}, not {order.order_ref}",
                code="hold_order_mismatch",
                field="hold_key",
            )
        capture_hold(session, hold, at=batch.now)
        return _money_by_kind(rules, hold.points, hold.money_minor)
    if not (order.redeem_minor or order.redeem_max):
        return {}
    book = batch.books.get(account.id)
    if order.redeem_max:
        limit = quote_book(
            session, account, book, rules, lines=lines, contact=contact, at=order.occurred_at, blocked=blocked
        )
        if limit.max_money_minor == 0:
            return {}
    new = place_hold(
        session,
        account=account,
        book=book,
        rules=rules,
        key=f"order:{order.event_id}",
        request_hash=request_hash(order),
        order_ref=order.order_ref,
        lines=lines,
        money_minor=order.redeem_minor or None,
        contact=contact,
        at=order.occurred_at,
        blocked=blocked,
    )
    new.values.update(status="captured", resolved_at=order.occurred_at)
    batch.placed.append(new)
    return _money_by_kind(rules, new.values["points"], int(new.values["money_minor"]))


def _money_by_kind(rules: Program, points: dict[str, int], money_minor: int) -> dict[str, int]:
    """The money each kind paid (the last kind takes the rounding, so the parts add up to the whole)."""
    parts = {k: points_to_money(rules.point_kinds[k], int(v)) for k, v in points.items() if k in rules.point_kinds}
    if parts:
        last = list(parts)[-1]
        parts[last] += money_minor - sum(parts.values())
    return {k: v for k, v in parts.items() if v > 0}


def _credit(
    book: Book, account: AccountRow, program: ActiveProgram, event_id: str, at: datetime, accruals: list[Accrual]
) -> tuple[dict[str, int], dict[str, int]]:
    """Turn accruals into lots (those waiting for payment are only noted); a debt left by an earlier return is
    netted against them. Returns (earned by rule, awaiting payment by rule)."""
    earned: dict[str, int] = {}
    awaiting: dict[str, int] = {}
    debts = dict(account.debts or {})
    for accrual in accruals:
        if _awaits_payment(program.rules, accrual.rule_id):
            awaiting[accrual.rule_id] = accrual.amount_minor
            continue
        lot = Lot(
            account.id,
            accrual.kind,
            accrual.amount_minor,
            accrual.amount_minor,
            accrual.available_from,
            accrual.expires_at,
            event_id,
            accrual.rule_id,
            program.version_id,
        )
        book.credit(lot, occurred_at=at)
        earned[accrual.rule_id] = accrual.amount_minor
        net_debt(book, debts, lot, event_id=event_id, at=at)
    if debts != (account.debts or {}):
        account.debts = {k: v for k, v in debts.items() if v}
    return earned, awaiting


def net_debt(book: Book, debts: dict[str, Any], lot: Lot, *, event_id: str, at: datetime) -> None:
    """Take an outstanding debt of the lot's kind out of a lot just credited (``debts`` is updated)."""
    owed = int(debts.get(lot.kind, 0))
    if not owed:
        return
    netted = owed - book.claw_back(
        [lot],
        [],
        owed,
        at=at,
        event_id=event_id,
        corrects=event_id,
        reason="netted against the debt of an earlier return",
    )
    debts[lot.kind] = owed - netted


__all__ = ["Outcome", "account_view", "content_hash", "net_debt", "post_orders", "refuse_future", "replays_of"]
