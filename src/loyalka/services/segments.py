"""Segments: the members of a saved filter at a moment (facts from storage, the decision in ``engine.segments``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalka.engine.segments import AccountFacts, matches, prefilter, windows_needed
from loyalka.program.engagement import Segment
from loyalka.program.lookup import find_by_id
from loyalka.program.models import Program
from loyalka.services.programs import ActiveProgram
from loyalka.services.stats import PurchaseStats, last_orders, purchase_stats
from loyalka.storage.tables import AccountRow


@dataclass(frozen=True, slots=True)
class Member:
    account: AccountRow
    facts: AccountFacts


def find_segment(rules: Program, segment_id: str) -> Segment:
    return find_by_id(rules.segments, segment_id, what="segment", code="segment_not_found", field="segment")


def members(session: Session, program: ActiveProgram, segment_id: str, at: datetime) -> list[Member]:
    """The accounts of the program in the segment at ``at``, by account id. Purchases count orders placed
    before ``at``; windows are the ``window_days`` days before it."""
    return evaluate_segment(session, program, find_segment(program.rules, segment_id), at)


def evaluate_segment(session: Session, program: ActiveProgram, segment: Segment, at: datetime) -> list[Member]:
    rules = program.rules
    flt = segment.filter
    query = select(AccountRow).where(AccountRow.program_id == program.program_id, AccountRow.status.in_(flt.statuses))
    if flt.regions is not None:
        query = query.where(AccountRow.region.in_(flt.regions))
    if flt.industries is not None:
        query = query.where(AccountRow.industry.in_(flt.industries))
    if flt.tiers is not None:
        query = query.where(AccountRow.tier.in_(flt.tiers))
    query = query.where(AccountRow.joined_at <= at).order_by(AccountRow.id)
    zone = ZoneInfo(rules.program.timezone)
    candidates = [(row, base_facts(row, at, zone)) for row in session.scalars(query)]
    candidates = [(row, facts) for row, facts in candidates if prefilter(flt, facts)]
    ids = [row.id for row, _ in candidates]
    # always: the members' last order is shown with them (segment show, the members route), whatever the filter
    last = last_orders(session, ids, before=at) if ids else {}
    windows = {
        days: purchase_stats(session, ids, since=at - timedelta(days=days), until=at)
        for days in sorted(windows_needed(flt))
        if ids
    }
    found = []
    for row, facts in candidates:
        full = _with_figures(facts, last.get(row.id), windows, zone)
        if matches(flt, full):
            found.append(Member(row, full))
    return found


def base_facts(row: AccountRow, at: datetime, zone: ZoneInfo) -> AccountFacts:
    return AccountFacts(
        account_id=row.id,
        code=row.code,
        name=row.name,
        status=row.status,
        joined_on=row.joined_at.astimezone(zone).date(),
        on=at.astimezone(zone).date(),
        region=row.region,
        industry=row.industry,
        tier=row.tier,
        tags=tuple(row.tags or ()),
        language=row.language or "ru",
    )


def _with_figures(
    facts: AccountFacts, last: datetime | None, windows: dict[int, dict[int, PurchaseStats]], zone: ZoneInfo
) -> AccountFacts:
    return replace(
        facts,
        last_order_at=last,
        last_order_on=last.astimezone(zone).date() if last else None,
        purchases_minor={days: stats[facts.account_id].turnover_minor for days, stats in windows.items()},
        orders={days: stats[facts.account_id].orders for days, stats in windows.items()},
    )


def describe_segments(rules: Program) -> list[dict[str, object]]:
    """The program's segments with their filters as written (unset conditions left out)."""
    return [
        {
            "id": s.id,
            "name": s.name.ru,
            "name_en": s.name.en,
            "filter": s.filter.model_dump(mode="json", exclude_none=True),
        }
        for s in rules.segments
    ]
