"""Retroactive volume bonuses: at the close of the last month of a bonus's period (a quarter...), each member
whose net purchases of the period reach a bracket gets the bracket's rate on the whole of them, less what
the bonus's ``net_of_rules`` earned on the period's orders, less what the bonus credited already.

The points are a lot of event ``volume:<bonus>:<period>:<account id>``, credited once (``volume_awards``). A
return or a corrected document of an order of a closed period, and an order of a closed period that arrives
late (``volume_stage``, an ORDER_STAGES stage), recompute the award and post the difference: taken back from the bonus's lot first, then from other points of the kind; what was spent
already becomes a debt, as the program's ``returns.on_shortfall`` says.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalka.domain.periods import Period, enclosing, ends_period, period_of
from loyalka.engine.b2b import VolumeAward, volume_award
from loyalka.engine.earning import accrual
from loyalka.engine.orders import net_lines, stored_lines
from loyalka.ledger.book import Book, Lot
from loyalka.program.b2b import VolumeBonus
from loyalka.services.events import net_debt
from loyalka.services.programs import ActiveProgram, active_program
from loyalka.services.settlement import Change, Recovery, cut_own
from loyalka.services.stages import OrderStage, Posted
from loyalka.services.tiers import held_tier
from loyalka.storage.ledger_store import Books, persist
from loyalka.storage.tables import AccountRow, OrderRow, PeriodCloseRow
from loyalka.storage.tables_b2b import VolumeAwardRow

if TYPE_CHECKING:
    from loyalka.services.pipeline import CloseContext


def close_volume_bonuses(context: CloseContext) -> dict[str, Any]:
    """CLOSE_STEPS: award the bonuses whose period ends with the month being closed."""
    session, active = context.session, context.program
    summary: dict[str, Any] = {}
    for bonus in active.rules.volume_bonuses:
        if not ends_period(context.month, bonus.period):
            continue
        period = enclosing(context.month, bonus.period)
        members = session.scalars(
            select(AccountRow)
            .where(
                AccountRow.program_id == active.program_id,
                AccountRow.status == "active",
                AccountRow.joined_at < period.end,
            )
            .order_by(AccountRow.id)
        ).all()
        figures = period_figures(session, [m.id for m in members], bonus, period)
        books = Books(session)
        awarded, total = 0, 0
        for account in members:
            award = volume_award(active.rules, bonus, *figures.get(account.id, (0, 0)))
            change = apply_award(
                session, books, account, active, bonus, period, award, cause=None, at=period.end, now=context.now
            )
            if change is not None and change.points_minor > 0:
                awarded, total = awarded + 1, total + change.points_minor
        persist(session, books.values(), recorded_at=context.now)
        summary[bonus.id] = {
            "period": period.key,
            "accounts": awarded,
            "points": active.rules.points(bonus.kind, total),
        }
    return {"volume_bonuses": summary}


def period_figures(
    session: Session, account_ids: Iterable[int], bonus: VolumeBonus, period: Period
) -> dict[int, tuple[int, int]]:
    """account id -> (net purchases on the bonus's categories, points its ``net_of_rules`` earned) in ``period``."""
    ids = sorted(set(account_ids))
    figures: dict[int, tuple[int, int]] = {}
    for start in range(0, len(ids), 1000):
        rows = session.execute(
            select(
                OrderRow.account_id,
                OrderRow.total_minor,
                OrderRow.returned_minor,
                OrderRow.lines,
                OrderRow.returned_lines,
                OrderRow.earned,
            ).where(
                OrderRow.account_id.in_(ids[start : start + 1000]),
                OrderRow.occurred_at >= period.start,
                OrderRow.occurred_at < period.end,
            )
        )
        for account_id, total, returned, lines, returned_lines, earned in rows:
            net, by_rules = figures.get(account_id, (0, 0))
            net += _net(bonus, total, returned, lines, returned_lines)
            by_rules += sum(int((earned or {}).get(rule, 0)) for rule in bonus.net_of_rules)
            figures[account_id] = (net, by_rules)
    return figures


def _net(bonus: VolumeBonus, total: int, returned: int, lines: list[Any], returned_lines: dict[str, Any]) -> int:
    if bonus.categories is None:
        return total - returned
    kept = net_lines(stored_lines(lines or [], total), returned_lines or {})
    return sum(line.amount_minor for line in kept if line.category in bonus.categories)


def apply_award(
    session: Session,
    books: Books,
    account: AccountRow,
    program: ActiveProgram,
    bonus: VolumeBonus,
    period: Period,
    award: VolumeAward,
    *,
    cause: str | None,
    at: datetime,
    now: datetime,
) -> Change | None:
    """Bring what the bonus credited the account for ``period`` to ``award``; ``cause`` names the return or
    correction that changed it (None: the close)."""
    rules = program.rules
    row = session.scalar(
        select(VolumeAwardRow).where(
            VolumeAwardRow.account_id == account.id,
            VolumeAwardRow.bonus == bonus.id,
            VolumeAwardRow.period == period.key,
        )
    )
    before = row.points_minor if row is not None else 0
    diff = award.points_minor - before
    if diff == 0 and (row is None or row.net_minor == award.net_minor):
        return None
    if diff > 0 and account.status != "active":
        return None  # a client who left receives no new points (a later return may still take some back)
    lot_event = f"volume:{bonus.id}:{period.key}:{account.id}"
    reason = f"volume bonus {bonus.id} for {period.key} on {award.net_minor / 100:.2f} of net purchases"
    if diff > 0:
        made = accrual(rules, bonus.kind, diff, at, bonus.id, held_tier(rules, account))
        lot = Lot(
            account.id,
            bonus.kind,
            diff,
            diff,
            made.available_from,
            made.expires_at,
            lot_event,
            bonus.id,
            program.version_id,
        )
        book = books.for_credit(account.id)
        book.credit(lot, occurred_at=at, reason=reason, event_id=cause, corrects=lot_event if cause else None)
        debts = dict(account.debts or {})
        net_debt(book, debts, lot, event_id=cause or lot_event, at=at)
        account.debts = {k: v for k, v in debts.items() if v}
    change = Change(bonus.kind, bonus.id, diff, 0, rules.point_kinds[bonus.kind].decimals)
    if diff < 0:
        # the bonus's own lots first, as a return does to an order's (settlement.cut_own): what the client spent
        # of them beyond the new award is taken from its other points once every reduction of the event has cut
        # its own lots (settlement.Recovery); what expired or was forfeited unspent is not recovered
        assert row is not None
        book = books.get(account.id)
        entry = {"at": at, "event_id": cause or lot_event, "corrects": lot_event, "reason": reason}
        cut, spent = cut_own(session, book, lot_event, bonus.id, award.points_minor, row.recovered_minor, **entry)
        change.points_minor = -cut
        row.recovered_minor += spent
        recovery = books.recovery or Recovery()
        forgive = rules.returns.on_shortfall == "forgive"
        recovery.owe(account, bonus.kind, spent, forgive=forgive, change=change, rule_id=bonus.id, **entry)
        if books.recovery is None:
            recovery.collect(books.get)
    _store(session, row, account, bonus, period, award, lot_event, now)
    return change if diff else None


def _store(
    session: Session,
    row: VolumeAwardRow | None,
    account: AccountRow,
    bonus: VolumeBonus,
    period: Period,
    award: VolumeAward,
    lot_event: str,
    now: datetime,
) -> None:
    bracket = award.bracket.from_ if award.bracket is not None else None
    if row is None:
        row = VolumeAwardRow(
            account_id=account.id,
            bonus=bonus.id,
            period=period.key,
            event_id=lot_event,
            kind=bonus.kind,
            recovered_minor=0,
            awarded_at=now,
        )
        session.add(row)
    row.net_minor, row.bracket_minor, row.points_minor, row.updated_at = (
        award.net_minor,
        bracket,
        award.points_minor,
        now,
    )


def recompute_after_change(
    session: Session, books: Books, account: AccountRow, order: OrderRow, *, cause: str, at: datetime, now: datetime
) -> list[Change]:
    """A return or correction of ``order``: recompute the bonuses of the closed periods the order falls in."""
    program = active_program(session, account.program_id)
    tz = program.rules.program.timezone
    changes: list[Change] = []
    for bonus in program.rules.volume_bonuses:
        period = period_of(order.occurred_at, bonus.period, tz)
        if not _closed(session, program.program_id, period):
            continue
        figures = period_figures(session, [account.id], bonus, period).get(account.id, (0, 0))
        award = volume_award(program.rules, bonus, *figures)
        change = apply_award(session, books, account, program, bonus, period, award, cause=cause, at=at, now=now)
        if change is not None:
            changes.append(change)
    return changes


class VolumeStage(OrderStage):
    """Orders posted after the close of their bonus period (a document the ERP sent late) recompute that period's
    award once the batch's orders are stored, like a return or a correction would."""

    def __init__(self, session: Session, program: ActiveProgram, now: datetime) -> None:
        super().__init__(session, program, now)
        self.closed: dict[str, bool] = {}  # period key -> has its last month been closed
        self.late: dict[tuple[int, str, str], tuple[AccountRow, VolumeBonus, Period, str]] = {}

    def after(self, posted: Posted, books: dict[int, Book]) -> None:
        tz = self.rules.program.timezone
        for bonus in self.rules.volume_bonuses:
            period = period_of(posted.order.occurred_at, bonus.period, tz)
            if period.key not in self.closed:
                self.closed[period.key] = _closed(self.session, self.program.program_id, period)
            if self.closed[period.key]:
                key = (posted.account.id, bonus.id, period.key)
                self.late[key] = (posted.account, bonus, period, posted.order.event_id)

    def finish(self) -> None:
        if not self.late:
            return
        books = Books(self.session)
        for account, bonus, period, event_id in self.late.values():
            if account.joined_at is not None and account.joined_at >= period.end:
                continue  # like the close: only members who joined before the period ended
            figures = period_figures(self.session, [account.id], bonus, period).get(account.id, (0, 0))
            award = volume_award(self.rules, bonus, *figures)
            apply_award(
                self.session,
                books,
                account,
                self.program,
                bonus,
                period,
                award,
                cause=event_id,
                at=self.now,
                now=self.now,
            )
        persist(self.session, books.values(), recorded_at=self.now)


def volume_stage(session: Session, program: ActiveProgram, now: datetime) -> OrderStage | None:
    return VolumeStage(session, program, now) if program.rules.volume_bonuses else None


def _closed(session: Session, program_id: int, period: Period) -> bool:
    """Has the month that ends ``period`` been closed (so its bonus was awarded)?"""
    last = Period("month", period.year, period.first_month + period.months - 1, period.tz)
    found = session.scalar(
        select(PeriodCloseRow.id).where(PeriodCloseRow.program_id == program_id, PeriodCloseRow.period == last.key)
    )
    return found is not None


__all__ = ["apply_award", "close_volume_bonuses", "period_figures", "recompute_after_change", "volume_stage"]
