"""What an order earns: one accrual per matching rule, with its activation and expiry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from loyalka.domain.money import apply_rate
from loyalka.domain.periods import period_of
from loyalka.engine.views import AccountView, OrderView
from loyalka.program.conditions import evaluate
from loyalka.program.models import EarningRule, PointKind, Program


@dataclass(frozen=True, slots=True)
class Accrual:
    """Points an event earns under one rule; becomes a lot in the ledger."""

    kind: str
    amount_minor: int
    available_from: datetime
    expires_at: datetime | None
    rule_id: str


def earn_for_order(
    program: Program, account: AccountView, order: OrderView, *, base_minor: int | None = None
) -> list[Accrual]:
    """Accruals for an order. ``base_minor`` overrides the earning base (a return recomputes on the net sum)."""
    if account.status != "active":
        return []
    base = base_minor if base_minor is not None else earning_base(program, order.total_minor, order.points_paid_minor)
    accruals = []
    for rule in program.earning:
        if rule.event != "order" or order.total_minor < rule.min_order or base <= 0:
            continue
        if rule.when is not None and not evaluate(
            rule.when, {"order": order.as_condition_input(), "account": account.as_condition_input()}
        ):
            continue
        kind = program.point_kinds[rule.kind]
        amount = rule_amount(rule, kind, base)
        if amount > 0:
            accruals.append(
                Accrual(
                    rule.kind,
                    amount,
                    activation_time(kind, order.occurred_at, program.program.timezone),
                    expiry_time(kind, order.occurred_at, program.program.timezone),
                    rule.id,
                )
            )
    return accruals


def earning_base(program: Program, total_minor: int, points_paid_minor: int) -> int:
    return total_minor if program.spending.earn_on_points_paid else max(total_minor - points_paid_minor, 0)


def rule_amount(rule: EarningRule, kind: PointKind, base_minor: int) -> int:
    """Points (in the kind's minor units) that ``base_minor`` kopecks earn under ``rule``."""
    scale = Decimal(10**kind.decimals) / 100  # kopecks -> point minor units at 1 point per ruble
    if rule.amount.percent is not None:
        return apply_rate(base_minor, rule.amount.percent * scale, rule.amount.rounding)
    step = rule.amount.step
    assert step is not None
    return (base_minor // step.every) * step.points * 10**kind.decimals // 100


def activation_time(kind: PointKind, occurred_at: datetime, tz: str) -> datetime:
    act = kind.activation
    if act.after == "immediately":
        return occurred_at
    if act.after == "days":
        return occurred_at + timedelta(days=act.days or 0)
    return period_of(occurred_at, act.period, tz).end


def expiry_time(kind: PointKind, occurred_at: datetime, tz: str) -> datetime | None:
    exp = kind.expiry
    start = activation_time(kind, occurred_at, tz)
    if exp.after == "never":
        return None
    if exp.after == "end_of_period":
        return period_of(start, exp.period, tz).end
    if exp.after == "end_of_next_period":
        # earned in M: "the next period" is the one the points become spendable in when activation waits
        # for it, else the period after the one earned in
        earned = period_of(occurred_at, exp.period, tz)
        return earned.next().end
    if exp.after == "months":
        return start + relativedelta(months=exp.months or 0)
    return start + timedelta(days=exp.days or 0)
