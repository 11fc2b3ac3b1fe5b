"""The daily triggers of one program for one day: birthdays, anniversaries, inactivity, expiry reminders.

Each grant is an event of its own (``birthday:<contact>:<year>``, ``anniversary:<account>:<year>``,
``inactivity:<account>:<date the silence began>``), each message has a dedupe key, so a day run twice, or a
range caught up after a pause, credits and queues nothing twice. Grants are planned first, then every
account they credit is locked at once (in id order) and the plan carried out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import extract, func, or_, select
from sqlalchemy.orm import Session

from loyalka.engine.triggers import (
    day_bounds,
    format_date,
    is_anniversary,
    local_date,
    month_days_celebrated,
    silence_days,
)
from loyalka.program.engagement import TriggeredGrant
from loyalka.program.models import Program
from loyalka.services.accounts import lock_accounts
from loyalka.services.grants import grant_points
from loyalka.services.messages import queue_message
from loyalka.services.programs import ActiveProgram
from loyalka.services.stats import last_orders
from loyalka.storage.ledger_store import Books, persist
from loyalka.storage.tables import AccountRow, ContactRow, EventRow, LotRow

GRANT_TRIGGERS = ("birthday", "anniversary", "inactivity")


@dataclass(frozen=True, slots=True)
class Day:
    """One calendar day of one program, in the program's time zone."""

    session: Session
    program: ActiveProgram
    day: date
    now: datetime

    @property
    def rules(self) -> Program:
        return self.program.rules

    @property
    def tz(self) -> str:
        return self.rules.program.timezone

    @property
    def start(self) -> datetime:
        return day_bounds(self.day, self.tz)[0]

    @property
    def end(self) -> datetime:
        return day_bounds(self.day, self.tz)[1]


@dataclass(slots=True)
class Planned:
    """A grant a trigger owes an account on the day (carried out unless its event is recorded already)."""

    trigger: str  # birthday | anniversary | inactivity
    account_id: int
    event_id: str
    reason: str
    contact: ContactRow | None = None
    values: dict[str, Any] = field(default_factory=dict)  # placeholders of the message besides points, kind, date


def members(d: Day) -> list[AccountRow]:
    """The program's active members that had joined by the end of the day."""
    return list(
        d.session.scalars(
            select(AccountRow)
            .where(
                AccountRow.program_id == d.program.program_id,
                AccountRow.status == "active",
                AccountRow.joined_at < d.end,
            )
            .order_by(AccountRow.id)
        )
    )


def plan_birthdays(d: Day) -> list[Planned]:
    trigger = d.rules.triggers.birthday
    if trigger is None:
        return []
    dates = month_days_celebrated(d.day)
    query = (
        select(ContactRow)
        .join(AccountRow, AccountRow.id == ContactRow.account_id)
        .where(
            AccountRow.program_id == d.program.program_id,
            AccountRow.status == "active",
            AccountRow.joined_at < d.end,
            ContactRow.birthday.is_not(None),
            or_(
                *(
                    (extract("month", ContactRow.birthday) == month) & (extract("day", ContactRow.birthday) == day)
                    for month, day in dates
                )
            ),
        )
        .order_by(ContactRow.id)
    )
    if trigger.roles is not None:
        query = query.where(ContactRow.role.in_(trigger.roles))
    return [
        Planned(
            "birthday",
            contact.account_id,
            f"birthday:{contact.id}:{d.day.year}",
            f"birthday of {contact.name} ({d.day.year})"[:300],
            contact=contact,
        )
        for contact in d.session.scalars(query)
        if contact.birthday is not None and contact.birthday <= d.day
    ]


def plan_anniversaries(d: Day, accounts: list[AccountRow]) -> list[Planned]:
    trigger = d.rules.triggers.anniversary
    if trigger is None:
        return []
    planned = []
    for account in accounts:
        origin = account.founded_on if trigger.of == "founded" else local_date(account.joined_at, d.tz)
        if origin is None or not is_anniversary(origin, d.day):
            continue
        years = d.day.year - origin.year
        what = "founding" if trigger.of == "founded" else "joining the program"
        planned.append(
            Planned(
                "anniversary",
                account.id,
                f"anniversary:{account.id}:{d.day.year}",
                f"{years} year(s) since {what}",
                values={"years": years},
            )
        )
    return planned


def plan_inactivity(d: Day, accounts: list[AccountRow]) -> list[Planned]:
    """A wake-up for each member silent for ``after_days`` or more; the silence is named by the date it began
    (the last order's, or the joining date), so a new order starts a new one."""
    trigger = d.rules.triggers.inactivity
    if trigger is None or not accounts:
        return []
    last = last_orders(d.session, [a.id for a in accounts], before=d.end)
    planned = []
    for account in accounts:
        began = local_date(last.get(account.id, account.joined_at), d.tz)
        days = silence_days(began, d.day)
        if days >= trigger.after_days:
            planned.append(
                Planned(
                    "inactivity",
                    account.id,
                    f"inactivity:{account.id}:{began.isoformat()}",
                    f"no order since {began.isoformat()} ({days} days)",
                    values={"days": days},
                )
            )
    return planned


@dataclass(slots=True)
class Tally:
    """What one trigger did on the day."""

    granted: int = 0
    messages: int = 0
    points_minor: int = 0


