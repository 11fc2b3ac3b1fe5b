"""`loyalka activity record ACCOUNT TYPE [--at]` over a real database (seed 002's program)."""

from __future__ import annotations

from pathlib import Path

from loyalka.storage.database import Database
from tests.cli.test_cli import cli, ok, refused, write
from tests.conftest import EXAMPLES

ACCOUNTS = "code,name\nOPT-1,ООО «Опт»\n"


def wholesale(db: Database, tmp_path: Path) -> None:
    ok(cli("program", "load", EXAMPLES / "wholesale_tiers.yaml", "--db", db.url))
    ok(cli("import", "accounts", write(tmp_path / "accounts.csv", ACCOUNTS), "--db", db.url))


def test_a_review_earns_200_once_a_month_and_says_why_the_second_earns_nothing(db: Database, tmp_path: Path) -> None:
    wholesale(db, tmp_path)
    first = ok(cli("activity", "record", "OPT-1", "review", "--at", "2026-10-05T12:00:00+03:00", "--db", db.url))
    assert "review of OPT-1 recorded as review:OPT-1:20261005T090000Z: earned 200 points (review)" in first.stdout
    again = ok(cli("activity", "record", "OPT-1", "review", "--at", "2026-10-05T12:00:00+03:00", "--db", db.url))
    assert "already recorded" in again.stdout and "earned 200 points" in again.stdout
    second = ok(cli("activity", "record", "OPT-1", "review", "--at", "2026-10-20T12:00:00+03:00", "--db", db.url))
    assert "earned nothing" in second.stdout
    assert "rule 'review' earns at most once a month; that limit is reached" in second.stdout


def test_a_webinar_with_a_contact_and_an_event_id_of_its_own(db: Database, tmp_path: Path) -> None:
    wholesale(db, tmp_path)
    args = ("activity", "record", "OPT-1", "webinar", "--at", "2026-10-05T12:00:00+03:00", "--event-id", "web-7")
    assert "as web-7: earned 300 points (events)" in ok(cli(*args, "--db", db.url)).stdout


def test_bad_input_is_refused_clearly(db: Database, tmp_path: Path) -> None:
    wholesale(db, tmp_path)
    unknown = refused(cli("activity", "record", "OPT-1", "party", "--at", "2026-10-05T12:00:00+03:00", "--db", db.url))
    assert "error (unknown_activity) [type]: unknown activity type 'party'" in unknown.stderr
    naive = refused(cli("activity", "record", "OPT-1", "review", "--at", "2026-10-05T12:00:00", "--db", db.url))
    assert "error (naive_datetime) [at]" in naive.stderr
    nobody = refused(cli("activity", "record", "NOBODY", "review", "--at", "2026-10-05T12:00:00+03:00", "--db", db.url))
    assert "error (account_not_found) [account]" in nobody.stderr
    future = refused(cli("activity", "record", "OPT-1", "review", "--at", "2099-10-05T12:00:00+03:00", "--db", db.url))
    assert "error (future_event)" in future.stderr
