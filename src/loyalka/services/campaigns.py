"""Campaigns: credit points of a kind once to every member of a segment and queue a message to each.

A run evaluates the segment at its moment ``at``; each member's grant is the event ``campaign:<id>:<account>``
and its message has the same dedupe key, so running a campaign again credits nobody twice and reaches only
the members that entered the segment since. Only active members are credited (the segment may list others:
a campaign with a grant skips them and says how many; a message-only campaign reaches them too). Every run
is recorded in ``campaign_runs`` with who ran it and what it added.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyalka.engine.triggers import format_date, local_date
from loyalka.errors import InvalidInput
from loyalka.program.engagement import Campaign
from loyalka.program.lookup import find_by_id
from loyalka.program.models import Program
from loyalka.services.accounts import lock_accounts
from loyalka.services.events import CLOCK_SKEW
from loyalka.services.grants import grant_points
from loyalka.services.messages import queue_message
from loyalka.services.programs import ActiveProgram, active_program, program_by_code
from loyalka.services.segments import members
from loyalka.storage.ledger_store import Books, persist
from loyalka.storage.tables import AccountRow
from loyalka.storage.tables_engagement import CampaignRunRow


@dataclass(frozen=True, slots=True)
class Credit:
    """Points a run credited one account, and when they expire (None: never)."""

    points_minor: int
    expires_at: datetime | None


def find_campaign(rules: Program, campaign_id: str) -> Campaign:
    return find_by_id(rules.campaigns, campaign_id, what="campaign", code="campaign_not_found", field="campaign")


def run_campaign(
    session: Session,
    campaign_id: str,
    *,
    at: datetime,
    now: datetime,
    run_by: str,
    program: str | None = None,
) -> dict[str, Any]:
    """Run a campaign at ``at`` (not in the future): what it added, and the run's record."""
    program_row = program_by_code(session, program)
    active = active_program(session, program_row.id)
    campaign = find_campaign(active.rules, campaign_id)
    if at > now + CLOCK_SKEW:
        raise InvalidInput(
            f"campaign {campaign_id} cannot run at {at.isoformat()}: that is in the future",
            code="future_event",
            field="at",
        )
    found = members(session, active, campaign.segment, at)
    reached = [m.account.id for m in found if campaign.grant is None or m.account.status == "active"]
    accounts = lock_accounts(session, reached)
    books = Books(session)
    credited = messages = points_minor = 0
    for account_id in sorted(accounts):
        account = accounts[account_id]
        if campaign.grant is not None and account.status != "active":  # left since the segment was read
            reached.remove(account_id)
            continue
        credit = _credit(session, active, campaign, account, at, now, books)
        credited += credit is not None
        points_minor += credit.points_minor if credit else 0
        messages += _message(session, active, campaign, account, now, credit)
    persist(session, books.values(), recorded_at=now)
    summary: dict[str, Any] = {
        "campaign": campaign.id,
        "program": program_row.code,
        "segment": campaign.segment,
        "at": at.isoformat(),
        "members": len(found),
        "skipped_not_members": len(found) - len(reached),
        "credited": credited,
        "already_credited": len(reached) - credited if campaign.grant else 0,
        "points": active.rules.points(campaign.grant.kind, points_minor) if campaign.grant else None,
        "kind": campaign.grant.kind if campaign.grant else None,
        "messages": messages,
        "run_by": run_by,
    }
    _record(session, program_row.id, active.version_id, summary, at=at, now=now)
    return {**summary, "run": _run_number(session, program_row.id, campaign.id)}


def _record(
    session: Session, program_id: int, version_id: int, summary: dict[str, Any], *, at: datetime, now: datetime
) -> None:
    session.add(
        CampaignRunRow(
            program_id=program_id,
            campaign=summary["campaign"],
            run_at=at,
            recorded_at=now,
            run_by=str(summary["run_by"])[:100],
            program_version_id=version_id,
            members=summary["members"],
            credited=summary["credited"],
            messages=summary["messages"],
            summary=summary,
        )
    )
    session.flush()


def _credit(
    session: Session,
    program: ActiveProgram,
    campaign: Campaign,
    account: AccountRow,
    at: datetime,
    now: datetime,
    books: Books,
) -> Credit | None:
    """What this run credits the account; None when an earlier run did, or the campaign has no grant."""
    if campaign.grant is None:
        return None
    minor = program.rules.point_kinds[campaign.grant.kind].units(campaign.grant.points)
    outcome = grant_points(
        session,
        account=account,
        program=program,
        kind=campaign.grant.kind,
        points_minor=minor,
        event_id=f"campaign:{campaign.id}:{account.id}",
        event_type="campaign",
        rule_id=campaign.id,
        reason=f"campaign {campaign.id}: {campaign.name.ru}"[:300],
        at=at,
        now=now,
        books=books,
        details={"campaign": campaign.id, "segment": campaign.segment},
    )
    if outcome.replayed:
        return None
    expires = outcome.result.get("expires_at")
    return Credit(minor, datetime.fromisoformat(expires) if expires else None)


def _message(
    session: Session,
    program: ActiveProgram,
    campaign: Campaign,
    account: AccountRow,
    now: datetime,
    credit: Credit | None,
) -> int:
    """Queue the campaign's message (once per account); for a grant campaign only with a new grant."""
    if campaign.message is None or (campaign.grant is not None and credit is None):
        return 0
    rules = program.rules
    lang = account.language or "ru"
    values: dict[str, Any] = {"campaign": campaign.name(lang)}
    if campaign.grant is not None and credit is not None:
        values["points"] = rules.points(campaign.grant.kind, credit.points_minor)
        values["kind"] = rules.point_kinds[campaign.grant.kind].name(lang)
        expires = credit.expires_at
        values["date"] = format_date(local_date(expires, rules.program.timezone), lang) if expires else ""
    row = queue_message(
        session,
        rules=rules,
        program_id=program.program_id,
        template_id=campaign.message,
        account=account,
        dedupe_key=f"campaign:{campaign.id}:{account.id}",
        now=now,
        values=values,
    )
    return 0 if row is None else 1


def _run_number(session: Session, program_id: int, campaign_id: str) -> int:
    return int(
        session.scalar(
            select(func.count(CampaignRunRow.id)).where(
                CampaignRunRow.program_id == program_id, CampaignRunRow.campaign == campaign_id
            )
        )
        or 0
    )


def list_campaigns(session: Session, *, program: str | None = None) -> list[dict[str, Any]]:
    """The program's campaigns with their runs so far (count, the last one, how many were credited in all)."""
    program_row = program_by_code(session, program)
    rules = active_program(session, program_row.id).rules
    runs = {
        campaign: (count, last, credited)
        for campaign, count, last, credited in session.execute(
            select(
                CampaignRunRow.campaign,
                func.count(CampaignRunRow.id),
                func.max(CampaignRunRow.recorded_at),
                func.sum(CampaignRunRow.credited),
            )
            .where(CampaignRunRow.program_id == program_row.id)
            .group_by(CampaignRunRow.campaign)
        )
    }
    listed = []
    for c in rules.campaigns:
        count, last, credited = runs.get(c.id, (0, None, 0))
        listed.append(
            {
                "id": c.id,
                "name": c.name.ru,
                "name_en": c.name.en,
                "segment": c.segment,
                "kind": c.grant.kind if c.grant else None,
                "points": rules.points(c.grant.kind, rules.point_kinds[c.grant.kind].units(c.grant.points))
                if c.grant
                else None,
                "message": c.message,
                "runs": int(count),
                "last_run_at": last.isoformat() if last else None,
                "credited": int(credited or 0),
            }
        )
    return listed
