"""What accounts bought over a stretch of time, net of returns: turnover, orders, the biggest order,
categories and skus. Tier criteria, segments and the daily triggers read these figures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalka.engine.orders import net_lines, stored_lines
from loyalka.storage.tables import OrderRow


@dataclass(slots=True)
class PurchaseStats:
    turnover_minor: int = 0  # net purchases (orders less returns)
    orders: int = 0  # orders with something left after returns
    max_order_minor: int = 0  # the biggest single order, net
    categories: set[str] = field(default_factory=set)  # categories of lines with something left
    skus: set[str] = field(default_factory=set)

    def add(self, net_total: int, categories: Iterable[str], skus: Iterable[str]) -> None:
        if net_total <= 0:
            return
        self.turnover_minor += net_total
        self.orders += 1
        self.max_order_minor = max(self.max_order_minor, net_total)
        self.categories.update(categories)
        self.skus.update(skus)


def purchase_stats(
    session: Session, account_ids: Iterable[int], *, since: datetime | None, until: datetime
) -> dict[int, PurchaseStats]:
    """Figures of each account's orders placed in [since, until) (since None: from the beginning)."""
    ids = sorted(set(account_ids))
    stats = {account_id: PurchaseStats() for account_id in ids}
    for start in range(0, len(ids), 1000):
        query = select(
            OrderRow.account_id, OrderRow.total_minor, OrderRow.returned_minor, OrderRow.lines, OrderRow.returned_lines
        ).where(OrderRow.account_id.in_(ids[start : start + 1000]), OrderRow.occurred_at < until)
        if since is not None:
            query = query.where(OrderRow.occurred_at >= since)
        for account_id, total, returned, lines, returned_lines in session.execute(query):
            if not lines:
                stats[account_id].add(total - returned, (), ())
                continue
            kept = [ln for ln in net_lines(stored_lines(lines, total), returned_lines or {}) if ln.amount_minor > 0]
            stats[account_id].add(
                total - returned, (ln.category for ln in kept if ln.category), (ln.sku for ln in kept)
            )
    return stats


def last_orders(session: Session, account_ids: Iterable[int], *, before: datetime) -> dict[int, datetime]:
    """Each account's latest order placed before ``before`` (accounts without one are absent)."""
    ids = sorted(set(account_ids))
    result: dict[int, datetime] = {}
    for start in range(0, len(ids), 1000):
        rows = session.execute(
            select(OrderRow.account_id, func.max(OrderRow.occurred_at))
            .where(OrderRow.account_id.in_(ids[start : start + 1000]), OrderRow.occurred_at < before)
            .group_by(OrderRow.account_id)
        )
        result.update({account_id: last for account_id, last in rows if last is not None})
    return result
