"""Pure rules of B2B terms: what an invoice's payments release, when an invoice is overdue, what a payment or
an activity earns, what a volume bonus pays. No I/O: the services read the figures and write the results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction

from loyalka.engine.earning import Accrual, accrual, rule_amount
from loyalka.engine.views import AccountView
from loyalka.program.b2b import Bracket, VolumeBonus
from loyalka.program.conditions import evaluate
from loyalka.program.models import EarningRule, Program


@dataclass(frozen=True, slots=True)
class InvoiceState:
    """An invoice's figures: billed (as sent), returned (by returns of its orders), paid."""

    ref: str
    due_on: date
    billed_minor: int
    returned_minor: int
    paid_minor: int

    @property
    def owed_minor(self) -> int:
        """What the client owes for what it kept: a return is a credit note against the invoice."""
        return max(self.billed_minor - self.returned_minor, 0)

    @property
    def left_minor(self) -> int:
        return max(self.owed_minor - self.paid_minor, 0)

    @property
    def share(self) -> Fraction:
        """The paid share of what is owed, at most 1 (everything returned: 1, there is nothing to wait for)."""
        if self.paid_minor >= self.owed_minor:
            return Fraction(1)
        return Fraction(self.paid_minor, self.owed_minor)

    @property
    def status(self) -> str:
        if self.left_minor == 0:
            return "paid"
        return "partial" if self.paid_minor else "open"


def overdue_since(due_on: date, grace_days: int) -> date:
    """The first day an unpaid invoice counts as overdue."""
    return due_on + timedelta(days=grace_days + 1)


def first_overdue(invoices: Iterable[InvoiceState], today: date, grace_days: int) -> InvoiceState | None:
    """The unpaid invoice overdue the longest on ``today`` (a local date), or None."""
    late = [inv for inv in invoices if inv.left_minor > 0 and today >= overdue_since(inv.due_on, grace_days)]
    return min(late, key=lambda inv: (inv.due_on, inv.ref)) if late else None


def released(full: Mapping[str, int], share: Fraction) -> dict[str, int]:
    """What of each rule's full target may be credited at a paid ``share``: rounded down."""
    return {rule: int(amount * share) for rule, amount in full.items() if int(amount * share) > 0}


def payment_facts(amount_minor: int, paid_on: date, invoice: InvoiceState) -> dict[str, object]:
    """What a payment rule's ``when`` sees as ``payment`` (money in kopecks, ``invoice`` after this payment)."""
    return {
        "amount": amount_minor,
        "days_early": (invoice.due_on - paid_on).days,  # negative: that many days late
        "invoice_total": invoice.owed_minor,
        "share": float(invoice.share),  # for conditions only, never for amounts
        "full": invoice.left_minor == 0,
        "invoice_id": invoice.ref,
    }


def activity_facts(activity_type: str, contact_id: int | None) -> dict[str, object]:
    """What an activity rule's ``when`` sees as ``activity``."""
    return {"type": activity_type, "contact_id": contact_id or 0}


@dataclass(frozen=True, slots=True)
class EventEarning:
    accruals: list[Accrual]
    notes: list[str]


def earn_for_event(
    program: Program,
    account: AccountView,
    *,
    event: str,
    facts: Mapping[str, object],
    at: datetime,
    base_minor: int = 0,
    activity: str | None = None,
    used: Mapping[str, int] | None = None,
) -> EventEarning:
    """Accruals of the ``payment`` or ``activity`` rules for one event. ``used``: accruals each limited rule
    already made in the current limit period (a rule at its limit earns nothing and says so)."""
    if account.status != "active":
        return EventEarning([], [f"the account is {account.status}, not a member: it earns nothing"])
    condition_input = {event: dict(facts), "account": account.as_condition_input()}
    accruals: list[Accrual] = []
    notes: list[str] = []
    for rule in program.earning:
        if rule.event != event or (activity is not None and activity not in (rule.activities or ())):
            continue
        if rule.when is not None and not evaluate(rule.when, condition_input):
            continue
        if rule.limit is not None and (used or {}).get(rule.id, 0) >= rule.limit.count:
            notes.append(_limit_note(rule))
            continue
        kind = program.point_kinds[rule.kind]
        amount = rule_amount(rule, kind, base_minor, program.tier_multiplier(account.tier))
        if amount > 0:
            accruals.append(accrual(program, rule.kind, amount, at, rule.id, account.tier))
    return EventEarning(accruals, notes)


_PER = {"month": "a month", "quarter": "a quarter", "half_year": "a half-year", "year": "a year"}


def _limit_note(rule: EarningRule) -> str:
    assert rule.limit is not None
    times = "once" if rule.limit.count == 1 else f"{rule.limit.count} times"
    return f"rule {rule.id!r} earns at most {times} {_PER[rule.limit.period]}; that limit is reached"


@dataclass(frozen=True, slots=True)
class VolumeAward:
    net_minor: int
    bracket: Bracket | None
    points_minor: int  # the bonus the period earns in all (before what was credited already)


def volume_award(program: Program, bonus: VolumeBonus, net_minor: int, earned_by_rules_minor: int) -> VolumeAward:
    """The highest bracket ``net_minor`` reaches applies its rate to the whole of it, less what the bonus's
    ``net_of_rules`` earned on the same purchases (never below zero)."""
    reached = [b for b in bonus.brackets if net_minor >= b.from_]
    if not reached:
        return VolumeAward(net_minor, None, 0)
    bracket = reached[-1]
    kind = program.point_kinds[bonus.kind]
    scale = Decimal(10**kind.decimals) / 100  # kopecks -> the kind's minor units at 1 point per ruble
    gross = int((Decimal(net_minor) * bracket.percent * scale).to_integral_value(rounding=ROUND_FLOOR))
    return VolumeAward(net_minor, bracket, max(gross - earned_by_rules_minor, 0))


__all__ = [
    "EventEarning",
    "activity_facts",
    "InvoiceState",
    "VolumeAward",
    "earn_for_event",
    "first_overdue",
    "overdue_since",
    "payment_facts",
    "released",
    "volume_award",
]
