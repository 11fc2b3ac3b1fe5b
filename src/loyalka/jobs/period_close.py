"""Closing a month: activate, expire, evaluate the stay threshold, grant benefits, rank leaderboards.

Closes go in order: a month closes only after it has ended and after every earlier month of the program
since its first activity. Closing a closed month again changes nothing and returns the first summary.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from loyalka.domain.periods import Period, enclosing, ends_period, parse_month, period_of
from loyalka.engine.close import MemberMonth, benefits_earned, leaderboard, leavers, rejoiners
from loyalka.engine.earning import FIRST_ORDER_RULE
from loyalka.errors import RuleViolation
from loyalka.ledger.book import EntryType
from loyalka.services.pipeline import CloseContext
from loyalka.services.programs import active_program, program_by_code
from loyalka.storage.ledger_store import load_books, persist
from loyalka.storage.tables import (
    AccountRow,
    BenefitGrantRow,
    HoldRow,
    LotRow,
    OrderRow,
    PeriodCloseRow,
    StandingRow,
)


def close_month(session: Session, month_key: str, *, now: datetime, program: str | None = None) -> dict[str, Any]:
    program_row = program_by_code(session, program)
    active = active_program(session, program_row.id)
    rules = active.rules
    month = parse_month(month_key, rules.program.timezone)
    done = session.scalar(
        select(PeriodCloseRow).where(PeriodCloseRow.program_id == program_row.id, PeriodCloseRow.period == month.key)
    )
    if done is not None:
        return {**done.summary, "already_closed": True}
    if month.end > now:
        raise RuleViolation(
            f"{month.key} has not ended yet (it ends {month.end.isoformat()})", code="period_not_ended", field="period"
        )
    _require_earlier_closed(session, program_row.id, month)
    event_id = f"close:{program_row.code}:{month.key}"
    account_ids = list(
        session.scalars(
            select(AccountRow.id)
            .where(AccountRow.program_id == program_row.id)
            .order_by(AccountRow.id)
            .with_for_update()
        )
    )
    _expire_holds(session, account_ids, month.end)
    activated = _activated(session, program_row.id, month)
    expired = _expire(session, program_row.id, month.end, event_id, now)
    members = _member_months(session, program_row.id, month, rules)
    returning = rejoiners(rules, _member_months(session, program_row.id, month, rules, status="left"))
    leaving = leavers(rules, members)
    forfeited = _leave(session, leaving, month, rules.membership.on_exit, event_id, now)
    _rejoin(session, returning)
    granted = _grant_benefits(session, benefits_earned(rules, members, set(leaving)), month)
    standings = _leaderboards(session, program_row.id, rules, month)
    extra = _close_steps(CloseContext(session, program_row, active, month, event_id, now))
    summary = {
        "period": month.key,
        "program": program_row.code,
        "program_version": active.version,
        "activated": _by_kind(rules, activated),
        "expired": _by_kind(rules, expired),
        "members_evaluated": len(members),
        "left_program": len(leaving),
        "rejoined": len(returning),
        "forfeited": _by_kind(rules, forfeited),
        "benefits": {k: len(v) for k, v in granted.items()},
        "leaderboards": standings,
        **extra,
    }
    session.add(PeriodCloseRow(program_id=program_row.id, period=month.key, closed_at=now, summary=summary))
    return {**summary, "already_closed": False}


def _close_steps(context: CloseContext) -> dict[str, Any]:
    from loyalka.services.pipeline import CLOSE_STEPS

    summary: dict[str, Any] = {}
    for step in CLOSE_STEPS:
        summary.update(step(context))
    return summary


def _require_earlier_closed(session: Session, program_id: int, month: Period) -> None:
    first = session.scalar(
        select(func.min(OrderRow.occurred_at))
        .join(AccountRow, AccountRow.id == OrderRow.account_id)
        .where(AccountRow.program_id == program_id)
    )
    joined = session.scalar(select(func.min(AccountRow.joined_at)).where(AccountRow.program_id == program_id))
    starts = [t for t in (first, joined) if t is not None]
    if not starts:
        return
    closed = set(session.scalars(select(PeriodCloseRow.period).where(PeriodCloseRow.program_id == program_id)))
    cursor = period_of(min(starts), "month", month.tz)
    while cursor.start < month.start:
        if cursor.key not in closed:
            raise RuleViolation(
                f"close {cursor.key} first: months close in order", code="earlier_period_open", field="period"
            )
        cursor = cursor.next()


def _expire_holds(session: Session, account_ids: list[int], at: datetime) -> None:
    from loyalka.services.redemption import sweep_expired_holds

    pending = set(
        session.scalars(select(HoldRow.account_id).where(HoldRow.status == "pending", HoldRow.expires_at <= at))
    )
    sweep_expired_holds(session, pending & set(account_ids), at)


def _by_kind(rules: Any, totals: dict[str, int]) -> dict[str, str]:
    """Totals by point kind as text, every kind of the program shown (zero when nothing happened)."""
    return {kind: rules.points(kind, int(totals.get(kind, 0))) for kind in rules.point_kinds}


def _activated(session: Session, program_id: int, month: Period) -> dict[str, int]:
    """Points that become spendable at the month's end (earned in it, waiting for the next month), by kind."""
    rows = session.execute(
        select(LotRow.kind, func.coalesce(func.sum(LotRow.remaining_minor), 0))
        .join(AccountRow, AccountRow.id == LotRow.account_id)
        .where(
            AccountRow.program_id == program_id,
            LotRow.closed.is_(False),
            LotRow.available_from > month.start,
            LotRow.available_from <= month.end,
        )
        .group_by(LotRow.kind)
    )
    return {kind: int(total) for kind, total in rows}


