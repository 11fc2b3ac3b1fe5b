"""How much of an order points may pay: the caps of each kind and of all kinds together (each on the lines
it counts), promotional lines never, the balance, the contact's rights; and which lines the points paid."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from loyalka.domain.events import OrderLine
from loyalka.program.models import PointKind, Program


@dataclass(frozen=True, slots=True)
class KindLimit:
    kind: str
    spendable_minor: int  # points the account can spend now
    cap_minor: int  # points the program's cap allows on this order
    max_points_minor: int  # what this kind may pay, in points
    max_money_minor: int  # ... and in money
    decimals: int = 2  # the kind's


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


def payable(lines: Sequence[OrderLine], categories: list[str] | None) -> list[int]:
    """Indexes of the lines points may pay under a cap: never promotional ones; only the given categories."""
    return [i for i, line in enumerate(lines) if not line.promo and (categories is None or line.category in categories)]


def _share(lines: Sequence[OrderLine], indexes: list[int], rate: Decimal) -> int:
    return int((Decimal(sum(lines[i].amount_minor for i in indexes)) * rate).to_integral_value(ROUND_DOWN))


def quote(
    program: Program,
    *,
    lines: Sequence[OrderLine],
    spendable: dict[str, int],
    account_status: str,
    contact_allowance_minor: int | None,
    blocked: str | None = None,
) -> Quote:
    """The redemption limit of an order. ``contact_allowance_minor`` is what the contact may still spend this
    month in money (None = no limit; 0 for a contact without spending rights); ``blocked`` says why the
    account may not spend at all now (an overdue invoice...)."""
    total = sum(line.amount_minor for line in lines)
    if account_status != "active":
        return Quote(total, (), 0, reason=f"account is {account_status}")
    if blocked:
        return Quote(total, (), 0, reason=blocked)
    overall = min(
        _share(lines, payable(lines, program.spending.categories), program.spending.max_order_share),
        _share(lines, payable(lines, None), Decimal(1)),
    )
    if contact_allowance_minor is not None:
        overall = min(overall, contact_allowance_minor)
    limits: list[KindLimit] = []
    used = 0
    for name in program.kind_order:
        kind = program.point_kinds[name]
        cap_money = _share(lines, payable(lines, kind.redemption.categories), kind.redemption.max_order_share)
        cap_points = money_to_points(kind, cap_money)
        have = spendable.get(name, 0)
        usable_points = min(have, cap_points, money_to_points(kind, overall - used))
        usable_money = points_to_money(kind, usable_points)
        limits.append(KindLimit(name, have, cap_points, usable_points, usable_money, kind.decimals))
        used += usable_money
    reason = None
    if used == 0:
        reason = "contact may not spend points" if contact_allowance_minor == 0 else "no spendable points"
    return Quote(total, tuple(limits), used, reason)


def cap_of(program: Program, lines: Sequence[OrderLine], kinds: Iterable[str] | None = None) -> int:
    """The most of an order that points (of ``kinds``, default all) may pay whatever the balance: the caps only."""
    wanted = set(program.point_kinds if kinds is None else kinds)
    return quote(
        program,
        lines=lines,
        spendable={k: 10**15 for k in program.point_kinds if k in wanted},
        account_status="active",
        contact_allowance_minor=None,
    ).max_money_minor


def allocate(program: Program, lines: Sequence[OrderLine], paid_by_kind: dict[str, int]) -> tuple[int, ...]:
    """Which lines the points paid: each kind's money spread over the lines its cap counts, in proportion to
    their amounts (the remainder to the largest lines), so the part of a line paid with points earns nothing."""
    paid = [0] * len(lines)
    for name, money in paid_by_kind.items():
        kind = program.point_kinds.get(name)
        indexes = payable(lines, kind.redemption.categories if kind else None) or payable(lines, None)
        if not indexes:
            indexes = list(range(len(lines)))
        _spread(lines, indexes, money, paid)
    return tuple(paid)


def _spread(lines: Sequence[OrderLine], indexes: list[int], money: int, into: list[int]) -> None:
    room = {i: max(lines[i].amount_minor - into[i], 0) for i in indexes}
    total = sum(room.values())
    if money <= 0 or total <= 0:
        return
    money = min(money, total)
    shares = {i: money * room[i] // total for i in indexes}
    left = money - sum(shares.values())
    for i in sorted(indexes, key=lambda i: (-(money * room[i] % total), -room[i], i)):
        if left == 0:
            break
        if shares[i] < room[i]:
            shares[i] += 1
            left -= 1
    for i, share in shares.items():
        into[i] += share
