"""Paying with points: quote the limit, hold (reserve), capture or release; holds resolve at most once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalka.domain.accounts import validate_code
from loyalka.domain.events import WHOLE_ORDER, OrderLine, check_lines
from loyalka.domain.money import format_minor
from loyalka.domain.periods import period_of
from loyalka.engine.orders import line_to_dict
from loyalka.engine.redemption import Quote, cap_of, money_to_points, points_to_money, quote
from loyalka.errors import Conflict, InsufficientPoints, InvalidInput, NotFound, RuleViolation
from loyalka.ledger.book import Book, Entry, EntryType, Lot
from loyalka.program.models import Program
from loyalka.services.accounts import get_account, get_contact, lock_accounts
from loyalka.services.programs import active_program
from loyalka.storage.bulk import insert_returning_ids
from loyalka.storage.ledger_store import load_books, load_lots, persist
from loyalka.storage.tables import AccountRow, ContactRow, HoldRow
from loyalka.storage.tables_catalog import RewardOrderRow


def contact_allowance(session: Session, contact: ContactRow | None, rules: Program, at: datetime) -> int | None:
    """Money the contact may still spend with points this month (None: no limit): paying orders and redeeming
    rewards of the catalog draw on the same allowance."""
    if contact is None:
        return None
    if not contact.can_spend:
        return 0
    if contact.monthly_spend_limit_minor is None:
        return None
    month = period_of(at, "month", rules.program.timezone)
    used = session.scalar(
        select(func.coalesce(func.sum(HoldRow.money_minor), 0)).where(
            HoldRow.contact_id == contact.id,
            HoldRow.status.in_(("pending", "captured")),
            HoldRow.created_at >= month.start,
            HoldRow.created_at < month.end,
        )
    )
    used = int(used or 0) + _rewards_money(session, contact.id, rules, month.start, month.end)
    return max(contact.monthly_spend_limit_minor - used, 0)


def _rewards_money(session: Session, contact_id: int, rules: Program, since: datetime, until: datetime) -> int:
    """What the rewards the contact redeemed in [since, until) and that were not cancelled cost, in money."""
    paid = session.scalars(
        select(RewardOrderRow.points).where(
            RewardOrderRow.contact_id == contact_id,
            RewardOrderRow.status != "cancelled",
            RewardOrderRow.created_at >= since,
            RewardOrderRow.created_at < until,
        )
    )
    return sum(
        points_to_money(rules.point_kinds[kind], int(points))
        for by_kind in paid
        for kind, points in (by_kind or {}).items()
        if kind in rules.point_kinds
    )


def quote_book(
    session: Session,
    account: AccountRow,
    book: Book,
    rules: Program,
    *,
    lines: tuple[OrderLine, ...],
    contact: ContactRow | None,
    at: datetime,
    blocked: str | None = None,
) -> Quote:
    spendable = {kind: book.spendable(kind, at) for kind in rules.point_kinds}
    return quote(
        rules,
        lines=lines,
        spendable=spendable,
        account_status=account.status,
        contact_allowance_minor=contact_allowance(session, contact, rules, at),
        blocked=blocked if blocked is not None else spending_blocked(session, account, rules, at),
    )


def spending_blocked(session: Session, account: AccountRow, rules: Program, at: datetime) -> str | None:
    """Why the account may not pay with points now (an overdue invoice...), or None."""
    from loyalka.services.pipeline import SPENDING_BLOCKS

    for check in SPENDING_BLOCKS:
        reason = check(session, account, rules, at)
        if reason:
            return reason
    return None


@dataclass(slots=True)
class PlacedHold:
    """A hold written to the book but not yet stored: ``settle_holds`` stores a batch of them at once."""

    values: dict[str, Any]  # the holds row, but its allocations (known once new lots have ids)
    entries: list[Entry]
    taken: list[tuple[Lot, int]]
    id: int | None = None


def place_hold(
    session: Session,
    *,
    account: AccountRow,
    book: Book,
    rules: Program,
    key: str,
    request_hash: str,
    order_ref: str,
    lines: tuple[OrderLine, ...],
    money_minor: int | None,
    contact: ContactRow | None,
    at: datetime,
    blocked: str | None = None,
) -> PlacedHold:
    """Reserve points for ``money_minor`` of an order (None: as much as allowed). Expired holds must be swept."""
    limit = quote_book(session, account, book, rules, lines=lines, contact=contact, at=at, blocked=blocked)
    wanted = limit.max_money_minor if money_minor is None else money_minor
    if wanted <= 0:
        raise RuleViolation(
            f"nothing of this order can be paid with points: {limit.reason or 'amount is zero'}",
            code="nothing_to_redeem",
            field="amount",
        )
    if wanted > limit.max_money_minor:
        _explain_refusal(limit, wanted, rules, lines)
    first_entry = len(book.entries)
    left_money, points, taken = wanted, {}, []
    for kl in limit.kinds:
        if left_money <= 0 or kl.max_money_minor <= 0:
            continue
        kind = rules.point_kinds[kl.kind]
        take_money = min(left_money, kl.max_money_minor)
        take_points = min(kl.max_points_minor, -(-take_money * 10**kind.decimals // kind.value_per_point))
        taken += book.debit(
            [kl.kind],
            take_points,
            at=at,
            event_id=f"hold:{key}",
            type=EntryType.HOLD,
            reason=f"order {order_ref}",
            oldest_first=rules.spending.lot_order == "oldest_first",
        )
        points[kl.kind] = take_points
        left_money -= points_to_money(kind, take_points)
    values = {
        "account_id": account.id,
        "request_key": key,
        "request_hash": request_hash,
        "order_ref": order_ref,
        "contact_id": contact.id if contact else None,
        "money_minor": wanted,
        "points": points,
        "lines": [line_to_dict(line) for line in lines] if lines[0].sku != WHOLE_ORDER else [],
        "status": "pending",
        "created_at": at,
        "expires_at": at + timedelta(seconds=rules.spending.hold_ttl_s),
        "resolved_at": None,
    }
    return PlacedHold(values, book.entries[first_entry:], taken)


def settle_holds(session: Session, books: Iterable[Book], placed: list[PlacedHold], *, recorded_at: datetime) -> None:
    """Store placed holds (one bulk insert) with what the books wrote, linking entries and lots to the holds."""

    def insert_holds() -> None:  # new lots have ids by now; the entries are not written yet
        rows = [{**hold.values, "allocations": [[lot.id, part] for lot, part in hold.taken]} for hold in placed]
        for hold, hold_id in zip(placed, insert_returning_ids(session, HoldRow.__table__, rows), strict=True):
            hold.id = hold_id
            for entry in hold.entries:
                entry.hold_id = hold_id

    persist(session, books, recorded_at=recorded_at, before_entries=insert_holds if placed else None)


def _explain_refusal(limit: Quote, wanted: int, rules: Program, lines: tuple[OrderLine, ...]) -> None:
    if not limit.kinds and limit.reason:  # the account may not spend at all now (left, an overdue invoice...)
        raise InsufficientPoints(
            f"{format_minor(wanted)} asked but nothing can be paid with points now: {limit.reason}", field="amount"
        )
    spendable_money = sum(points_to_money(rules.point_kinds[k.kind], k.spendable_minor) for k in limit.kinds)
    cap_money = cap_of(rules, lines, [k.kind for k in limit.kinds if k.spendable_minor > 0])
    if wanted > spendable_money:
        raise InsufficientPoints(
            f"{format_minor(wanted)} asked but only {format_minor(spendable_money)} can be paid with the spendable "
            f"points now",
            field="amount",
        )
    if wanted > cap_money:
        raise RuleViolation(
            f"{format_minor(wanted)} exceeds the program's cap: at most {format_minor(cap_money)} of an order of "
            f"{format_minor(limit.order_total_minor)} may be paid with points",
            code="redemption_cap_exceeded",
            field="amount",
        )
    raise RuleViolation(
        f"{format_minor(wanted)} exceeds what may be paid with points here: at most "
        f"{format_minor(limit.max_money_minor)} ({limit.reason or 'contact limit'})",
        code="redemption_limit_exceeded",
        field="amount",
    )


def sweep_expired_holds(session: Session, account_ids: Iterable[int], at: datetime) -> int:
    """Release the accounts' pending holds whose time ran out (status 'expired')."""
    ids = sorted(set(account_ids))
    if not ids:
        return 0
    holds = session.scalars(
        select(HoldRow)
        .where(HoldRow.account_id.in_(ids), HoldRow.status == "pending", HoldRow.expires_at <= at)
        .order_by(HoldRow.id)
    ).all()
    for hold in holds:
        _give_back(session, hold, at=at, status="expired")
    return len(holds)


