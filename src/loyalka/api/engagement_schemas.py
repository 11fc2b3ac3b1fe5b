"""Bodies of the engagement routes: the daily job, segments, campaigns and the outbox."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, Field

from loyalka.api.schemas import Instant, RequestModel


class TriggerOut(BaseModel):
    granted: int = Field(description="grants this run credited (a grant recorded before is not counted)")
    messages: int = Field(description="messages this run queued")
    points: str = Field(description="points credited, of the trigger's kind")


class ReminderOut(BaseModel):
    expiring_on: str = Field(description="the expiry date announced (the day plus days_before)")
    accounts: int
    messages: int = Field(description="messages this run queued")


class DailyOut(BaseModel):
    date: str
    program: str
    program_version: int
    members: int = Field(description="active members on that day")
    birthday: TriggerOut | None = None
    anniversary: TriggerOut | None = None
    inactivity: TriggerOut | None = None
    expiry_reminder: ReminderOut | None = None


class SegmentOut(BaseModel):
    id: str
    name: str
    name_en: str
    filter: dict[str, Any] = Field(description="the filter as the program file gives it (money in kopecks)")


class MemberOut(BaseModel):
    code: str
    name: str
    region: str | None
    industry: str | None
    tier: str | None
    tags: list[str]
    status: str
    last_order_at: Instant | None
    days_since_last_order: int = Field(description="since joining when it never ordered")


class SegmentMembersOut(BaseModel):
    segment: str
    program: str
    at: Instant
    count: int = Field(description="every member at that moment (the list is one page of them)")
    members: list[MemberOut]


class CampaignRunIn(RequestModel):
    at: AwareDatetime | None = Field(None, description="the moment of the run (default: now; never in the future)")
    program: str | None = Field(None, description="the program's code (needed when several are loaded)")
    run_by: str = Field("api", min_length=1, max_length=100, description="who runs it, recorded with the run")


class CampaignRunOut(BaseModel):
    campaign: str
    program: str
    segment: str
    at: Instant
    run: int = Field(description="the number of this run of the campaign")
    run_by: str
    members: int = Field(description="members of the segment at that moment")
    skipped_not_members: int = Field(description="accounts of the segment that are not active members")
    credited: int = Field(description="members this run credited")
    already_credited: int = Field(description="members an earlier run credited")
    kind: str | None
    points: str | None = Field(description="points this run credited in all")
    messages: int = Field(description="messages this run queued")


class CampaignOut(BaseModel):
    id: str
    name: str
    name_en: str
    segment: str
    kind: str | None
    points: str | None = Field(description="points each member receives")
    message: str | None
    runs: int
    last_run_at: Instant | None
    credited: int = Field(description="members credited by all runs")


class MessageOut(BaseModel):
    id: int
    account: str
    template: str
    language: str
    recipients: list[str]
    subject: str
    body: str
    status: str = Field(description="queued, sending, sent, failed or no_recipient")
    created_at: Instant
    sent_at: Instant | None
    attempts: int
    last_error: str | None
