"""Immediate upgrades: an order that lifts its account's figures over a higher level's criterion upgrades
the account before the order earns (``tiers.evaluation.upgrade: immediately``).

The stage loads the batch's accounts' orders once (one query per thousand accounts, over the widest window
any criterion looks at) and adds each order of the batch in memory, so a batch of a thousand orders costs a
query or two whatever its accounts. Only upgrades happen here: a return never takes back an upgrade given,
and a downgrade waits for the close that ends an evaluation period (``tier_close``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from loyalka.domain.events import OrderIn, OrderLine
from loyalka.engine.tiers import (
    INSTANT,
    Figures,
    Purchase,
    current_level,
    figures_at,
    progress,
    qualified_level,
    window_start,
    windows_of,
)
from loyalka.engine.views import OrderView
from loyalka.program.tiers import Criterion, TierLevel
from loyalka.program.types import Window
from loyalka.services.events import CLOCK_SKEW
from loyalka.services.programs import ActiveProgram
from loyalka.services.stages import OrderStage, Verdict
from loyalka.services.tiers import announce, change_tier, order_purchase, progress_view, purchases_of
from loyalka.storage.tables import AccountRow


def tier_stage(session: Session, program: ActiveProgram, now: datetime) -> TierStage | None:
    """The stage for a program with tiers; None (no cost at all) for a program without."""
    if program.rules.tiers is None:
        return None
    return TierStage(session, program, now)


class TierStage(OrderStage):
    def __init__(self, session: Session, program: ActiveProgram, now: datetime) -> None:
        super().__init__(session, program, now)
        tiers = program.rules.tiers
        assert tiers is not None
        self.tiers = tiers
        self.tz = program.rules.program.timezone
        self.windows = windows_of(tiers)
        self.immediate = tiers.evaluation.upgrade == "immediately"
        self.with_lines = any(_has_breadth(level.qualify) for level in tiers.levels)
        self.purchases: dict[int, list[Purchase]] = {}  # account id -> its orders in the windows, this batch's too
        self.upgraded: dict[int, tuple[AccountRow, str]] = {}  # account id -> (account, the last upgrade's event)

    def prepare(self, orders: Sequence[tuple[AccountRow, OrderIn]]) -> None:
        wanted = [(a, o) for a, o in orders if self._may_upgrade(a)]
        if not wanted or not self.windows:
            return
        first = min(o.occurred_at for _, o in wanted) + INSTANT
        last = max(o.occurred_at for _, o in wanted) + INSTANT
        since = min(window_start(w, first, self.tz) for w in self.windows)
        ids = {a.id for a, _ in wanted} - set(self.purchases)
        self.purchases.update(purchases_of(self.session, ids, since=since, until=last, with_lines=self.with_lines))

    def before(self, account: AccountRow, order: OrderIn, view: OrderView, verdict: Verdict) -> None:
        verdict.tier = _held(self, account)  # a member without a tier holds the entry level
        found = self.upgrade_by(account, order.occurred_at, order.lines, order.total_minor)
        if found is None:
            return
        reached, why = found
        change_tier(
            self.session,
            account,
            reached.id,
            at=order.occurred_at,
            reason="qualified_on_order",
            event_id=order.event_id,
            now=self.now,
            note=why,
        )
        self.upgraded[account.id] = (account, order.event_id)
        if self.tiers.evaluation.upgrade_includes_trigger:
            verdict.tier = reached.id
            verdict.notes.append(
                f"tier upgraded to {reached.id} by this order ({why}); the order earns at {reached.id}"
            )
        else:
            verdict.notes.append(f"tier upgraded to {reached.id} by this order ({why}); it applies from the next order")

    def upgrade_by(
        self, account: AccountRow, at: datetime, lines: tuple[OrderLine, ...], total_minor: int
    ) -> tuple[TierLevel, str] | None:
        """The higher level an order at ``at`` lifts the account to at once, with the criteria it meets in words;
        None when it lifts it to none. Writes nothing (the order preview asks too); the order joins the
        account's purchases this stage counts."""
        if not self._may_upgrade(account):
            return None
        purchases = self._purchases_of(account, at)
        purchases.append(order_purchase(at, lines, total_minor, self.with_lines))
        figures = figures_at(purchases, self.windows, at + INSTANT, self.tz)
        reached = qualified_level(self.tiers, figures)
        if reached is None or self.tiers.rank(reached.id) <= self.tiers.rank(_held(self, account)):
            return None
        return reached, _why(reached, figures, self.program.rules.program.currency)

    def finish(self) -> None:
        """One message per upgraded account: its final tier of the batch."""
        for account, event_id in self.upgraded.values():
            announce(self.session, self.program.rules, account, account.tier, event_id=event_id, now=self.now)

    def _may_upgrade(self, account: AccountRow) -> bool:
        if not self.immediate or account.status != "active":
            return False
        return self.tiers.rank(_held(self, account)) < len(self.tiers.levels)

    def _purchases_of(self, account: AccountRow, at: datetime) -> list[Purchase]:
        """The account's purchases, loaded now if ``prepare`` did not (a caller that posts one by one)."""
        if account.id not in self.purchases:
            since = min(window_start(w, at + INSTANT, self.tz) for w in self.windows)
            until = max(at, self.now) + CLOCK_SKEW  # every stored order, however late in the batch it is checked
            self.purchases.update(
                purchases_of(self.session, [account.id], since=since, until=until, with_lines=self.with_lines)
            )
        return self.purchases[account.id]


def _held(stage: TierStage, account: AccountRow) -> str | None:
    level = current_level(stage.tiers, account.tier)
    return level.id if level else None


def _has_breadth(criterion: Criterion | None) -> bool:
    if criterion is None:
        return False
    return criterion.breadth is not None or any(_has_breadth(c) for c in (criterion.all or criterion.any or []))


def _why(level: TierLevel, figures: Mapping[Window, Figures], currency: str) -> str:
    """The criteria met, in words: "single purchase 520000.00 of 500000.01 RUB over the last 12 months"."""
    assert level.qualify is not None
    shown = progress_view(progress(level.qualify, figures), currency)
    return "; ".join(_met_texts(shown))


def _met_texts(view: Mapping[str, Any]) -> list[str]:
    if not view["parts"]:
        return [view["text"]] if view["met"] else []
    return [text for part in view["parts"] for text in _met_texts(part)]