def _give_back(session: Session, hold: HoldRow, *, at: datetime, status: str) -> None:
    lots = load_lots(session, [lot_id for lot_id, _ in hold.allocations])
    book = Book(hold.account_id, list(lots.values()))
    book.restore(
        [(lots[lot_id], part) for lot_id, part in hold.allocations],
        at=at,
        event_id=f"hold:{hold.request_key}",
        hold_id=hold.id,
        reason=f"hold {status}",
    )
    persist(session, [book], recorded_at=at)
    hold.status, hold.resolved_at = status, at


# --- the commands the API and CLI call ----------------------------------------------------------------------
def order_lines(
    order_total_minor: int, lines: tuple[OrderLine, ...], *, field: str = "order_total"
) -> tuple[OrderLine, ...]:
    """The lines of an order being quoted or held: those given, or one line of the whole total."""
    total = check_lines(lines, order_total_minor)
    if total <= 0:
        raise InvalidInput("an order total must be above zero", code="invalid_amount", field=field)
    return lines or (OrderLine(WHOLE_ORDER, total),)


def quote_order(
    session: Session,
    *,
    account_code: str,
    order_total_minor: int = 0,
    contact_code: str | None,
    at: datetime,
    lines: tuple[OrderLine, ...] = (),
) -> Quote:
    order = order_lines(order_total_minor, lines)
    account = get_account(session, account_code, lock=True)
    contact = get_contact(session, account, contact_code)
    rules = active_program(session, account.program_id).rules
    sweep_expired_holds(session, [account.id], at)
    book = load_books(session, [account.id])[account.id]
    return quote_book(session, account, book, rules, lines=order, contact=contact, at=at)


