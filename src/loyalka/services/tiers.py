"""Tiers in storage: an account's entry level, recording a change (account row, history, message), the
purchase figures the rules read, and the tier as the account card shows it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalka.domain.money import format_minor
from loyalka.engine.orders import net_lines, stored_lines
from loyalka.engine.tiers import (
    Figures,
    Progress,
    Purchase,
    current_level,
    next_level,
    progress,
    window_start,
    window_text,
)
from loyalka.program.models import Program
from loyalka.program.tiers import TierLevel
from loyalka.program.types import Window
from loyalka.services.messages import queue_message
from loyalka.services.programs import active_program
from loyalka.services.stats import PurchaseStats, purchase_stats
from loyalka.storage.tables import AccountRow, OrderRow
from loyalka.storage.tables_tiers import TierChangeRow


def held_tier(rules: Program, account: AccountRow) -> str | None:
    """The level the account holds as the rules see it: its stored tier, or the entry level for a member with
    none stored yet (it joined before the program had tiers); the stored tier in a program without tiers."""
    if rules.tiers is None:
        return account.tier
    level = current_level(rules.tiers, account.tier)
    return level.id if level else None


# --- changes -------------------------------------------------------------------------------------------------
def enter_tiers(session: Session, account: AccountRow, *, now: datetime) -> None:
    """A new member of a program whose lowest level has no criterion holds that level from joining."""
    rules = active_program(session, account.program_id).rules
    entry = rules.tiers.entry if rules.tiers else None
    if entry is None:
        return
    change_tier(session, account, entry, at=now, reason="joined", event_id="joined", now=now)


def change_tier(
    session: Session,
    account: AccountRow,
    tier: str | None,
    *,
    at: datetime,
    reason: str,
    event_id: str,
    now: datetime,
    note: str | None = None,
    qualified: bool = True,
) -> None:
    """Move the account to ``tier`` from ``at`` and keep the change in its history (``qualified``: the
    account qualifies for it, so its grace before a downgrade counts from ``at``)."""
    session.add(
        TierChangeRow(
            account_id=account.id,
            program_id=account.program_id,
            from_tier=account.tier,
            to_tier=tier,
            changed_at=at,
            recorded_at=now,
            reason=reason,
            event_id=event_id,
            note=note[:300] if note else None,
        )
    )
    account.tier, account.tier_since = tier, at
    if qualified:
        account.tier_qualified_at = at


def announce(
    session: Session, rules: Program, account: AccountRow, tier: str | None, *, event_id: str, now: datetime
) -> None:
    """Queue the program's tier-change message (once per account and event)."""
    template = rules.triggers.tier_change_message
    level = rules.tiers.level(tier) if rules.tiers and tier else None
    if template is None or level is None:
        return
    queue_message(
        session,
        rules=rules,
        program_id=account.program_id,
        template_id=template,
        account=account,
        dedupe_key=f"tier:{account.id}:{event_id}",
        now=now,
        values={"tier": level.name(account.language or "ru")},
    )


# --- figures -------------------------------------------------------------------------------------------------
def window_figures(
    session: Session, account_ids: Iterable[int], windows: Iterable[Window], *, at: datetime, tz: str
) -> dict[int, dict[Window, PurchaseStats]]:
    """Each account's figures in each window at ``at``: one query per window (per thousand accounts)."""
    ids = sorted(set(account_ids))
    found: dict[int, dict[Window, PurchaseStats]] = {account_id: {} for account_id in ids}
    for window in windows:
        stats = purchase_stats(session, ids, since=window_start(window, at, tz), until=at)
        for account_id, figures in stats.items():
            found[account_id][window] = figures
    return found


def purchases_of(
    session: Session, account_ids: Iterable[int], *, since: datetime, until: datetime, with_lines: bool
) -> dict[int, list[Purchase]]:
    """Each account's orders placed in [since, until), net of returns, one by one (categories and skus only
    when ``with_lines``: an assortment criterion needs them)."""
    ids = sorted(set(account_ids))
    found: dict[int, list[Purchase]] = {account_id: [] for account_id in ids}
    columns = [OrderRow.account_id, OrderRow.occurred_at, OrderRow.total_minor, OrderRow.returned_minor]
    if with_lines:
        columns += [OrderRow.lines, OrderRow.returned_lines]
    for start in range(0, len(ids), 1000):
        rows = session.execute(
            select(*columns).where(
                OrderRow.account_id.in_(ids[start : start + 1000]),
                OrderRow.occurred_at >= since,
                OrderRow.occurred_at < until,
            )
        )
        for row in rows:
            found[row.account_id].append(_purchase(row, with_lines))
    return found


