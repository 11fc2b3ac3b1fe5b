"""The engagement routes over HTTP (seed 001, case 1): the daily job, segments, campaigns, an account's messages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from loyalka.api import create_app
from loyalka.services.programs import load_program
from loyalka.storage.database import Database
from tests.conftest import EXAMPLES, moscow
from tests.support import Clock

JOINED = moscow(2026, 3, 1, 9)


def company(code: str, **extra: Any) -> dict[str, Any]:
    ivan = {"code": "ivan", "name": "Иван Петров", "birthday": "1979-04-12", "email": f"ivan@{code.lower()}.ru"}
    return {
        "code": code,
        "name": f"Автопарк {code}",
        "region": "Москва",
        "tags": ["fleet"],
        "contacts": [ivan],
        **extra,
    }


@pytest.fixture
def clock() -> Clock:
    return Clock(JOINED)


@pytest.fixture
def client(db: Database, clock: Clock) -> Iterator[TestClient]:
    with db.unit_of_work() as s:
        load_program(s, (EXAMPLES / "autoservice_case1.yaml").read_text(encoding="utf-8"), now=JOINED)
    with TestClient(create_app(db, clock=clock)) as client:
        for body in (company("TAXI-1"), company("TAXI-2", language="en"), company("SOLO", tags=[])):
            assert client.post("/v1/accounts", json=body).status_code == 201
        yield client


def error(response: Any, status: int) -> tuple[str, str | None]:
    assert response.status_code == status, response.text
    body = response.json()
    return body["code"], body["field"]


def test_the_daily_job_credits_each_birthday_once(client: TestClient, clock: Clock) -> None:
    clock.now = moscow(2026, 4, 12, 3)
    first = client.post("/v1/jobs/daily", params={"date": "2026-04-12"})
    assert first.status_code == 200, first.text
    assert first.json()["birthday"] == {"granted": 3, "messages": 3, "points": "6000"}
    again = client.post("/v1/jobs/daily", params={"date": "2026-04-12"}).json()
    assert again["birthday"] == {"granted": 0, "messages": 0, "points": "0"}
    today = client.post("/v1/jobs/daily").json()  # no date: today in the program's zone
    assert today["date"] == "2026-04-12"
    premium = next(b for b in client.get("/v1/accounts/TAXI-1").json()["balances"] if b["kind"] == "premium")
    assert premium["spendable"] == "2000"


def test_the_daily_job_refuses_a_date_that_is_not_a_date_a_day_not_begun_and_an_unknown_program(
    client: TestClient, clock: Clock
) -> None:
    clock.now = moscow(2026, 4, 11, 12)
    assert error(client.post("/v1/jobs/daily", params={"date": "12.04.2026"}), 422) == ("invalid_date", "date")
    assert error(client.post("/v1/jobs/daily", params={"date": "2026-04-12"}), 422) == ("day_not_started", "date")
    assert error(client.post("/v1/jobs/daily", params={"program": "nope"}), 404) == ("program_not_found", "program")
    assert client.get("/v1/accounts/TAXI-1/messages").json() == []


def test_segments_and_their_members(client: TestClient, clock: Clock) -> None:
    clock.now = moscow(2026, 4, 1)
    segments = client.get("/v1/segments").json()
    assert [s["id"] for s in segments] == ["fleet-moscow", "sleeping"]
    assert segments[0]["filter"]["regions"] == ["Москва"]
    fleet = client.get("/v1/segments/fleet-moscow/members").json()
    assert (fleet["count"], [m["code"] for m in fleet["members"]]) == (2, ["TAXI-1", "TAXI-2"])
    page = client.get("/v1/segments/fleet-moscow/members", params={"limit": 1, "offset": 1}).json()
    assert (page["count"], [m["code"] for m in page["members"]]) == (2, ["TAXI-2"])
    sleeping = client.get("/v1/segments/sleeping/members", params={"at": "2026-06-29T00:00:00+03:00"}).json()
    assert [(m["code"], m["days_since_last_order"]) for m in sleeping["members"]] == [
        ("TAXI-1", 120),
        ("TAXI-2", 120),
        ("SOLO", 120),
    ]
    assert error(client.get("/v1/segments/vip/members"), 404) == ("segment_not_found", "segment")


def test_a_campaign_runs_once_per_member_and_its_messages_are_on_the_account(client: TestClient, clock: Clock) -> None:
    clock.now = moscow(2026, 4, 1, 10)
    first = client.post("/v1/campaigns/spring-service-2026/run", json={"run_by": "marketing"})
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["credited"], body["points"], body["messages"], body["run"]) == (2, "1000", 2, 1)
    again = client.post("/v1/campaigns/spring-service-2026/run").json()
    assert (again["credited"], again["already_credited"], again["run_by"], again["run"]) == (0, 2, "api", 2)
    [listed] = client.get("/v1/campaigns").json()
    assert (listed["runs"], listed["credited"]) == (2, 2)
    [message] = client.get("/v1/accounts/TAXI-2/messages").json()
    assert (message["subject"], message["status"], message["recipients"]) == (
        "Spring service for Автопарк TAXI-2",
        "queued",
        ["ivan@taxi-2.ru"],
    )
    assert client.get("/v1/accounts/TAXI-2/messages", params={"status": "sent"}).json() == []


def test_campaign_bad_input(client: TestClient, clock: Clock) -> None:
    clock.now = moscow(2026, 4, 1, 10)
    run = "/v1/campaigns/spring-service-2026/run"
    assert error(client.post("/v1/campaigns/autumn/run"), 404) == ("campaign_not_found", "campaign")
    assert error(client.post(run, json={"program": "nope"}), 404) == ("program_not_found", "program")
    assert error(client.post(run, json={"at": "2026-05-01T10:00:00+03:00"}), 422) == ("future_event", "at")
    assert error(client.post(run, json={"at": "2026-04-01T10:00:00"}), 422)[0] == "invalid_request"
    assert error(client.post(run, json={"bonus": 1}), 422)[0] == "invalid_request"
    assert error(client.get("/v1/accounts/NOPE/messages"), 404) == ("account_not_found", "account")
    assert error(client.get("/v1/accounts/TAXI-1/messages", params={"status": "lost"}), 422) == (
        "invalid_status",
        "status",
    )
    assert client.get("/v1/campaigns").json()[0]["runs"] == 0
    assert client.get("/v1/accounts/TAXI-1/messages").json() == []