def hold_points(
    session: Session,
    *,
    key: str,
    request_hash: str,
    account_code: str,
    order_ref: str,
    order_total_minor: int = 0,
    money_minor: int | None,
    contact_code: str | None,
    at: datetime,
    lines: tuple[OrderLine, ...] = (),
) -> tuple[HoldRow, bool]:
    """Place a hold, or return the one this key placed before; the flag says it is a replay."""
    validate_code(key, field="key")
    validate_code(order_ref, field="order_id")
    order = order_lines(order_total_minor, lines)
    if money_minor is not None and money_minor <= 0:
        raise InvalidInput("the amount to pay with points must be above zero", code="invalid_amount", field="amount")
    existing = session.scalar(select(HoldRow).where(HoldRow.request_key == key))
    if existing is not None:
        return _replay(existing, request_hash), True
    account = get_account(session, account_code, lock=True)
    existing = session.scalar(select(HoldRow).where(HoldRow.request_key == key))  # a twin request held the lock
    if existing is not None:
        return _replay(existing, request_hash), True
    contact = get_contact(session, account, contact_code)
    rules = active_program(session, account.program_id).rules
    sweep_expired_holds(session, [account.id], at)
    book = load_books(session, [account.id])[account.id]
    try:
        placed = place_hold(
            session,
            account=account,
            book=book,
            rules=rules,
            key=key,
            request_hash=request_hash,
            order_ref=order_ref,
            lines=order,
            money_minor=money_minor,
            contact=contact,
            at=at,
        )
        settle_holds(session, [book], [placed], recorded_at=at)
    except IntegrityError as exc:
        raise Conflict(
            f"hold key {key!r} was used at the same moment by another request", code="idempotency_conflict", field="key"
        ) from exc
    assert placed.id is not None
    return session.get_one(HoldRow, placed.id), False


def _replay(hold: HoldRow, request_hash: str) -> HoldRow:
    if hold.request_hash != request_hash:
        raise Conflict(
            f"hold key {hold.request_key!r} was already used for a different request",
            code="idempotency_conflict",
            field="key",
        )
    return hold


def find_hold(session: Session, key: str, *, lock: bool = True) -> HoldRow:
    query = select(HoldRow).where(HoldRow.request_key == key)
    hold = session.scalar(query.with_for_update() if lock else query)
    if hold is None:
        raise NotFound(f"no hold with key {key!r}", code="hold_not_found", field="hold")
    return hold


def capture_hold(session: Session, hold: HoldRow, *, at: datetime) -> HoldRow:
    if hold.status == "captured":
        return hold
    if hold.status == "pending" and hold.expires_at <= at:
        _give_back(session, hold, at=at, status="expired")
    if hold.status != "pending":
        raise Conflict(
            f"hold {hold.request_key!r} is {hold.status} and cannot be captured", code="hold_resolved", field="hold"
        )
    hold.status, hold.resolved_at = "captured", at
    return hold


def release_hold(session: Session, hold: HoldRow, *, at: datetime) -> HoldRow:
    if hold.status in ("released", "expired"):
        return hold
    if hold.status == "captured":
        raise Conflict(
            f"hold {hold.request_key!r} is captured already and cannot be released", code="hold_resolved", field="hold"
        )
    _give_back(session, hold, at=at, status="released")
    return hold


def resolve_hold(session: Session, key: str, *, capture: bool, at: datetime) -> HoldRow:
    """Capture or release by key. Locks the account before the hold, in the same order as every other writer."""
    account_id = find_hold(session, key, lock=False).account_id
    lock_accounts(session, [account_id])
    hold = find_hold(session, key, lock=True)
    session.refresh(hold)
    return capture_hold(session, hold, at=at) if capture else release_hold(session, hold, at=at)


def hold_view(session: Session, hold: HoldRow) -> dict[str, Any]:
    rules = active_program(session, session.get_one(AccountRow, hold.account_id).program_id).rules
    return {
        "key": hold.request_key,
        "order_id": hold.order_ref,
        "status": hold.status,
        "amount": format_minor(hold.money_minor),
        "points": {k: rules.points(k, v) for k, v in hold.points.items()},
        "expires_at": hold.expires_at.isoformat(),
        "resolved_at": hold.resolved_at.isoformat() if hold.resolved_at else None,
    }


__all__ = ["capture_hold", "find_hold", "hold_points", "money_to_points", "quote_order", "release_hold", "resolve_hold"]