def _expire(session: Session, program_id: int, at: datetime, event_id: str, now: datetime) -> dict[str, int]:
    due = sorted(
        set(
            session.scalars(
                select(LotRow.account_id)
                .join(AccountRow, AccountRow.id == LotRow.account_id)
                .where(AccountRow.program_id == program_id, LotRow.closed.is_(False), LotRow.expires_at <= at)
            )
        )
    )
    total: dict[str, int] = defaultdict(int)
    for start in range(0, len(due), 1000):
        books = load_books(session, due[start : start + 1000])
        for book in books.values():
            for lot in [lt for lt in book.lots if lt.expired_at(at)]:
                total[lot.kind] += book.close_lots(
                    [lot], at=lot.expires_at or at, event_id=event_id, type=EntryType.EXPIRE, reason="expired"
                )
        persist(session, books.values(), recorded_at=now)
    return total


def _member_months(
    session: Session, program_id: int, month: Period, rules: Any, status: str = "active"
) -> list[MemberMonth]:
    """The month's figures of the program's accounts that have ``status`` (members, or those who left)."""
    kind_of, only_kind = _kinds_of_rules(rules), next(iter(rules.point_kinds)) if len(rules.point_kinds) == 1 else None
    rows = session.execute(
        select(AccountRow.id, AccountRow.joined_at, AccountRow.region, AccountRow.industry).where(
            AccountRow.program_id == program_id, AccountRow.status == status, AccountRow.joined_at < month.end
        )
    ).all()
    purchases: dict[int, int] = defaultdict(int)
    earned: dict[int, dict[str, int]] = defaultdict(dict)
    orders = session.execute(
        select(OrderRow.account_id, OrderRow.total_minor - OrderRow.returned_minor, OrderRow.earned)
        .join(AccountRow, AccountRow.id == OrderRow.account_id)
        .where(
            AccountRow.program_id == program_id, OrderRow.occurred_at >= month.start, OrderRow.occurred_at < month.end
        )
    )
    for account_id, net, by_rule in orders:
        purchases[account_id] += int(net)
        for rule, points in (by_rule or {}).items():
            kind = kind_of.get(rule, only_kind)  # a rule an earlier version of a one-kind program had: that kind
            if kind is not None:
                earned[account_id][kind] = earned[account_id].get(kind, 0) + int(points)
    members = []
    for account_id, joined_at, region, industry in rows:
        joined = period_of(joined_at, "month", month.tz)
        index = (month.year - joined.year) * 12 + month.index - joined.index
        members.append(MemberMonth(account_id, purchases[account_id], earned[account_id], index, region, industry))
    return members


def _kinds_of_rules(rules: Any) -> dict[str, str]:
    """Rule id -> the point kind it earns (an order's ``earned`` is kept by rule)."""
    kinds = {rule.id: rule.kind for rule in rules.earning}
    if rules.triggers.first_order is not None:
        kinds[FIRST_ORDER_RULE] = rules.triggers.first_order.kind
    return kinds


def _leave(
    session: Session, leaving: list[int], month: Period, on_exit: str, event_id: str, now: datetime
) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    if not leaving:
        return total
    accounts = session.scalars(select(AccountRow).where(AccountRow.id.in_(leaving)))
    for account in accounts:
        account.status, account.left_at = "left", month.end
        account.left_reason = f"purchases in {month.key} below the program's threshold"
    if on_exit != "forfeit":
        return total
    for start in range(0, len(leaving), 1000):
        books = load_books(session, leaving[start : start + 1000])
        for book in books.values():
            for lot in list(book.lots):
                total[lot.kind] += book.close_lots(
                    [lot],
                    at=month.end,
                    event_id=event_id,
                    type=EntryType.FORFEIT,
                    reason=f"left the program at the close of {month.key}",
                )
        persist(session, books.values(), recorded_at=now)
    return total


def _rejoin(session: Session, returning: list[int]) -> None:
    for account in session.scalars(select(AccountRow).where(AccountRow.id.in_(returning))) if returning else []:
        account.status, account.left_at, account.left_reason = "active", None, None


def _grant_benefits(session: Session, granted: dict[str, list[int]], month: Period) -> dict[str, list[int]]:
    following = month.next()
    rows = [
        {
            "account_id": a,
            "benefit": b,
            "period": month.key,
            "valid_from": following.start,
            "valid_until": following.end,
        }
        for b, accounts in granted.items()
        for a in accounts
    ]
    if rows:
        session.execute(insert(BenefitGrantRow.__table__), rows)
    return granted


def _leaderboards(session: Session, program_id: int, rules: Any, month: Period) -> dict[str, int]:
    written: dict[str, int] = {}
    for board in rules.leaderboards:
        if not ends_period(month, board.period):
            continue
        period = enclosing(month, board.period)
        group = {"region": AccountRow.region, "industry": AccountRow.industry}.get(board.group_by, AccountRow.region)
        totals = session.execute(
            select(OrderRow.account_id, group, func.sum(OrderRow.total_minor - OrderRow.returned_minor))
            .join(AccountRow, AccountRow.id == OrderRow.account_id)
            .where(
                AccountRow.program_id == program_id,
                AccountRow.status == "active",
                OrderRow.occurred_at >= period.start,
                OrderRow.occurred_at < period.end,
            )
            .group_by(OrderRow.account_id, group)
        ).all()
        standings = leaderboard(board, period, [(a, g, int(v)) for a, g, v in totals])
        if standings:
            session.execute(
                insert(StandingRow.__table__),
                [
                    {
                        "program_id": program_id,
                        "board": s.board,
                        "period": s.period,
                        "group_key": s.group,
                        "rank": s.rank,
                        "account_id": s.account_id,
                        "value_minor": s.value_minor,
                    }
                    for s in standings
                ],
            )
        written[board.id] = len(standings)
    return written
