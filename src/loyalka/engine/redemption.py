"""How much of an order points may pay: the program's cap, the balance, the contact's rights."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from loyalka.program.models import PointKind, Program


@dataclass(frozen=True, slots=True)
class KindLimit:
    kind: str
    spendable_minor: int  # points the account can spend now
    cap_minor: int  # points the program's cap allows on this order
    max_points_minor: int  # what this kind may pay, in points
    max_money_minor: int  # ... and in money


@dataclass(frozen=True, slots=True)
class Quote:
    order_total_minor: int
    kinds: tuple[KindLimit, ...]
    max_money_minor: int  # the most of the order that points may pay, all kinds together
    reason: str | None = None  # why it is zero, when it is

    def for_kind(self, kind: str) -> KindLimit | None:
        return next((k for k in self.kinds if k.kind == kind), None)


def points_to_money(kind: PointKind, points_minor: int) -> int:
    return points_minor * kind.value_per_point // 10**kind.decimals


def money_to_points(kind: PointKind, money_minor: int) -> int:
    """The most points whose value does not exceed ``money_minor`` (rounding down)."""
    return int((Decimal(money_minor) * 10**kind.decimals / kind.value_per_point).to_integral_value(ROUND_DOWN))


def quote(
    program: Program,
    *,
    order_total_minor: int,
    spendable: dict[str, int],
    account_status: str,
    contact_allowance_minor: int | None,
) -> Quote:
    """The redemption limit of an order. ``contact_allowance_minor`` is what the contact may still spend this
    month in money (None = no limit); it is 0 for a contact without spending rights."""
    if account_status != "active":
        return Quote(order_total_minor, (), 0, reason=f"account is {account_status}")
    left_money = (
        order_total_minor if contact_allowance_minor is None else min(order_total_minor, contact_allowance_minor)
    )
    limits: list[KindLimit] = []
    total_money = 0
    for name in program.kind_order:
        kind = program.point_kinds[name]
        cap_money = int((Decimal(order_total_minor) * kind.redemption.max_order_share).to_integral_value(ROUND_DOWN))
        cap_points = money_to_points(kind, cap_money)
        have = spendable.get(name, 0)
        usable_points = min(have, cap_points, money_to_points(kind, left_money - total_money))
        usable_money = points_to_money(kind, usable_points)
        limits.append(KindLimit(name, have, cap_points, usable_points, usable_money))
        total_money += usable_money
    reason = None
    if total_money == 0:
        reason = "contact may not spend points" if contact_allowance_minor == 0 else "no spendable points"
    return Quote(order_total_minor, tuple(limits), total_money, reason)