def carry_out(d: Day, planned: list[Planned]) -> dict[str, dict[str, Any]]:
    """Credit every planned grant not recorded yet and queue its message; what each trigger did."""
    tallies = {name: Tally() for name in GRANT_TRIGGERS if getattr(d.rules.triggers, name) is not None}
    ids = [p.event_id for p in planned]
    known = set(d.session.scalars(select(EventRow.event_id).where(EventRow.event_id.in_(ids)))) if ids else set()
    todo = [p for p in planned if p.event_id not in known]
    accounts = lock_accounts(d.session, [p.account_id for p in todo]) if todo else {}
    books = Books(d.session)
    for plan in todo:
        account = accounts[plan.account_id]
        if account.status == "active":  # not one that left while the plan was made
            _grant(d, plan, account, books, tallies[plan.trigger])
    persist(d.session, books.values(), recorded_at=d.now)
    return {
        name: {
            "granted": tally.granted,
            "messages": tally.messages,
            "points": d.rules.points(getattr(d.rules.triggers, name).kind, tally.points_minor),
        }
        for name, tally in tallies.items()
    }


def _grant(d: Day, plan: Planned, account: AccountRow, books: Books, tally: Tally) -> None:
    trigger: TriggeredGrant = getattr(d.rules.triggers, plan.trigger)
    points_minor = d.rules.point_kinds[trigger.kind].units(trigger.points)
    outcome = grant_points(
        d.session,
        account=account,
        program=d.program,
        kind=trigger.kind,
        points_minor=points_minor,
        event_id=plan.event_id,
        event_type=plan.trigger,
        rule_id=plan.trigger,
        reason=plan.reason,
        at=d.start,
        now=d.now,
        books=books,
        details={"date": d.day.isoformat(), **({"contact": plan.contact.code} if plan.contact else {})},
    )
    if outcome.replayed:  # another run credited it after the plan was made
        return
    tally.granted += 1
    tally.points_minor += points_minor
    if trigger.message is not None:
        expires = outcome.result.get("expires_at")
        values = {**plan.values, "expires_at": datetime.fromisoformat(expires) if expires else None}
        tally.messages += _queue(
            d, account, trigger.message, plan.event_id, trigger.kind, points_minor, values, plan.contact
        )


def expiry_reminders(d: Day) -> dict[str, Any] | None:
    """One message per member, kind and expiry date for points expiring ``days_before`` days after the day
    (at least ``min_points`` of the kind); points already gone by ``now`` are not announced."""
    reminder = d.rules.triggers.expiry_reminder
    if reminder is None:
        return None
    target = d.day + timedelta(days=reminder.days_before)
    start, end = day_bounds(target, d.tz)
    rows = d.session.execute(
        select(LotRow.account_id, LotRow.kind, func.sum(LotRow.remaining_minor))
        .join(AccountRow, AccountRow.id == LotRow.account_id)
        .where(
            AccountRow.program_id == d.program.program_id,
            AccountRow.status == "active",
            LotRow.closed.is_(False),
            LotRow.remaining_minor > 0,
            LotRow.expires_at >= start,
            LotRow.expires_at < end,
            LotRow.expires_at > d.now,
        )
        .group_by(LotRow.account_id, LotRow.kind)
        .order_by(LotRow.account_id, LotRow.kind)
    ).all()
    due = [
        (account_id, kind, int(total))
        for account_id, kind, total in rows
        if kind in d.rules.point_kinds and int(total) >= d.rules.point_kinds[kind].units(reminder.min_points)
    ]
    accounts = _accounts(d.session, {account_id for account_id, _, _ in due})
    queued = 0
    for account_id, kind, total in due:
        key = f"expiry:{account_id}:{kind}:{target.isoformat()}"
        values = {"expires_at": start, "days": reminder.days_before}
        queued += _queue(d, accounts[account_id], reminder.message, key, kind, total, values, None)
    return {"expiring_on": target.isoformat(), "accounts": len({a for a, _, _ in due}), "messages": queued}


def _accounts(session: Session, ids: set[int]) -> dict[int, AccountRow]:
    if not ids:
        return {}
    return {row.id: row for row in session.scalars(select(AccountRow).where(AccountRow.id.in_(ids)))}


def _queue(
    d: Day,
    account: AccountRow,
    template: str,
    key: str,
    kind: str,
    points_minor: int,
    values: dict[str, Any],
    contact: ContactRow | None,
) -> int:
    """Queue a message about points of a kind; 1 when it is new, 0 when it was queued before."""
    lang = account.language or "ru"
    expires: datetime | None = values.pop("expires_at", None)
    filled = {
        "points": d.rules.points(kind, points_minor),
        "kind": d.rules.point_kinds[kind].name(lang),
        "date": format_date(local_date(expires, d.tz), lang) if expires else "",
        **values,
    }
    row = queue_message(
        d.session,
        rules=d.rules,
        program_id=d.program.program_id,
        template_id=template,
        account=account,
        dedupe_key=key,
        now=d.now,
        contact=contact,
        values=filled,
    )
    return 0 if row is None else 1


__all__ = ["Day", "carry_out", "expiry_reminders", "members", "plan_anniversaries", "plan_birthdays", "plan_inactivity"]
