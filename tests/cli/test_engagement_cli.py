"""`loyalka triggers`, `segment`, `campaign` and `messages`, end to end over a real database and a real SMTP
server (seed 001, case 1). The commands take "now" from the wall clock, so every date here is in the past."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import func, select
from typer.testing import CliRunner

from loyalka.cli.app import app
from loyalka.storage.database import Database
from loyalka.storage.tables import EventRow, MessageRow
from tests.conftest import EXAMPLES, moscow
from tests.smtp_server import Mailbox, free_port, running_mailbox
from tests.support import add_account

CASE1 = EXAMPLES / "autoservice_case1.yaml"
JOINED = moscow(2026, 1, 10, 9)
runner = CliRunner(
    env={"COLUMNS": "1000", "NO_COLOR": "1", "LOYALKA_DATABASE_URL": None, "LOYALKA_SMTP_PASSWORD": None}
)


def cli(*args: object) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.stdout}\n{result.stderr}\n{result.exception!r}"
    return result


def refused(result: Result, code: str) -> str:
    assert result.exit_code == 1, f"exit {result.exit_code}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.output
    assert code in result.stderr, result.stderr
    return result.stderr


def documents(text: str) -> list[dict[str, Any]]:
    """The JSON documents a command printed one after another."""
    decoder, found, at = json.JSONDecoder(), [], 0
    text = text.strip()
    while at < len(text):
        value, end = decoder.raw_decode(text, at)
        found.append(value)
        at = end
        while at < len(text) and text[at].isspace():
            at += 1
    return found


@pytest.fixture
def fleet(db: Database) -> Database:
    ok(cli("program", "load", CASE1, "--db", db.url))
    for code in ("TAXI-1", "TAXI-2"):
        ivan = {"code": "ivan", "name": "Иван", "birthday": date(1979, 4, 12), "email": f"ivan@{code.lower()}.ru"}
        add_account(db, code, JOINED, region="Москва", tags=("fleet",), contacts=[ivan])
    add_account(db, "SOLO", JOINED, region="Тверь")
    return db


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with running_mailbox() as found:
        yield found


def test_triggers_run_for_a_day_then_a_range_catches_up_without_repeating(fleet: Database) -> None:
    [day] = documents(ok(cli("triggers", "run", "--date", "2026-04-12", "--db", fleet.url)).stdout)
    assert day["birthday"] == {"granted": 2, "messages": 2, "points": "4000"}
    days = documents(ok(cli("triggers", "run", "--from", "2026-04-10", "--to", "2026-04-13", "--db", fleet.url)).stdout)
    assert [d["date"] for d in days] == ["2026-04-10", "2026-04-11", "2026-04-12", "2026-04-13"]
    assert sum(d["birthday"]["granted"] for d in days) == 0


def test_triggers_run_refuses_bad_dates_and_ranges(fleet: Database) -> None:
    refused(cli("triggers", "run", "--date", "12.04.2026", "--db", fleet.url), "invalid_date")
    refused(cli("triggers", "run", "--from", "2026-04-10", "--db", fleet.url), "invalid_range")
    refused(
        cli("triggers", "run", "--date", "2026-04-10", "--from", "2026-04-10", "--to", "2026-04-11", "--db", fleet.url),
        "invalid_range",
    )
    refused(cli("triggers", "run", "--from", "2026-04-10", "--to", "2026-04-01", "--db", fleet.url), "invalid_range")
    refused(cli("triggers", "run", "--date", "2099-01-01", "--db", fleet.url), "day_not_started")
    refused(cli("triggers", "run", "--program", "nope", "--db", fleet.url), "program_not_found")
    with fleet.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(MessageRow)) == 0
        assert s.scalar(select(func.count()).select_from(EventRow)) == 0


def test_segment_list_and_show_with_a_csv_of_the_members(fleet: Database, tmp_path: Path) -> None:
    listed = ok(cli("segment", "list", "--db", fleet.url)).stdout
    assert "fleet-moscow" in listed and "sleeping" in listed
    shown = ok(cli("segment", "show", "fleet-moscow", "--at", "2026-04-01T10:00:00+03:00", "--db", fleet.url)).stdout
    assert "fleet-moscow: 2 member(s)" in shown and "TAXI-2" in shown and "SOLO" not in shown
    out = tmp_path / "fleet.csv"
    ok(cli("segment", "show", "fleet-moscow", "--csv", out, "--db", fleet.url))
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["code"], r["region"], r["tags"]) for r in rows] == [
        ("TAXI-1", "Москва", "fleet"),
        ("TAXI-2", "Москва", "fleet"),
    ]
    refused(cli("segment", "show", "vip", "--db", fleet.url), "segment_not_found")
    refused(cli("segment", "show", "sleeping", "--at", "2026-04-01T10:00", "--db", fleet.url), "invalid_datetime")
    nowhere = tmp_path / "no-such-folder" / "fleet.csv"
    assert "cannot write" in refused(
        cli("segment", "show", "fleet-moscow", "--csv", nowhere, "--db", fleet.url), "[csv]"
    )


def test_campaign_run_credits_once_and_campaign_list_shows_the_runs(fleet: Database) -> None:
    at = "2026-04-01T10:00:00+03:00"
    [first] = documents(
        ok(cli("campaign", "run", "spring-service-2026", "--at", at, "--by", "anna", "--db", fleet.url)).stdout
    )
    assert (first["credited"], first["points"], first["messages"], first["run_by"]) == (2, "1000", 2, "anna")
    [second] = documents(ok(cli("campaign", "run", "spring-service-2026", "--db", fleet.url)).stdout)
    assert (second["credited"], second["already_credited"], second["run"]) == (0, 2, 2)
    assert second["run_by"].startswith("cli")
    listed = ok(cli("campaign", "list", "--db", fleet.url)).stdout
    assert "spring-service-2026" in listed and "500 premium" in listed
    refused(cli("campaign", "run", "autumn", "--db", fleet.url), "campaign_not_found")
    refused(cli("campaign", "run", "spring-service-2026", "--program", "nope", "--db", fleet.url), "program_not_found")
    refused(
        cli("campaign", "run", "spring-service-2026", "--at", "2099-01-01T00:00:00+03:00", "--db", fleet.url),
        "future_event",
    )


def test_messages_send_through_smtp_then_list_them_sent(fleet: Database, mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    ok(cli("campaign", "run", "spring-service-2026", "--at", "2026-04-01T10:00:00+03:00", "--db", fleet.url))
    queued = ok(cli("messages", "list", "--status", "queued", "--db", fleet.url)).stdout
    assert "Весенний сервис для Компания TAXI-1" in queued
    sent = ok(
        cli(
            "messages",
            "send",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            port,
            "--sender",
            "bonus@auto.ru",
            "--limit",
            1,
            "--db",
            fleet.url,
        )
    )
    assert "1 sent, 0 failed, 0 to retry later" in sent.stdout
    rest = ok(
        cli(
            "messages",
            "send",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            port,
            "--sender",
            "bonus@auto.ru",
            "--db",
            fleet.url,
        )
    )
    assert "1 sent, 0 failed" in rest.stdout
    assert sorted(to for _, to, _ in box.received) == [["ivan@taxi-1.ru"], ["ivan@taxi-2.ru"]]
    assert "TAXI-2" in ok(cli("messages", "list", "--status", "sent", "--account", "TAXI-2", "--db", fleet.url)).stdout
    refused(cli("messages", "list", "--status", "lost", "--db", fleet.url), "invalid_status")


def test_messages_send_refuses_a_bad_sender_and_a_server_that_is_not_there(fleet: Database) -> None:
    base = ("messages", "send", "--smtp-host", "127.0.0.1", "--db", fleet.url)
    refused(cli(*base, "--smtp-port", free_port(), "--sender", "nobody"), "invalid_email")
    refused(cli(*base, "--smtp-port", free_port(), "--sender", "bonus@auto.ru"), "smtp_unavailable")
