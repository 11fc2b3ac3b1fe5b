"""Segments and campaigns (seed 001, case 1: "campaigns to segments of clients: every client of the segment
receives premium points and a message"): spring-service-2026 to the Moscow fleets, once per company."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select, update

from loyalka.errors import InvalidInput, NotFound, RuleViolation
from loyalka.services.campaigns import list_campaigns, run_campaign
from loyalka.services.grants import grant_points
from loyalka.services.programs import active_program, program_by_code
from loyalka.services.segments import members
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow, EntryRow, EventRow, MessageRow
from loyalka.storage.tables_engagement import CampaignRunRow
from tests.conftest import EXAMPLES, moscow
from tests.support import add_account, balances, ledger_sum, line, load_example, load_text, order, post, spendable

JOINED = moscow(2026, 1, 10, 9)
SPRING = moscow(2026, 4, 1, 10)
CASE1 = (EXAMPLES / "autoservice_case1.yaml").read_text(encoding="utf-8")


def fleet(code: str, region: str = "Москва", tags: tuple[str, ...] = ("fleet",), **extra: Any) -> dict[str, Any]:
    contact = {"code": f"{code.lower()}-m", "name": f"Менеджер {code}", "email": f"{code.lower()}@fleet.ru"}
    return {"code": code, "region": region, "tags": tags, "contacts": [contact], **extra}


def case1(db: Database, *companies: dict[str, Any]) -> None:
    load_example(db, "autoservice_case1.yaml", JOINED)
    for company in companies:
        fields = dict(company)
        add_account(db, fields.pop("code"), fields.pop("joined", JOINED), **fields)


def run(db: Database, campaign: str = "spring-service-2026", at: datetime = SPRING, **kw: Any) -> dict[str, Any]:
    with db.unit_of_work() as s:
        return run_campaign(s, campaign, at=at, now=kw.pop("now", at), run_by=kw.pop("run_by", "marketing"), **kw)


def segment(db: Database, segment_id: str, at: datetime) -> list[str]:
    with db.unit_of_work() as s:
        program = active_program(s, program_by_code(s, None).id)
        return [m.account.code for m in members(s, program, segment_id, at)]


def counts(db: Database) -> tuple[int, int, int]:
    with db.unit_of_work() as s:
        return (
            s.scalar(select(func.count()).select_from(EntryRow)),
            s.scalar(select(func.count()).select_from(MessageRow)),
            s.scalar(select(func.count()).select_from(CampaignRunRow)),
        )


# --- the campaign of case 1 -------------------------------------------------------------------------------------
def test_spring_service_credits_500_premium_points_once_to_each_moscow_fleet_and_queues_one_message_each(
    db: Database,
) -> None:
    case1(db, fleet("TAXI-1"), fleet("TAXI-2"), fleet("KZN", region="Казань"), fleet("SOLO", tags=("private",)))
    summary = run(db)
    assert {k: summary[k] for k in ("members", "credited", "already_credited", "points", "messages", "run")} == {
        "members": 2,
        "credited": 2,
        "already_credited": 0,
        "points": "1000",
        "messages": 2,
        "run": 1,
    }
    for code in ("TAXI-1", "TAXI-2"):
        assert spendable(db, code, SPRING, "premium") == "500"
        [lot] = balances(db, code, SPRING)["premium"]["lots"]
        assert datetime.fromisoformat(lot["expires_at"]) == moscow(2026, 7, 1, 10)  # premium points live 3 months
    assert ledger_sum(db, "KZN") == ledger_sum(db, "SOLO") == 0
    with db.unit_of_work() as s:
        sent = s.scalars(select(MessageRow).order_by(MessageRow.id)).all()
        assert [(m.recipients, m.subject) for m in sent] == [
            (["taxi-1@fleet.ru"], "Весенний сервис для Компания TAXI-1"),
            (["taxi-2@fleet.ru"], "Весенний сервис для Компания TAXI-2"),
        ]
        assert sent[0].body == "На ваш счёт начислено 500 премиум-баллов до 01.07.2026. Запишитесь на сезонное ТО."


def test_a_second_run_credits_nobody_twice_and_reaches_only_the_newcomers(db: Database) -> None:
    case1(db, fleet("TAXI-1"), fleet("TAXI-2"))
    run(db)
    again = run(db, at=moscow(2026, 4, 2), run_by="marketing-2")
    assert (again["credited"], again["already_credited"], again["messages"], again["points"]) == (0, 2, 0, "0")
    assert again["run"] == 2
    add_account(db, "TAXI-3", moscow(2026, 4, 3), region="Москва", tags=("fleet", "vip"))
    third = run(db, at=moscow(2026, 4, 5))
    assert (third["credited"], third["already_credited"], third["members"]) == (1, 2, 3)
    assert [spendable(db, c, moscow(2026, 4, 5), "premium") for c in ("TAXI-1", "TAXI-2", "TAXI-3")] == ["500"] * 3
    with db.unit_of_work() as s:
        runs = s.scalars(select(CampaignRunRow).order_by(CampaignRunRow.id)).all()
        assert [(r.run_by, r.members, r.credited, r.messages) for r in runs] == [
            ("marketing", 2, 2, 2),
            ("marketing-2", 2, 0, 0),
            ("marketing", 3, 1, 1),  # TAXI-3 has no contact with an e-mail: its message waits for no one
        ]
        assert s.scalar(select(func.count()).select_from(MessageRow).where(MessageRow.status == "no_recipient")) == 1
    with db.unit_of_work() as s:
        [listed] = list_campaigns(s)
    assert (listed["runs"], listed["credited"], listed["points"]) == (3, 3, "500")


def test_a_company_that_left_is_in_no_default_segment_and_receives_nothing(db: Database) -> None:
    case1(db, fleet("TAXI-1"), fleet("GONE"))
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).where(AccountRow.code == "GONE").values(status="left", left_at=JOINED))
    assert run(db)["credited"] == 1
    assert ledger_sum(db, "GONE") == 0


def test_a_grant_to_an_account_that_left_is_refused_and_writes_nothing(db: Database) -> None:
    case1(db, fleet("GONE"))
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).where(AccountRow.code == "GONE").values(status="left", left_at=JOINED))
    with pytest.raises(RuleViolation) as refused, db.unit_of_work() as s:
        account = s.scalar(select(AccountRow).where(AccountRow.code == "GONE"))
        grant_points(
            s,
            account=account,
            program=active_program(s, account.program_id),
            kind="premium",
            points_minor=500,
            event_id="campaign:manual:1",
            event_type="campaign",
            rule_id="manual",
            reason="test",
            at=SPRING,
            now=SPRING,
        )
    assert (refused.value.code, refused.value.field) == ("account_not_member", "account")
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(EventRow)) == 0
    assert counts(db)[0] == 0


def test_campaign_bad_input_is_refused_and_writes_nothing(db: Database) -> None:
    case1(db, fleet("TAXI-1"))
    with pytest.raises(NotFound) as unknown:
        run(db, "autumn-2026")
    assert (unknown.value.code, unknown.value.field) == ("campaign_not_found", "campaign")
    assert "spring-service-2026" in unknown.value.message
    with pytest.raises(NotFound) as no_program:
        run(db, program="nope")
    assert no_program.value.code == "program_not_found"
    with pytest.raises(InvalidInput) as future:
        run(db, at=moscow(2026, 4, 2), now=SPRING)
    assert future.value.code == "future_event"
    assert counts(db) == (0, 0, 0)


# --- segments ---------------------------------------------------------------------------------------------------
SEGMENTS = """
  - id: big-buyers
    name: {ru: "Крупные", en: "Big buyers"}
    filter: {purchases: {window_days: 90, min: "20000.00"}, orders: {window_days: 90, min: 2}}
  - id: cel-frequent
    name: {ru: "Частые", en: "Frequent"}
    filter: {when: "account.orders_30d >= 2 && account.purchases_30d >= 1000000 && 'fleet' in account.tags"}
  - id: both-tags
    name: {ru: "Оба тега", en: "Both tags"}
    filter: {tags_all: [fleet, vip], industries: [logistics]}
  - id: anyone
    name: {ru: "Все, и ушедшие", en: "Everyone, left too"}
    filter: {statuses: [active, left]}
