"""Crediting points that no purchase earned: triggers, campaigns, one-time grants, codes, referrals.

Each credit is an event of its own, idempotent by its event id (a birthday of 2026 for a contact, a campaign
for an account...): running the job or the command again credits nothing twice. The points form a lot of
the kind with the kind's activation and expiry (by the account's tier), entry type ``grant``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalka.engine.earning import accrual
from loyalka.engine.triggers import format_date, local_date
from loyalka.errors import RuleViolation
from loyalka.ledger.book import EntryType, Lot
from loyalka.program.models import Program
from loyalka.services.events import Outcome
from loyalka.services.programs import ActiveProgram
from loyalka.services.tiers import held_tier
from loyalka.storage.ledger_store import Books, persist
from loyalka.storage.tables import AccountRow, EventRow


def grant_points(
    session: Session,
    *,
    account: AccountRow,
    program: ActiveProgram,
    kind: str,
    points_minor: int,
    event_id: str,
    event_type: str,
    rule_id: str,
    reason: str,
    at: datetime,
    now: datetime,
    books: Books | None = None,
    details: dict[str, Any] | None = None,
) -> Outcome:
    """Credit ``points_minor`` (the kind's minor units) to an active member, once per ``event_id``.

    ``books``: the caller's books (it persists them); without it the grant persists its own. The caller must
    hold the account's lock."""
    digest = hashlib.sha256(json.dumps([event_type, account.id, kind, points_minor, rule_id]).encode()).hexdigest()
    known = session.scalar(select(EventRow).where(EventRow.event_id == event_id))
    if known is not None:
        return Outcome(event_id, True, known.result)
    if account.status != "active":
        raise RuleViolation(
            f"account {account.code} is {account.status}, not a member: it receives no points",
            code="account_not_member",
            field="account",
        )
    rules = program.rules
    made = accrual(rules, kind, points_minor, at, rule_id, held_tier(rules, account))
    lot = Lot(
        account.id,
        kind,
        points_minor,
        points_minor,
        made.available_from,
        made.expires_at,
        event_id,
        rule_id,
        program.version_id,
    )
    own = books is None
    book_set = books or Books(session)
    book_set.for_credit(account.id).credit(lot, occurred_at=at, reason=reason, type=EntryType.GRANT)
    if own:
        persist(session, book_set.values(), recorded_at=now)
    result = {
        "type": event_type,
        "account": account.code,
        "kind": kind,
        "points": rules.points(kind, points_minor),
        "rule": rule_id,
        "available_from": made.available_from.isoformat(),
        "expires_at": made.expires_at.isoformat() if made.expires_at else None,
        **(details or {}),
    }
    session.add(
        EventRow(
            event_id=event_id,
            account_id=account.id,
            type=event_type,
            occurred_at=at,
            recorded_at=now,
            request_hash=digest,
            result=result,
        )
    )
    return Outcome(event_id, False, result)


def expiry_text(rules: Program, result: dict[str, Any], lang: str) -> str:
    """``{date}`` of a grant's message: when its points expire, as the member reads it (12.07.2026 in Russian);
    empty for points that never expire."""
    expires = result.get("expires_at")
    if not expires:
        return ""
    return format_date(local_date(datetime.fromisoformat(expires), rules.program.timezone), lang)
