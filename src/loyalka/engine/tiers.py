"""Tier rules, pure: whether a criterion holds on an account's purchase figures, the highest level the
account qualifies for, its tier after an evaluation under the downgrade policy, and its progress to the
next level.

Figures are taken per window (``Window``): ``rolling_months: N`` at instant ``t`` is [t - N months, t);
``calendar: unit`` is from the start of the calendar period that holds the last instant before ``t`` up to
``t`` (evaluated at a close, ``t`` is the period's end, so "year to date" is the year just ended), both in
the program's time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from loyalka.domain.periods import period_of
from loyalka.program.tiers import Criterion, TierLevel, Tiers
from loyalka.program.types import Window

INSTANT = timedelta(microseconds=1)  # the smallest step of time: "just after an order"


class Figures(Protocol):
    """What an account bought in a window, net of returns (``services.stats.PurchaseStats`` is one)."""

    turnover_minor: int
    orders: int
    max_order_minor: int
    categories: set[str]
    skus: set[str]


FiguresByWindow = Mapping[Window, Figures]


@dataclass(frozen=True, slots=True)
class Purchase:
    """One order as the tier rules count it: its net total, and the categories and skus it holds."""

    occurred_at: datetime
    total_minor: int
    categories: frozenset[str] = frozenset()
    skus: frozenset[str] = frozenset()


@dataclass(slots=True)
class Tally:
    """Figures summed from purchases (the same arithmetic as ``services.stats.PurchaseStats``)."""

    turnover_minor: int = 0
    orders: int = 0
    max_order_minor: int = 0
    categories: set[str] = field(default_factory=set)
    skus: set[str] = field(default_factory=set)

    def add(self, purchase: Purchase) -> None:
        if purchase.total_minor <= 0:
            return
        self.turnover_minor += purchase.total_minor
        self.orders += 1
        self.max_order_minor = max(self.max_order_minor, purchase.total_minor)
        self.categories.update(purchase.categories)
        self.skus.update(purchase.skus)


# --- windows -------------------------------------------------------------------------------------------------
def window_start(window: Window, at: datetime, tz: str) -> datetime:
    """Where ``window`` begins when figures are taken at ``at`` (they cover [start, at))."""
    if window.rolling_months is not None:
        return at.astimezone(ZoneInfo(tz)) - relativedelta(months=window.rolling_months)
    assert window.calendar is not None
    return period_of(at - INSTANT, window.calendar, tz).start


def windows_of(tiers: Tiers) -> list[Window]:
    """Every distinct window the levels' criteria look at, in the order they appear."""
    found: list[Window] = []
    for level in tiers.levels:
        for window in level.qualify.windows() if level.qualify else ():
            if window not in found:
                found.append(window)
    return found


def tally(purchases: Iterable[Purchase], since: datetime, until: datetime) -> Tally:
    result = Tally()
    for purchase in purchases:
        if since <= purchase.occurred_at < until:
            result.add(purchase)
    return result


def figures_at(purchases: Sequence[Purchase], windows: Iterable[Window], at: datetime, tz: str) -> dict[Window, Tally]:
    """Each window's figures at ``at`` from an account's purchases."""
    return {w: tally(purchases, window_start(w, at, tz), at) for w in windows}


# --- criteria ------------------------------------------------------------------------------------------------
Metric = Literal["turnover", "single_purchase", "orders", "breadth", "all", "any"]


@dataclass(frozen=True, slots=True)
class Progress:
    """How far an account is on a criterion: for a leaf what it has and what it needs in its window; for
    ``all`` / ``any`` the parts. ``have`` and ``need`` are money minor units for turnover and single purchase,
    counts otherwise."""

    metric: Metric
    met: bool
    have: int = 0
    need: int = 0
    window: Window | None = None
    by: str | None = None  # breadth: "category" or "sku"
    parts: tuple[Progress, ...] = ()


def progress(criterion: Criterion, figures: FiguresByWindow) -> Progress:
    if criterion.all is not None:
        parts = tuple(progress(c, figures) for c in criterion.all)
        return Progress("all", all(p.met for p in parts), parts=parts)
    if criterion.any is not None:
        parts = tuple(progress(c, figures) for c in criterion.any)
        return Progress("any", any(p.met for p in parts), parts=parts)
    if criterion.turnover is not None:
        f = figures[criterion.turnover.window]
        return _leaf("turnover", f.turnover_minor, criterion.turnover.min, criterion.turnover.window)
    if criterion.single_purchase is not None:
        f = figures[criterion.single_purchase.window]
        return _leaf(
            "single_purchase", f.max_order_minor, criterion.single_purchase.min, criterion.single_purchase.window
        )
    if criterion.orders is not None:
        f = figures[criterion.orders.window]
        return _leaf("orders", f.orders, criterion.orders.min, criterion.orders.window)
    breadth = criterion.breadth
    assert breadth is not None
    f = figures[breadth.window]
    have = len(f.categories) if breadth.by == "category" else len(f.skus)
    return Progress("breadth", have >= breadth.min, have, breadth.min, breadth.window, breadth.by)


