"""Stamp cards and the rewards catalog over HTTP: seed 004's card walked to a gift, seed 002's rewards redeemed,
fulfilled and cancelled, and the bad requests each route must refuse clearly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from loyalka.api import create_app
from loyalka.services.programs import load_program
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow
from tests.conftest import EXAMPLES, moscow
from tests.support import Clock

JOINED = moscow(2026, 1, 12, 9)


def api(db: Database, example: str, clock: Clock) -> TestClient:
    with db.unit_of_work() as s:
        load_program(s, (EXAMPLES / example).read_text(encoding="utf-8"), now=JOINED)
    return TestClient(create_app(db, clock=clock))


def member(client: TestClient, db: Database, code: str, tier: str | None) -> None:
    assert client.post("/v1/accounts", json={"code": code, "name": f"ООО {code}"}).status_code == 201
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).where(AccountRow.code == code).values(tier=tier))


def buy(client: TestClient, code: str, n: int, total: str, at: datetime) -> None:
    body = {"event_id": f"e-{code}-{n}", "account": code, "order_id": f"{code}-{n}", "occurred_at": at.isoformat()}
    assert client.post("/v1/orders", json={**body, "total": total}).status_code == 201


def error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.json()["code"] == code, response.json()
    return response.json()


@pytest.fixture
def metal(db: Database) -> Iterator[TestClient]:
    clock = Clock(moscow(2026, 3, 1, 12))
    with api(db, "metal_cards.yaml", clock) as client:
        member(client, db, "METALL", "silver")
        for n in range(1, 9):
            buy(client, "METALL", n, "30000.00", moscow(2026, 2, n, 12))
        yield client


def test_the_account_card_shows_the_stamp_card_and_what_the_next_order_brings(metal: TestClient) -> None:
    [shown] = metal.get("/v1/accounts/METALL").json()["stamp_cards"]
    assert (shown["card"], shown["stamps"], shown["cycle"], shown["min_order"]) == ("purchases-3x4", 8, 1, "30000.00")
    assert [g["gift_en"] for g in shown["gifts_offered"]] == [
        "2,000 RUB certificate for metal cutting",
        "10% off bending services",
    ]
    assert shown["next_order"]["stamps_to_gift"] == 4 and shown["next_order"]["column"] == 3
    assert shown["stamped_orders"][0] == {"order_id": "METALL-1", "stamped_at": "2026-02-01T09:00:00Z"}
    assert metal.get("/v1/accounts/METALL/stamp-cards").json()["stamp_cards"] == [shown]


def test_claiming_a_gift_over_http_is_idempotent_by_key(metal: TestClient) -> None:
    path = "/v1/accounts/METALL/stamp-cards/purchases-3x4/claim"
    first = metal.post(path, json={"column": 2, "key": "claim-1"})
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["gift"], body["tier"], body["stamps_used"], body["order"]["status"]) == (
        "Скидка 10% на услуги гибки",
        "silver",
        8,
        "new",
    )
    again = metal.post(path, json={"column": 2, "key": "claim-1"})
    assert (again.status_code, again.json()) == (200, body)
    error(metal.post(path, json={"column": 1, "key": "claim-1"}), 409, "idempotency_conflict")
    error(metal.post(path, json={"column": 1, "key": "claim-2"}), 422, "column_not_full")
    assert metal.get("/v1/accounts/METALL/stamp-cards").json()["stamp_cards"][0]["cycle"] == 2
    orders = metal.get("/v1/accounts/METALL/reward-orders").json()
    assert [(o["source"], o["column"], o["name"]) for o in orders] == [("stamp_card", 2, "Скидка 10% на услуги гибки")]
    fulfilled = metal.post(f"/v1/reward-orders/{orders[0]['id']}/fulfil", json={"note": "at the warehouse"})
    assert fulfilled.json()["status"] == "fulfilled"


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/v1/accounts/METALL/stamp-cards/purchases-3x4/claim", {"column": 0, "key": "k"}, 422, "invalid_request"),
        ("/v1/accounts/METALL/stamp-cards/purchases-3x4/claim", {"column": 1}, 422, "invalid_request"),
        (
            "/v1/accounts/METALL/stamp-cards/purchases-3x4/claim",
            {"column": 1, "key": "k", "x": 1},
            422,
            "invalid_request",
        ),
        ("/v1/accounts/METALL/stamp-cards/nope/claim", {"column": 1, "key": "k"}, 404, "stamp_card_not_found"),
        ("/v1/accounts/NOBODY/stamp-cards/purchases-3x4/claim", {"column": 1, "key": "k"}, 404, "account_not_found"),
        ("/v1/accounts/METALL/stamp-cards/purchases-3x4/claim", {"column": 4, "key": "k"}, 422, "invalid_column"),
    ],
)
def test_bad_claims_are_refused(metal: TestClient, path: str, body: dict[str, Any], status: int, code: str) -> None:
    error(metal.post(path, json=body), status, code)
    assert metal.get("/v1/accounts/METALL/reward-orders").json() == []


@pytest.fixture
def wholesale(db: Database) -> Iterator[TestClient]:
    clock = Clock(moscow(2026, 1, 10, 12))
    with api(db, "wholesale_tiers.yaml", clock) as client:
        for code, tier, total in (("SILVER-CO", "silver", "900000.00"), ("GOLD-CO", "gold", "2000000.00")):
            member(client, db, code, tier)
            buy(client, code, 1, total, clock.now)
        clock.now = moscow(2026, 2, 2, 12)
        yield client


def points(client: TestClient, code: str) -> str:
    return client.get(f"/v1/accounts/{code}/balance").json()["balances"][0]["spendable"]


def test_rewards_are_listed_redeemed_and_cancelled_over_http(wholesale: TestClient) -> None:
    listed = wholesale.get("/v1/rewards", params={"account": "SILVER-CO"}).json()
    assert [(r["id"], r["available"], r["reason_code"]) for r in listed["rewards"]] == [
        ("free-delivery", True, None),
        ("staff-training", False, "reward_not_available"),
        ("certificate-5000", True, None),
    ]
    error(
        wholesale.post("/v1/rewards/staff-training/redeem", json={"account": "SILVER-CO", "key": "t1"}),
        422,
        "reward_not_available",
    )
    made = wholesale.post("/v1/rewards/certificate-5000/redeem", json={"account": "SILVER-CO", "key": "c1"})
    assert made.status_code == 201, made.text
    assert (made.json()["points"], made.json()["status"]) == ({"points": "5000"}, "new")
    replay = wholesale.post("/v1/rewards/certificate-5000/redeem", json={"account": "SILVER-CO", "key": "c1"})
    assert (replay.status_code, replay.json()) == (200, made.json())
    error(
        wholesale.post("/v1/rewards/free-delivery/redeem", json={"account": "SILVER-CO", "key": "c1"}),
        409,
        "idempotency_conflict",
    )
    assert points(wholesale, "SILVER-CO") == "4000"
    cancelled = wholesale.post(f"/v1/reward-orders/{made.json()['id']}/cancel", json={"note": "wrong city"})
    assert (cancelled.json()["status"], cancelled.json()["note"]) == ("cancelled", "wrong city")
    assert points(wholesale, "SILVER-CO") == "9000"
    error(wholesale.post(f"/v1/reward-orders/{made.json()['id']}/fulfil"), 409, "reward_order_resolved")
    history = wholesale.get("/v1/rewards/certificate-5000/history").json()
    assert (history["stock"], [h["reason"] for h in history["history"]]) == (
        50,
        ["initialised", "redeemed", "cancelled"],
    )
    gold = wholesale.post("/v1/rewards/staff-training/redeem", json={"account": "GOLD-CO", "key": "t2"})
    assert gold.status_code == 201 and points(wholesale, "GOLD-CO") == "15000"
    assert [
        o["item"] for o in wholesale.get("/v1/accounts/GOLD-CO/reward-orders", params={"status": "new"}).json()
    ] == ["staff-training"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("post", "/v1/rewards/gold-watch/redeem", {"account": "GOLD-CO", "key": "k"}, 404, "reward_not_found"),
        ("post", "/v1/rewards/certificate-5000/redeem", {"account": "GOLD-CO"}, 422, "invalid_request"),
        ("post", "/v1/rewards/certificate-5000/redeem", {"account": "GOLD-CO", "key": "a b"}, 422, "invalid_request"),
        ("post", "/v1/rewards/certificate-5000/redeem", {"account": "NOBODY", "key": "k"}, 404, "account_not_found"),
        ("post", "/v1/reward-orders/77/cancel", None, 404, "reward_order_not_found"),
        ("post", "/v1/reward-orders/abc/fulfil", None, 422, "invalid_request"),
        ("get", "/v1/rewards?account=NOBODY", None, 404, "account_not_found"),
        ("get", "/v1/rewards/gold-watch/history", None, 404, "reward_not_found"),
        ("get", "/v1/accounts/GOLD-CO/reward-orders?status=lost", None, 422, "invalid_status"),
    ],
)
def test_bad_reward_requests_are_refused(
    wholesale: TestClient, method: str, path: str, body: Any, status: int, code: str
) -> None:
    response = getattr(wholesale, method)(path, **({"json": body} if body is not None else {}))
    error(response, status, code)
    assert points(wholesale, "GOLD-CO") == "30000"
