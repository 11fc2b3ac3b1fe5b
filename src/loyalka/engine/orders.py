"""Pure arithmetic on an order's lines: what is left of them after returns, and which lines a return takes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from loyalka.domain.events import WHOLE_ORDER, OrderLine, ReturnLine
from loyalka.errors import InvalidInput


def line_to_dict(line: OrderLine) -> dict[str, Any]:
    return {
        "sku": line.sku,
        "category": line.category,
        "quantity": str(line.quantity),
        "amount": line.amount_minor,
        "promo": line.promo,
        "cost": line.cost_minor,
    }


def line_from_dict(data: Mapping[str, Any]) -> OrderLine:
    return OrderLine(
        sku=data["sku"],
        amount_minor=int(data["amount"]),
        category=data.get("category"),
        quantity=Decimal(str(data.get("quantity", "1"))),
        promo=bool(data.get("promo", False)),
        cost_minor=None if data.get("cost") is None else int(data["cost"]),
    )


def stored_lines(rows: Sequence[Mapping[str, Any]], total_minor: int) -> tuple[OrderLine, ...]:
    """The lines of a stored order; an order sent as a total only is one line of no category."""
    return tuple(line_from_dict(r) for r in rows) if rows else (OrderLine(WHOLE_ORDER, total_minor),)


def net_lines(lines: Sequence[OrderLine], returned: Mapping[str, int]) -> tuple[OrderLine, ...]:
    """The lines less what was returned of each (quantity and cost price shrink in proportion)."""
    result = []
    for line in lines:
        back = int(returned.get(line.sku, 0))
        if not back:
            result.append(line)
            continue
        left = max(line.amount_minor - back, 0)
        share = Decimal(left) / line.amount_minor if line.amount_minor else Decimal(0)
        cost = None if line.cost_minor is None else int(line.cost_minor * share)
        quantity = line.quantity * share if left else line.quantity
        result.append(replace(line, amount_minor=left, cost_minor=cost, quantity=quantity or line.quantity))
    return tuple(result)


def return_by_line(
    lines: Sequence[OrderLine], returned: Mapping[str, int], amount_minor: int, named: Sequence[ReturnLine]
) -> dict[str, int]:
    """How much of each line a return takes back: the lines it names, or its amount spread over what is left
    of every line in proportion (the remainder to the largest). Refuses more than is left."""
    left = {line.sku: line.amount_minor - int(returned.get(line.sku, 0)) for line in lines}
    if named:
        taken: dict[str, int] = {}
        for item in named:
            if item.sku not in left:
                raise InvalidInput(f"the order has no line {item.sku!r}", code="line_not_found", field="lines.sku")
            if item.amount_minor > left[item.sku]:
                raise InvalidInput(
                    f"the return of {item.amount_minor / 100:.2f} on line {item.sku!r} exceeds what is left of it "
                    f"({left[item.sku] / 100:.2f})",
                    code="return_exceeds_order",
                    field="lines.amount",
                )
            taken[item.sku] = item.amount_minor
        return taken
    remaining = sum(left.values())
    if amount_minor > remaining:
        raise InvalidInput(
            f"the return of {amount_minor / 100:.2f} exceeds what is left of the order ({remaining / 100:.2f})",
            code="return_exceeds_order",
            field="amount",
        )
    shares = {sku: amount_minor * value // remaining for sku, value in left.items()} if remaining else {}
    rest = amount_minor - sum(shares.values())
    for sku in sorted(left, key=lambda s: (-(amount_minor * left[s] % remaining) if remaining else 0, -left[s], s)):
        if rest == 0:
            break
        if shares[sku] < left[sku]:
            shares[sku] += 1
            rest -= 1
    return {sku: value for sku, value in shares.items() if value}