def _leaf(metric: Metric, have: int, need: int, window: Window) -> Progress:
    return Progress(metric, have >= need, have, need, window)


def holds(criterion: Criterion, figures: FiguresByWindow) -> bool:
    """Does the criterion hold on these figures (a sum or count at least the minimum; all / any of parts)?"""
    return progress(criterion, figures).met


def qualified_level(tiers: Tiers, figures: FiguresByWindow) -> TierLevel | None:
    """The highest level whose criterion holds (a level without one always does); None when none does."""
    for level in reversed(tiers.levels):
        if level.qualify is None or holds(level.qualify, figures):
            return level
    return None


def current_level(tiers: Tiers, tier_id: str | None) -> TierLevel | None:
    """The account's level: its stored tier, or the entry level when it has none (or one no longer defined)."""
    level = tiers.level(tier_id) if tier_id else None
    if level is not None:
        return level
    return tiers.level(tiers.entry) if tiers.entry else None


def next_level(tiers: Tiers, tier_id: str | None) -> TierLevel | None:
    """The level above the account's (None at the top)."""
    rank = tiers.rank(_id(current_level(tiers, tier_id)))
    return tiers.levels[rank] if rank < len(tiers.levels) else None


# --- evaluation at a period's close --------------------------------------------------------------------------
Outcome = Literal["upgraded", "kept", "downgraded"]


@dataclass(frozen=True, slots=True)
class Decision:
    """The account's tier after an evaluation. ``qualified`` says whether it qualified for that tier (then
    ``tier_qualified_at`` becomes the evaluation's instant); ``missed`` counts the evaluations since it last
    qualified for the tier it held (0 when it qualified now)."""

    tier: str | None
    outcome: Outcome
    qualified: bool
    missed: int = 0


def periods_missed(qualified_at: datetime | None, at: datetime, unit: str, tz: str, cap: int = 100) -> int:
    """How many evaluation periods ended in (qualified_at, at]: the evaluations since the account last
    qualified (an account that never did has missed more than any grace, ``cap``)."""
    if qualified_at is None:
        return cap
    period, count = period_of(qualified_at, unit, tz), 0
    while period.end <= at and count < cap:
        count += 1
        period = period.next()
    return count


def evaluate(
    tiers: Tiers,
    current: str | None,
    qualified: TierLevel | None,
    qualified_at: datetime | None,
    at: datetime,
    tz: str,
) -> Decision:
    """The tier after the evaluation at ``at`` (a period's end), for an account holding ``current`` that
    qualifies now for ``qualified``.

    Higher: upgrade. The same: keep, qualified again. Lower: the tier is kept while the evaluations missed
    since it last qualified are at most ``downgrade.keep_periods``; then it drops one level (``one_level``;
    ``qualified`` stays as it was unless the account qualifies for the level it lands on, so the next
    evaluation drops it again) or straight to the qualified level (``to_qualified``)."""
    held = current_level(tiers, current)
    held_rank, got_rank = tiers.rank(_id(held)), tiers.rank(_id(qualified))
    if got_rank > held_rank:
        return Decision(_id(qualified), "upgraded", True)
    if got_rank == held_rank:
        return Decision(_id(held), "kept", True)
    missed = periods_missed(qualified_at, at, tiers.evaluation.at, tz)
    if missed <= tiers.downgrade.keep_periods:
        return Decision(_id(held), "kept", False, missed)
    landed_rank = held_rank - 1 if tiers.downgrade.step == "one_level" else got_rank
    landed = tiers.levels[landed_rank - 1].id if landed_rank > 0 else None
    return Decision(landed, "downgraded", landed_rank == got_rank, missed)


def _id(level: TierLevel | None) -> str | None:
    return level.id if level is not None else None


# --- words ---------------------------------------------------------------------------------------------------
_CALENDAR = {
    "month": ("с начала месяца", "since the start of the month"),
    "quarter": ("с начала квартала", "since the start of the quarter"),
    "half_year": ("с начала полугодия", "since the start of the half-year"),
    "year": ("с начала года", "since the start of the year"),
}


def window_text(window: Window, lang: str) -> str:
    """ "over the last 12 months" / "за последние 12 месяцев"; "since the start of the year"."""
    if window.calendar is not None:
        ru, en = _CALENDAR[window.calendar]
        return en if lang == "en" else ru
    months = window.rolling_months or 0
    if months == 1:
        return "over the last month" if lang == "en" else "за последний месяц"
    if lang == "en":
        return f"over the last {months} months"
    return f"за последние {months} {_months_ru(months)}"


def _months_ru(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return "месяц"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return "месяца"
    return "месяцев"


__all__ = [
    "Decision",
    "Figures",
    "Progress",
    "Purchase",
    "Tally",
    "current_level",
    "evaluate",
    "figures_at",
    "holds",
    "next_level",
    "periods_missed",
    "progress",
    "qualified_level",
    "tally",
    "window_start",
    "window_text",
    "windows_of",
]
