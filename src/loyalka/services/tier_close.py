"""Evaluating tiers at the close of the month that ends an evaluation period (``tiers.evaluation.at``).

Every member is evaluated on its figures at the period's end: upgraded, kept (qualified again, or within the
grace of ``downgrade.keep_periods``) or downgraded. Accounts that left the program are not evaluated: their
tier stays as it was when they left. A close runs once per month, so its evaluation does too; each change
is recorded against the close's event id (unique per account).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from loyalka.domain.periods import enclosing, ends_period
from loyalka.engine.tiers import Decision, current_level, evaluate, qualified_level, windows_of
from loyalka.program.models import Program
from loyalka.services.tiers import announce, change_tier, window_figures
from loyalka.storage.tables import AccountRow

if TYPE_CHECKING:
    from loyalka.services.pipeline import CloseContext


def evaluate_tiers(context: CloseContext) -> dict[str, Any]:
    """The close step: {"tiers": {upgraded, downgraded, kept, in_grace, distribution}} in a month that ends
    an evaluation period; nothing otherwise."""
    rules = context.program.rules
    tiers = rules.tiers
    if tiers is None or not ends_period(context.month, tiers.evaluation.at):
        return {}
    at = context.month.end
    tz = rules.program.timezone
    period = enclosing(context.month, tiers.evaluation.at).key
    members = context.session.scalars(
        select(AccountRow)
        .where(
            AccountRow.program_id == context.program_row.id,
            AccountRow.status == "active",
            AccountRow.joined_at < at,
        )
        .order_by(AccountRow.id)
    ).all()
    figures = window_figures(context.session, [m.id for m in members], windows_of(tiers), at=at, tz=tz)
    counts = {"upgraded": 0, "downgraded": 0, "kept": 0, "in_grace": 0}
    for account in members:
        qualified = qualified_level(tiers, figures[account.id])
        decision = evaluate(tiers, account.tier, qualified, account.tier_qualified_at, at, tz)
        _apply(context, rules, account, decision, at, period)
        counts[decision.outcome] += 1
        counts["in_grace"] += decision.outcome == "kept" and not decision.qualified
    distribution = dict.fromkeys((level.id for level in tiers.levels), 0)
    for account in members:
        if account.tier in distribution:
            distribution[account.tier] += 1
    return {"tiers": {"period": period, **counts, "distribution": distribution}}


def _apply(
    context: CloseContext, rules: Program, account: AccountRow, decision: Decision, at: datetime, period: str
) -> None:
    assert rules.tiers is not None
    held = current_level(rules.tiers, account.tier)
    if decision.tier == account.tier:
        if decision.qualified:
            account.tier_qualified_at = at
        return
    moved = decision.tier != (held.id if held else None)  # not only a missing tier filled with the entry level
    change_tier(
        context.session,
        account,
        decision.tier,
        at=at,
        reason=_reason(decision) if moved else "entry",
        event_id=context.event_id,
        now=context.now,
        note=_note(decision, period),
        qualified=decision.qualified,
    )
    if moved:
        announce(context.session, rules, account, decision.tier, event_id=context.event_id, now=context.now)


def _reason(decision: Decision) -> str:
    return "qualified_at_close" if decision.outcome == "upgraded" else "not_qualified"


def _note(decision: Decision, period: str) -> str:
    if decision.outcome == "downgraded":
        return f"evaluated at the close of {period}: not qualified at {decision.missed} evaluation(s) in a row"
    return f"evaluated at the close of {period}"
