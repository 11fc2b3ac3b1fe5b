"""PostgreSQL race tests: the same day of triggers, or the same campaign, run several times at once credits
and queues each thing once; two senders at once send each message once."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, update

from loyalka.jobs.daily import run_daily
from loyalka.services import campaigns
from loyalka.services.campaigns import run_campaign
from loyalka.services.outbox import SmtpSettings, send_queued
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow, EventRow, MessageRow
from tests.conftest import moscow
from tests.races import at_once
from tests.smtp_server import running_mailbox
from tests.support import add_account, ledger_sum, load_example

JOINED = moscow(2026, 1, 10, 9)


def companies(db: Database, count: int) -> None:
    load_example(db, "autoservice_case1.yaml", JOINED)
    for i in range(count):
        contact = {"code": "c", "name": "Иван", "birthday": date(1980, 4, 12), "email": f"c{i}@fleet.ru"}
        add_account(db, f"TAXI-{i}", JOINED, region="Москва", tags=("fleet",), contacts=[contact])


def totals(db: Database) -> tuple[int, int]:
    with db.unit_of_work() as s:
        return (
            s.scalar(select(func.count()).select_from(EventRow)),
            s.scalar(select(func.count()).select_from(MessageRow)),
        )


def test_a_day_run_four_times_at_once_credits_each_birthday_once(pg_db: Database) -> None:
    companies(pg_db, 5)

    def day() -> None:
        with pg_db.unit_of_work() as s:
            run_daily(s, date(2026, 4, 12), now=moscow(2026, 4, 12, 3))

    assert len(at_once(4, lambda _: day())[0]) == 4
    assert totals(pg_db) == (5, 5)
    assert ledger_sum(pg_db) == 5 * 2000


def test_a_campaign_run_four_times_at_once_credits_each_member_once(pg_db: Database) -> None:
    companies(pg_db, 5)

    def campaign() -> None:
        with pg_db.unit_of_work() as s:
            run_campaign(s, "spring-service-2026", at=moscow(2026, 4, 1), now=moscow(2026, 4, 1), run_by="race")

    assert len(at_once(4, lambda _: campaign())[0]) == 4
    assert totals(pg_db) == (5, 5)
    assert ledger_sum(pg_db) == 5 * 500


def test_two_senders_at_once_never_send_a_message_twice(pg_db: Database) -> None:
    companies(pg_db, 6)
    with pg_db.unit_of_work() as s:
        run_campaign(s, "spring-service-2026", at=moscow(2026, 4, 1), now=moscow(2026, 4, 1), run_by="race")
    with running_mailbox() as (box, port):
        settings = SmtpSettings("127.0.0.1", port, "bonus@auto.ru", timeout_s=10)
        assert len(at_once(2, lambda _: send_queued(pg_db, settings, clock=lambda: moscow(2026, 4, 1, 12)))[0]) == 2
    assert sorted(to for _, [to], _ in box.received) == sorted(f"c{i}@fleet.ru" for i in range(6))
    with pg_db.unit_of_work() as s:
        assert set(s.scalars(select(MessageRow.status))) == {"sent"}
        assert set(s.scalars(select(MessageRow.attempts))) == {1}


def test_a_company_that_leaves_while_a_campaign_reads_its_segment_is_not_credited(
    pg_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The month close takes TAXI-0 out of the program after the campaign read the segment and before it locked
    the accounts: the locked row says `left`, so the campaign credits it nothing."""
    companies(pg_db, 2)
    read_segment = campaigns.members

    def members_then_one_leaves(*args: Any, **kwargs: Any) -> Any:
        found = read_segment(*args, **kwargs)
        with pg_db.unit_of_work() as other:
            other.execute(update(AccountRow).where(AccountRow.code == "TAXI-0").values(status="left"))
        return found

    monkeypatch.setattr(campaigns, "members", members_then_one_leaves)
    with pg_db.unit_of_work() as s:
        summary = run_campaign(s, "spring-service-2026", at=moscow(2026, 4, 1), now=moscow(2026, 4, 1), run_by="t")
    assert (summary["members"], summary["credited"], summary["skipped_not_members"]) == (2, 1, 1)
    assert ledger_sum(pg_db, "TAXI-0") == 0
    assert ledger_sum(pg_db, "TAXI-1") == 500