def _purchase(row: Any, with_lines: bool) -> Purchase:
    net = int(row.total_minor) - int(row.returned_minor)
    if not with_lines or not row.lines:
        return Purchase(row.occurred_at, net)
    kept = [
        ln
        for ln in net_lines(stored_lines(row.lines, row.total_minor), row.returned_lines or {})
        if ln.amount_minor > 0
    ]
    return Purchase(
        row.occurred_at, net, frozenset(ln.category for ln in kept if ln.category), frozenset(ln.sku for ln in kept)
    )


def order_purchase(occurred_at: datetime, lines: Iterable[Any], total_minor: int, with_lines: bool) -> Purchase:
    """An order being posted, as the rules count it (an order sent as a total only has no category)."""
    if not with_lines:
        return Purchase(occurred_at, total_minor)
    sent = [ln for ln in lines if ln.amount_minor > 0]
    return Purchase(
        occurred_at, total_minor, frozenset(ln.category for ln in sent if ln.category), frozenset(ln.sku for ln in sent)
    )


# --- the tier as shown -----------------------------------------------------------------------------------------
def level_view(level: TierLevel) -> dict[str, Any]:
    benefits = level.benefits
    return {
        "id": level.id,
        "name": level.name.ru,
        "name_en": level.name.en,
        "earn_multiplier": str(level.earn_multiplier),
        "benefits": {
            "free_delivery": benefits.free_delivery,
            "payment_terms_days": benefits.payment_terms_days,
            "personal_manager": benefits.personal_manager,
            "closed_sales": benefits.closed_sales,
            "priority_service": benefits.priority_service,
            "other": [{"ru": t.ru, "en": t.en} for t in benefits.other],
        },
    }


def next_view(rules: Program, tier: str | None, figures: dict[Window, Figures]) -> dict[str, Any] | None:
    """The level above ``tier`` and, for each of its criteria, what the account has and what it needs."""
    assert rules.tiers is not None
    level = next_level(rules.tiers, tier)
    if level is None or level.qualify is None:
        return None
    return {
        "id": level.id,
        "name": level.name.ru,
        "name_en": level.name.en,
        "earn_multiplier": str(level.earn_multiplier),
        "progress": progress_view(progress(level.qualify, figures), rules.program.currency),
    }


_WORDS = {
    "turnover": ("оборот", "turnover"),
    "single_purchase": ("крупнейшая разовая покупка", "biggest single purchase"),
    "orders": ("заказов", "orders"),
    "category": ("категорий товаров", "categories bought"),
    "sku": ("позиций ассортимента", "skus bought"),
    "all": ("все условия", "all of"),
    "any": ("любое из условий", "any of"),
}


def progress_view(shown: Progress, currency: str) -> dict[str, Any]:
    money = shown.metric in ("turnover", "single_purchase")
    key = shown.by if shown.metric == "breadth" else shown.metric
    ru, en = _WORDS[key or "category"]
    view: dict[str, Any] = {"criterion": shown.metric, "met": shown.met}
    if shown.window is None:
        return {
            **view,
            "text": f"{en}:",
            "text_ru": f"{ru}:",
            "parts": [progress_view(p, currency) for p in shown.parts],
        }
    have = format_minor(shown.have) if money else str(shown.have)
    need = format_minor(shown.need) if money else str(shown.need)
    unit = f" {currency}" if money else ""
    return {
        **view,
        "have": have,
        "need": need,
        "unit": currency if money else {"category": "categories", "sku": "skus"}.get(shown.by or "", "orders"),
        "window": {"rolling_months": shown.window.rolling_months, "calendar": shown.window.calendar},
        "text": f"{en} {have} of {need}{unit} {window_text(shown.window, 'en')}",
        "text_ru": f"{ru} {have} из {need}{unit} {window_text(shown.window, 'ru')}",
        "parts": [],
    }


def change_view(row: TierChangeRow, rules: Program) -> dict[str, Any]:
    level = rules.tiers.level(row.to_tier) if rules.tiers and row.to_tier else None
    return {
        "from_tier": row.from_tier,
        "to_tier": row.to_tier,
        "to_name": level.name.ru if level else None,
        "to_name_en": level.name.en if level else None,
        "changed_at": row.changed_at.isoformat(),
        "reason": row.reason,
        "note": row.note,
        "event_id": row.event_id,
    }


__all__ = [
    "announce",
    "change_tier",
    "change_view",
    "enter_tiers",
    "held_tier",
    "level_view",
    "next_view",
    "order_purchase",
    "progress_view",
    "purchases_of",
    "window_figures",
]
