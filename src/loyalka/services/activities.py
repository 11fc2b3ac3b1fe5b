"""Activities beyond purchases (a review, a survey, a webinar or exhibition attended...): idempotent by event
id; each earns under the program's ``event: activity`` rules that list its type, within the rules' limits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from loyalka.domain.b2b import ActivityIn
from loyalka.domain.events import request_hash
from loyalka.engine.b2b import activity_facts
from loyalka.services.accounts import get_account, get_contact, lock_accounts
from loyalka.services.events import Outcome, refuse_future, replays_of
from loyalka.services.invoices import earning_block
from loyalka.services.programs import active_program
from loyalka.services.rule_events import RuleEvent, earn_event
from loyalka.storage.ledger_store import Books, persist
from loyalka.storage.tables import EventRow
from loyalka.storage.tables_b2b import ActivityRow


def post_activity(session: Session, activity: ActivityIn, *, now: datetime) -> Outcome:
    replays, fresh = replays_of(session, [activity])
    if not fresh:
        return replays[activity.event_id]
    refuse_future(activity.occurred_at, now, f"activity {activity.event_id}")
    account_id = get_account(session, activity.account).id
    account = lock_accounts(session, [account_id])[account_id]
    replays, fresh = replays_of(session, [activity])  # a twin request may have recorded it while we waited
    if not fresh:
        return replays[activity.event_id]
    contact = get_contact(session, account, activity.contact)
    program = active_program(session, account.program_id)
    session.add(
        ActivityRow(
            account_id=account.id,
            event_id=activity.event_id,
            type=activity.type,
            occurred_at=activity.occurred_at,
            contact_id=contact.id if contact else None,
            recorded_at=now,
        )
    )
    facts = activity_facts(activity.type, contact.id if contact else None)
    event = RuleEvent("activity", activity.event_id, activity.occurred_at, facts, activity=activity.type)
    books = Books(session)
    blocked = earning_block(session, account, program.rules, activity.occurred_at)
    earned, notes = earn_event(session, books, account, program, event, blocked=blocked)
    persist(session, books.values(), recorded_at=now)
    result: dict[str, Any] = {
        "type": "activity",
        "activity": activity.type,
        "account": account.code,
        "contact": activity.contact,
        "occurred_at": activity.occurred_at.isoformat(),
        "earned": earned,
        "notes": notes,
    }
    session.add(
        EventRow(
            event_id=activity.event_id,
            account_id=account.id,
            type="activity",
            occurred_at=activity.occurred_at,
            recorded_at=now,
            request_hash=request_hash(activity),
            result=result,
        )
    )
    return Outcome(activity.event_id, False, result)


__all__ = ["post_activity"]