"""


def segmented(db: Database) -> None:
    load_text(db, CASE1.replace("segments:\n", "segments:" + SEGMENTS, 1), JOINED)
    for company in (
        fleet("TAXI-1", tags=("fleet", "vip"), industry="logistics"),
        fleet("TAXI-2", industry="taxi"),
        fleet("SOLO", tags=()),
    ):
        fields = dict(company)
        add_account(db, fields.pop("code"), JOINED, **fields)
    # TAXI-1: 2 orders, 25,000 in March; TAXI-2: 1 order of 30,000 in March; SOLO: nothing since January
    post(db, order("t1", "TAXI-1", "T1-1", moscow(2026, 3, 10), line("a", 15000, "labour")))
    post(db, order("t2", "TAXI-1", "T1-2", moscow(2026, 3, 20), line("b", 10000, "parts")))
    post(db, order("t3", "TAXI-2", "T2-1", moscow(2026, 3, 15), line("c", 30000, "labour")))
    post(db, order("s1", "SOLO", "S-1", moscow(2026, 1, 15), line("d", 1000, "labour")))


def test_segments_filter_by_purchases_and_orders_in_a_window_tags_industries_and_cel(db: Database) -> None:
    segmented(db)
    at = moscow(2026, 4, 1)
    assert segment(db, "big-buyers", at) == ["TAXI-1"]
    assert segment(db, "cel-frequent", at) == ["TAXI-1"]
    assert segment(db, "both-tags", at) == ["TAXI-1"]
    assert segment(db, "fleet-moscow", at) == ["TAXI-1", "TAXI-2"]
    assert segment(db, "big-buyers", moscow(2026, 7, 1)) == []  # the 90 days have passed


def test_the_sleeping_segment_counts_days_since_the_last_order_or_since_joining(db: Database) -> None:
    segmented(db)
    add_account(db, "NEVER", moscow(2026, 2, 1))
    assert segment(db, "sleeping", moscow(2026, 5, 15)) == ["SOLO"]  # 15 Jan + 120 days = 15 May
    assert segment(db, "sleeping", moscow(2026, 6, 1)) == ["SOLO", "NEVER"]  # joined 1 Feb, never ordered
    assert segment(db, "sleeping", moscow(2026, 7, 13)) == ["TAXI-2", "SOLO", "NEVER"]  # 15 March + 120 days


def test_statuses_widen_a_segment_to_companies_that_left(db: Database) -> None:
    segmented(db)
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).where(AccountRow.code == "SOLO").values(status="left", left_at=JOINED))
    assert segment(db, "anyone", moscow(2026, 4, 1)) == ["TAXI-1", "TAXI-2", "SOLO"]
    assert segment(db, "fleet-moscow", moscow(2026, 4, 1)) == ["TAXI-1", "TAXI-2"]


def test_an_account_joined_after_the_moment_is_not_yet_a_member(db: Database) -> None:
    case1(db, fleet("TAXI-1"), fleet("LATER", joined=moscow(2026, 5, 1)))
    assert segment(db, "fleet-moscow", moscow(2026, 4, 1)) == ["TAXI-1"]


def test_an_unknown_segment_is_refused_with_the_known_ones(db: Database) -> None:
    case1(db)
    with pytest.raises(NotFound) as unknown:
        segment(db, "vip", moscow(2026, 4, 1))
    assert (unknown.value.code, unknown.value.field) == ("segment_not_found", "segment")
    assert "fleet-moscow, sleeping" in unknown.value.message


def test_members_of_any_segment_show_their_last_order_not_their_joining(db: Database) -> None:
    """`segment show` and the members route list each member's last order and days of silence, also for a
    segment whose filter does not look at them (fleet-moscow: regions and tags only)."""
    segmented(db)
    with db.unit_of_work() as s:
        program = active_program(s, program_by_code(s, None).id)
        found = {m.account.code: m.facts for m in members(s, program, "fleet-moscow", moscow(2026, 4, 1))}
    assert found["TAXI-1"].last_order_at == moscow(2026, 3, 20)
    assert (found["TAXI-1"].days_since_last_order, found["TAXI-2"].days_since_last_order) == (12, 17)
