"""What an order earns: one accrual per matching rule (on the lines it looks at), with activation and expiry.

The same function answers for a new order, for an order recomputed after a return (on its net lines) and
for a corrected document (on its new lines), so the three can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from loyalka.domain.money import ROUNDING_MODES
from loyalka.domain.periods import period_of
from loyalka.engine.views import AccountView, OrderView
from loyalka.program.conditions import evaluate
from loyalka.program.models import EarningRule, PointKind, Program

FIRST_ORDER_RULE = "first_order"


@dataclass(frozen=True, slots=True)
class Accrual:
    """Points an event earns under one rule; becomes a lot in the ledger."""

    kind: str
    amount_minor: int
    available_from: datetime
    expires_at: datetime | None
    rule_id: str


def earn_for_order(program: Program, account: AccountView, order: OrderView) -> list[Accrual]:
    """Accruals for an order (nothing for an account that is not an active member)."""
    if account.status != "active":
        return []
    tz = program.program.timezone
    facts: dict[str, object] | None = None
    accruals = []
    for rule in program.earning:
        if rule.event != "order" or order.total_minor < rule.min_order:
            continue
        if rule.when is not None:
            if facts is None:
                local_date = order.occurred_at.astimezone(ZoneInfo(tz)).date()
                facts = {"order": order.as_condition_input(local_date), "account": account.as_condition_input()}
            if not evaluate(rule.when, facts):
                continue
        kind = program.point_kinds[rule.kind]
        amount = rule_amount(rule, kind, rule_base(program, rule, order), program.tier_multiplier(account.tier))
        if amount > 0:
            accruals.append(accrual(program, rule.kind, amount, order.occurred_at, rule.id, account.tier))
    return accruals + _first_order_top_up(program, account, order, accruals)


def _first_order_top_up(
    program: Program, account: AccountView, order: OrderView, accruals: list[Accrual]
) -> list[Accrual]:
    """The first order earns by the rules but at least the trigger's amount (while any of it is kept)."""
    trigger = program.triggers.first_order
    if trigger is None or not order.first_order or order.total_minor <= 0:
        return []
    kind = program.point_kinds[trigger.kind]
    earned = sum(a.amount_minor for a in accruals if a.kind == trigger.kind)
    missing = kind.units(trigger.at_least) - earned
    if missing <= 0:
        return []
    return [accrual(program, trigger.kind, missing, order.occurred_at, FIRST_ORDER_RULE, account.tier)]


def accrual(program: Program, kind_name: str, amount: int, at: datetime, rule_id: str, tier: str | None) -> Accrual:
    kind = program.point_kinds[kind_name]
    tz = program.program.timezone
    return Accrual(kind_name, amount, activation_time(kind, at, tz), expiry_time(kind, at, tz, tier), rule_id)


def rule_base(program: Program, rule: EarningRule, order: OrderView) -> int:
    """The money a rule earns on: its lines' amounts (or margins), less what points paid on them."""
    deduct_paid = not program.spending.earn_on_points_paid
    base = 0
    for index, line in enumerate(order.lines):
        if rule.categories is not None and line.category not in rule.categories:
            continue
        if line.promo and not rule.include_promo:
            continue
        value = line.amount_minor - (order.paid(index) if deduct_paid else 0)
        if rule.base == "margin":
            if line.cost_minor is None:
                continue  # no cost price sent: the line has no known margin and earns nothing under this rule
            value -= line.cost_minor
        base += max(value, 0)
    return base


def rule_amount(rule: EarningRule, kind: PointKind, base_minor: int, multiplier: Decimal = Decimal(1)) -> int:
    """Points (in the kind's minor units) that ``base_minor`` kopecks earn under ``rule``."""
    factor = multiplier if rule.tier_multiplier else Decimal(1)
    rounding = ROUNDING_MODES[rule.amount.rounding]
    if rule.amount.fixed is not None:
        raw = Decimal(kind.units(rule.amount.fixed)) * factor
    elif rule.amount.percent is not None:
        scale = Decimal(10**kind.decimals) / 100  # kopecks -> point minor units at 1 point per ruble
        raw = Decimal(base_minor) * rule.amount.percent * scale * factor
    else:
        step = rule.amount.step
        assert step is not None
        raw = Decimal((base_minor // step.every) * kind.units(step.points)) * factor
    return int(raw.quantize(Decimal(1), rounding=rounding))


def activation_time(kind: PointKind, occurred_at: datetime, tz: str) -> datetime:
    act = kind.activation
    if act.after == "immediately":
        return occurred_at
    if act.after == "days":
        return occurred_at + timedelta(days=act.days or 0)
    return period_of(occurred_at, act.period, tz).end


def expiry_time(kind: PointKind, occurred_at: datetime, tz: str, tier: str | None = None) -> datetime | None:
    exp = kind.expiry.for_tier(tier)
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
