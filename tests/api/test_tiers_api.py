"""Tiers over HTTP: the account card's tier with benefits and progress, GET /v1/accounts/{code}/tier, the
tier an order earns at, and the tier evaluation in a close's summary."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from loyalka.api import create_app
from loyalka.services.programs import load_program
from loyalka.storage.database import Database
from tests.api.test_api import Clock, assert_error
from tests.conftest import EXAMPLES, moscow

JOINED = moscow(2026, 1, 10, 9)


@pytest.fixture
def clock() -> Clock:
    return Clock(JOINED)


def serve(db: Database, clock: Clock, *examples: str) -> TestClient:
    with db.unit_of_work() as s:
        for example in examples:
            load_program(s, (EXAMPLES / example).read_text(encoding="utf-8"), now=JOINED)
    return TestClient(create_app(db, clock=clock))


@pytest.fixture
def metal(db: Database, clock: Clock) -> Iterator[TestClient]:
    with serve(db, clock, "metal_cards.yaml") as client:
        assert client.post("/v1/accounts", json={"code": "STAL", "name": "ООО «Сталь»"}).status_code == 201
        yield client


def post_order(client: TestClient, event: str, at: Any, total: str, account: str = "STAL") -> dict[str, Any]:
    body = {
        "event_id": event,
        "account": account,
        "order_id": f"SO-{event}",
        "occurred_at": at.isoformat(),
        "total": total,
    }
    response = client.post("/v1/orders", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_new_client_has_the_bronze_card_and_sees_what_silver_and_gold_need(metal: TestClient) -> None:
    tier = metal.get("/v1/accounts/STAL").json()["tier"]
    assert (tier["id"], tier["name"], tier["name_en"], tier["earn_multiplier"]) == (
        "bronze",
        "Бронзовая карта",
        "Bronze card",
        "1",
    )
    assert tier["since"] == "2026-01-10T06:00:00Z"
    assert tier["benefits"]["free_delivery"] == "none" and tier["benefits"]["payment_terms_days"] is None
    silver = tier["next"]
    assert (silver["id"], silver["earn_multiplier"]) == ("silver", "1.5")
    assert silver["progress"]["text"] == "turnover 0.00 of 1500000.00 RUB since the start of the year"
    assert silver["progress"]["text_ru"] == "оборот 0.00 из 1500000.00 RUB с начала года"


def test_an_order_of_520000_answers_gold_and_the_tier_route_shows_gold_with_its_benefits(
    metal: TestClient, clock: Clock
) -> None:
    clock.now = moscow(2026, 1, 15, 13)
    done = post_order(metal, "e1", moscow(2026, 1, 15, 12), "520000")
    assert done["tier"] == "gold" and done["earned"][0]["points"] == "5200.00"
    response = metal.get("/v1/accounts/STAL/tier")
    assert response.status_code == 200, response.text
    shown = response.json()
    assert (shown["account"], shown["member"], shown["progress"]) == ("STAL", True, None)  # gold is the top
    current = shown["current"]
    assert (current["id"], current["earn_multiplier"], current["since"]) == ("gold", "2", "2026-01-15T09:00:00Z")
    assert current["benefits"] == {
        "free_delivery": "standard",
        "payment_terms_days": 21,
        "personal_manager": False,
        "closed_sales": False,
        "priority_service": True,
        "other": [],
    }
    assert [(h["to_tier"], h["reason"]) for h in shown["history"]] == [
        ("gold", "qualified_on_order"),
        ("bronze", "joined"),
    ]
    assert "single purchase 520000.00 of 500000.01 RUB" in shown["history"][0]["note"]
    assert shown["history"][0]["event_id"] == "e1"


def test_wholesale_progress_shows_turnover_820000_of_1000000_over_the_last_12_months(
    db: Database, clock: Clock
) -> None:
    with serve(db, clock, "wholesale_tiers.yaml") as client:
        assert client.post("/v1/accounts", json={"code": "OPT", "name": "ООО «Опт»"}).status_code == 201
        clock.now = moscow(2026, 3, 2, 11)
        post_order(client, "w1", moscow(2026, 3, 2, 10), "820000", account="OPT")
        progress = client.get("/v1/accounts/OPT/tier").json()["progress"]
    assert (progress["id"], progress["name_en"]) == ("gold", "Gold")
    turnover, together = progress["progress"]["parts"]
    assert turnover["text"] == "turnover 820000.00 of 1000000.00 RUB over the last 12 months"
    assert (turnover["have"], turnover["need"], turnover["window"]) == (
        "820000.00",
        "1000000.00",
        {"rolling_months": 12, "calendar": None},
    )
    assert [(p["criterion"], p["have"], p["need"], p["unit"]) for p in together["parts"]] == [
        ("orders", "1", "24", "orders"),
        ("breadth", "0", "5", "categories"),
    ]


def test_the_close_answers_with_the_tier_evaluation(metal: TestClient, clock: Clock) -> None:
    clock.now = moscow(2026, 2, 1, 1)
    response = metal.post("/v1/periods/2026-01/close")
    assert response.status_code == 200, response.text
    assert response.json()["tiers"] == {
        "period": "2026-01",
        "upgraded": 0,
        "downgraded": 0,
        "kept": 1,
        "in_grace": 0,
        "distribution": {"bronze": 1, "silver": 0, "gold": 0},
    }


def test_the_tier_of_an_unknown_account_is_not_found(metal: TestClient) -> None:
    assert_error(metal.get("/v1/accounts/NOPE/tier"), 404, "account_not_found", "account")


def test_an_account_of_a_program_without_tiers_has_no_tier(db: Database, clock: Clock) -> None:
    with serve(db, clock, "textile.yaml") as client:
        assert client.post("/v1/accounts", json={"code": "SALON", "name": "Салон"}).status_code == 201
        assert client.get("/v1/accounts/SALON").json()["tier"] is None
        assert_error(client.get("/v1/accounts/SALON/tier"), 404, "tiers_not_configured", "account")


def test_the_tier_route_is_documented(metal: TestClient) -> None:
    spec = metal.get("/openapi.json").json()
    assert spec["paths"]["/v1/accounts/{code}/tier"]["get"]["summary"] == "Read an account's tier"
