"""Reading tiers: the account card's section, an account's tier with its progress and history, and the
members of a program by tier."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalka.engine.tiers import current_level, windows_of
from loyalka.errors import NotFound
from loyalka.program.models import Program
from loyalka.services.accounts import get_account
from loyalka.services.programs import active_program, program_by_code
from loyalka.services.tiers import change_view, level_view, next_view, window_figures
from loyalka.storage.tables import AccountRow
from loyalka.storage.tables_tiers import TierChangeRow


def tier_section(session: Session, account: AccountRow, program: Program, now: datetime) -> dict[str, Any]:
    """The account card's ``tier``: the current level (a member without one holds the entry level), its
    multiplier and benefits, and the progress to the next level (members only). None without tiers."""
    return {"tier": _current(session, account, program, now)}


def _current(session: Session, account: AccountRow, program: Program, now: datetime) -> dict[str, Any] | None:
    tiers = program.tiers
    if tiers is None:
        return None
    member = account.status == "active"
    level = current_level(tiers, account.tier) if member else tiers.level(account.tier or "")
    if level is None:
        view: dict[str, Any] = {"id": None, "name": None, "name_en": None, "earn_multiplier": "1", "benefits": None}
    else:
        view = level_view(level)
    stored = level is not None and level.id == account.tier
    view["since"] = account.tier_since.isoformat() if stored and account.tier_since else None
    view["qualified_at"] = account.tier_qualified_at.isoformat() if stored and account.tier_qualified_at else None
    view["next"] = None
    if member:
        tz = program.program.timezone
        figures = window_figures(session, [account.id], windows_of(tiers), at=now, tz=tz)[account.id]
        view["next"] = next_view(program, level.id if level else None, dict(figures))
    return view


def tier_card(session: Session, code: str, *, now: datetime) -> dict[str, Any]:
    """An account's tier now, its progress to the next level and every change of its tier, newest first."""
    account = get_account(session, code)
    program = active_program(session, account.program_id).rules
    if program.tiers is None:
        raise NotFound(f"the program of account {code} has no tiers", code="tiers_not_configured", field="account")
    current = _current(session, account, program, now)
    assert current is not None
    history = session.scalars(
        select(TierChangeRow)
        .where(TierChangeRow.account_id == account.id)
        .order_by(TierChangeRow.changed_at.desc(), TierChangeRow.id.desc())
    )
    return {
        "account": account.code,
        "member": account.status == "active",
        "current": {k: v for k, v in current.items() if k != "next"},
        "progress": current["next"],
        "history": [change_view(row, program) for row in history],
    }


def members_by_tier(session: Session, *, program: str | None = None, tier: str | None = None) -> list[dict[str, Any]]:
    """The program's members, highest tier first (then by code); ``tier``: that level's members only."""
    row = program_by_code(session, program)
    rules = active_program(session, row.id).rules
    tiers = rules.tiers
    if tiers is None:
        raise NotFound(f"program {row.code} has no tiers", code="tiers_not_configured", field="program")
    if tier is not None and tiers.level(tier) is None:
        known = ", ".join(level.id for level in tiers.levels)
        raise NotFound(
            f"program {row.code} has no tier {tier!r} (its tiers: {known})", code="tier_not_found", field="tier"
        )
    accounts = session.scalars(
        select(AccountRow)
        .where(AccountRow.program_id == row.id, AccountRow.status == "active")
        .order_by(AccountRow.code)
    )
    listed = []
    for account in accounts:
        level = current_level(tiers, account.tier)
        if tier is not None and (level is None or level.id != tier):
            continue
        listed.append(
            {
                "code": account.code,
                "name": account.name,
                "tier": level.id if level else None,
                "tier_name": level.name.ru if level else None,
                "since": account.tier_since.isoformat()
                if account.tier_since and level and level.id == account.tier
                else None,
                "rank": tiers.rank(level.id if level else None),
            }
        )
    listed.sort(key=lambda item: -item["rank"])  # stable: codes stay in order within a tier
    return [{k: v for k, v in item.items() if k != "rank"} for item in listed]
