"""Transfers: one member gives points of a kind to another member of the same program.

A transfer is idempotent by the caller's key (stored with a hash of the request: the same key and request
return the first answer, the same key with another request is a conflict). Both accounts are locked in id
order. The sender's spendable lots are taken in the program's lot order as ``transfer_out`` entries; each piece
becomes a ``transfer_in`` lot of the receiver that keeps the piece's ``available_from`` and ``expires_at``: a
transfer never makes points live longer than they would have with the sender.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalka.domain.accounts import validate_code
from loyalka.domain.money import parse_points
from loyalka.domain.periods import period_of
from loyalka.engine.transfers import check_amount, check_party, month_left
from loyalka.errors import Conflict, InsufficientPoints, InvalidInput, NotFound, RuleViolation
from loyalka.ledger.book import EntryType, Lot
from loyalka.program.b2b import Transfers
from loyalka.program.models import Program
from loyalka.services.accounts import lock_accounts
from loyalka.services.events import Outcome
from loyalka.services.programs import ActiveProgram, active_program
from loyalka.services.redemption import spending_blocked, sweep_expired_holds
from loyalka.storage.ledger_store import Books, persist
from loyalka.storage.tables import AccountRow
from loyalka.storage.tables_exchange import TransferRow

TRANSFER_RULE = "transfer"  # the rule id the receiver's lots carry


def transfer_points(
    session: Session,
    *,
    key: str,
    sender: str,
    receiver: str,
    points: object,
    kind: str | None = None,
    now: datetime,
) -> Outcome:
    """Move ``points`` (text such as "1500", in points of the kind) from ``sender`` to ``receiver`` (account
    codes), now. ``kind`` may be left out when the program lets one kind be transferred.

    A transfer is not back-dated: it takes the points the sender can spend at the moment it is recorded."""
    validate_code(key, field="key")
    giver, taker = _account(session, sender, "from"), _account(session, receiver, "to")
    if giver.id == taker.id:
        raise RuleViolation("an account cannot transfer points to itself", code="transfer_to_self", field="to")
    if giver.program_id != taker.program_id:
        raise RuleViolation(
            f"{giver.code} and {taker.code} are members of different programs", code="different_programs", field="to"
        )
    program = active_program(session, giver.program_id)
    rules = program.rules
    transfers = _transfers(rules)
    kind = _kind(transfers, rules, kind)
    points_minor = parse_points(points, rules.point_kinds[kind].decimals, field="points")
    if points_minor <= 0:
        raise InvalidInput("points to transfer must be above zero", code="invalid_points", field="points")
    digest = _digest(giver.code, taker.code, kind, points_minor)
    known = _known(session, key, digest)
    if known is not None:
        return known
    locked = lock_accounts(session, [giver.id, taker.id])
    known = _known(session, key, digest)  # a repeat that ran while this one waited for the locks
    if known is not None:
        return known
    giver, taker = locked[giver.id], locked[taker.id]
    result = _move(session, program, transfers, giver, taker, kind, points_minor, key=key, now=now)
    session.add(
        TransferRow(
            request_key=key,
            request_hash=digest,
            program_id=program.program_id,
            from_account_id=giver.id,
            to_account_id=taker.id,
            kind=kind,
            points_minor=points_minor,
            occurred_at=now,
            recorded_at=now,
            result=result,
        )
    )
    try:
        session.flush()
    except IntegrityError as exc:  # the same key, used at the same moment for a transfer between other accounts
        raise Conflict(
            f"transfer key {key!r} was used for another transfer", code="idempotency_conflict", field="key"
        ) from exc
    return Outcome(key, False, result)


def _move(
    session: Session,
    program: ActiveProgram,
    transfers: Transfers,
    giver: AccountRow,
    taker: AccountRow,
    kind: str,
    points_minor: int,
    *,
    key: str,
    now: datetime,
) -> dict[str, Any]:
    """Check the limits on the locked accounts and write both sides to the ledger; returns the answer."""
    at = now
    rules = program.rules
    point_kind = rules.point_kinds[kind]
    check_party(transfers, giver.code, giver.status, giver.tags or (), field="from")
    check_party(transfers, taker.code, taker.status, taker.tags or (), field="to")
    sent = sent_this_month(session, rules, giver.id, kind, at)
    check_amount(transfers, point_kind, points_minor, sent)
    blocked = spending_blocked(session, giver, rules, at)
    if blocked:
        raise RuleViolation(f"{giver.code} cannot give points now: {blocked}", code="spending_blocked", field="from")
    sweep_expired_holds(session, [giver.id], now)  # a hold whose time ran out gives its points back first
    books = Books(session)
    book = books.get(giver.id)
    have = book.spendable(kind, at)
    if have < points_minor:
        raise InsufficientPoints(
            f"{giver.code} has {point_kind.format(have)} spendable points of {kind}, "
            f"fewer than the {point_kind.format(points_minor)} to transfer",
            field="points",
        )
    event_id = f"transfer:{key}"
    taken = book.debit(
        [kind],
        points_minor,
        at=at,
        event_id=event_id,
        type=EntryType.TRANSFER_OUT,
        reason=f"transfer to {taker.code}",
        oldest_first=rules.spending.lot_order == "oldest_first",
    )
    receiving = books.for_credit(taker.id)
    lots = []
    for lot, part in taken:
        piece = Lot(
            taker.id, kind, part, part, lot.available_from, lot.expires_at, event_id, TRANSFER_RULE, program.version_id
        )
        receiving.credit(piece, occurred_at=at, reason=f"transfer from {giver.code}", type=EntryType.TRANSFER_IN)
        lots.append(
            {
                "points": point_kind.format(part),
                "available_from": lot.available_from.isoformat(),
                "expires_at": lot.expires_at.isoformat() if lot.expires_at else None,
            }
        )
    persist(session, books.values(), recorded_at=now)
    left = month_left(transfers, point_kind, sent + points_minor)
    return {
        "type": "transfer",
        "key": key,
        "from": giver.code,
        "to": taker.code,
        "kind": kind,
        "points": point_kind.format(points_minor),
        "occurred_at": at.isoformat(),
        "lots": lots,
        "sent_this_month": point_kind.format(sent + points_minor),
        "left_this_month": None if left is None else point_kind.format(left),
    }


def sent_this_month(session: Session, rules: Program, account_id: int, kind: str, at: datetime) -> int:
    """Points of ``kind`` the account sent in the calendar month of ``at`` (the program's time zone)."""
    month = period_of(at, "month", rules.program.timezone)
    total = session.scalar(
        select(func.coalesce(func.sum(TransferRow.points_minor), 0)).where(
            TransferRow.from_account_id == account_id,
            TransferRow.kind == kind,
            TransferRow.occurred_at >= month.start,
            TransferRow.occurred_at < month.end,
        )
    )
    return int(total or 0)


def _account(session: Session, code: str, field: str) -> AccountRow:
    row = session.scalar(select(AccountRow).where(AccountRow.code == code))
    if row is None:
        raise NotFound(f"no account with code {code!r}", code="account_not_found", field=field)
    return row


def _transfers(rules: Program) -> Transfers:
    if rules.transfers is None:
        raise RuleViolation(
            "the program does not let members transfer points (no 'transfers' section)",
            code="transfers_not_offered",
            field="kind",
        )
    return rules.transfers


def _kind(transfers: Transfers, rules: Program, kind: str | None) -> str:
    allowed = ", ".join(transfers.kinds)
    if kind is None:
        if len(transfers.kinds) > 1:
            raise InvalidInput(f"name the kind of points to transfer: {allowed}", code="kind_required", field="kind")
        return transfers.kinds[0]
    if kind not in transfers.kinds:
        what = "not a point kind of the program" if kind not in rules.point_kinds else "not transferable"
        raise RuleViolation(
            f"points of kind {kind!r} are {what}; transferable: {allowed}", code="kind_not_transferable", field="kind"
        )
    return kind


def _digest(sender: str, receiver: str, kind: str, points_minor: int) -> str:
    payload = [sender, receiver, kind, points_minor]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def _known(session: Session, key: str, digest: str) -> Outcome | None:
    row = session.scalar(select(TransferRow).where(TransferRow.request_key == key))
    if row is None:
        return None
    if row.request_hash != digest:
        raise Conflict(
            f"transfer key {key!r} was used for another transfer; use a new key for a new transfer",
            code="idempotency_conflict",
            field="key",
        )
    return Outcome(key, True, row.result)


__all__ = ["sent_this_month", "transfer_points"]
