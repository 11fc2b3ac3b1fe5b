"""Routes of engagement: run the daily job, read segments and their members, run campaigns, read the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query

from loyalka.api.deps import Ctx, require_api_key
from loyalka.api.engagement_schemas import (
    CampaignOut,
    CampaignRunIn,
    CampaignRunOut,
    DailyOut,
    MessageOut,
    SegmentMembersOut,
    SegmentOut,
)
from loyalka.api.schemas import error_responses
from loyalka.jobs.daily import parse_day, run_daily, today
from loyalka.services.campaigns import list_campaigns, run_campaign
from loyalka.services.outbox import list_messages
from loyalka.services.programs import active_program, program_by_code
from loyalka.services.segments import describe_segments, members

router = APIRouter(
    prefix="/v1",
    dependencies=[Depends(require_api_key)],
    responses=error_responses(401, 404, 409, 422, 503),
)
ProgramQuery = Annotated[str | None, Query(description="the program's code (needed when several are loaded)")]


@router.post("/jobs/daily", summary="Run the daily triggers for a day", response_model=DailyOut, tags=["engagement"])
def post_daily(
    context: Ctx,
    date: Annotated[str | None, Query(description="YYYY-MM-DD in the program's zone (default: today)")] = None,
    program: ProgramQuery = None,
) -> dict[str, Any]:
    """Birthdays, anniversaries, inactivity wake-ups and expiry reminders of one day. Safe to repeat: a grant
    or a message already made for that day is not made again."""
    now = context.clock()
    with context.database.unit_of_work() as session:
        day = parse_day(date) if date is not None else today(session, now=now, program=program)
        return run_daily(session, day, now=now, program=program)


@router.get("/segments", summary="List the segments", response_model=list[SegmentOut], tags=["engagement"])
def get_segments(context: Ctx, program: ProgramQuery = None) -> list[dict[str, Any]]:
    with context.database.unit_of_work() as session:
        rules = active_program(session, program_by_code(session, program).id).rules
        return describe_segments(rules)


@router.get(
    "/segments/{segment_id}/members",
    summary="List a segment's members",
    response_model=SegmentMembersOut,
    tags=["engagement"],
)
def get_segment_members(
    segment_id: str,
    context: Ctx,
    program: ProgramQuery = None,
    at: Annotated[datetime | None, Query(description="the moment, ISO 8601 with an offset (default: now)")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    moment = _aware(at) if at is not None else context.clock()
    with context.database.unit_of_work() as session:
        row = program_by_code(session, program)
        found = members(session, active_program(session, row.id), segment_id, moment)
        page = [
            {
                "code": m.account.code,
                "name": m.account.name,
                "region": m.account.region,
                "industry": m.account.industry,
                "tier": m.account.tier,
                "tags": list(m.account.tags or ()),
                "status": m.account.status,
                "last_order_at": m.facts.last_order_at,
                "days_since_last_order": m.facts.days_since_last_order,
            }
            for m in found[offset : offset + limit]
        ]
    return {"segment": segment_id, "program": row.code, "at": moment, "count": len(found), "members": page}


@router.get("/campaigns", summary="List the campaigns", response_model=list[CampaignOut], tags=["engagement"])
def get_campaigns(context: Ctx, program: ProgramQuery = None) -> list[dict[str, Any]]:
    with context.database.unit_of_work() as session:
        return list_campaigns(session, program=program)


@router.post(
    "/campaigns/{campaign_id}/run", summary="Run a campaign", response_model=CampaignRunOut, tags=["engagement"]
)
def post_campaign_run(
    campaign_id: str, context: Ctx, body: Annotated[CampaignRunIn | None, Body()] = None
) -> dict[str, Any]:
    """Credit the campaign's points once to every member of its segment and queue its message to each.
    Running it again credits nobody twice: only members new to the segment are reached."""
    body = body or CampaignRunIn()
    now = context.clock()
    with context.database.unit_of_work() as session:
        return run_campaign(session, campaign_id, at=body.at or now, now=now, run_by=body.run_by, program=body.program)


@router.get(
    "/accounts/{code}/messages",
    summary="Read an account's messages",
    response_model=list[MessageOut],
    tags=["engagement"],
)
def get_account_messages(
    code: str,
    context: Ctx,
    status: Annotated[str | None, Query(description="queued, sending, sent, failed or no_recipient")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """The messages the program queued for the company, newest first, with their sending status."""
    with context.database.unit_of_work() as session:
        return list_messages(session, account=code, status=status, limit=limit)


def _aware(value: datetime) -> datetime:
    from loyalka.domain.events import in_range
    from loyalka.errors import InvalidInput

    if value.tzinfo is None:
        raise InvalidInput(
            "at has no time zone offset; write it like 2026-04-01T10:00:00+03:00", code="invalid_datetime", field="at"
        )
    in_range(value, "at")
    return value
