"""The exchange over HTTP: transfers, one-time grants, activation codes, referral codes and referrers."""

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


@pytest.fixture
def clock() -> Clock:
    return Clock(JOINED)


@pytest.fixture
def client(db: Database, clock: Clock) -> Iterator[TestClient]:
    with db.unit_of_work() as s:
        for name in ("autoservice_case1.yaml", "autoservice_case2.yaml", "wholesale_tiers.yaml"):
            load_program(s, (EXAMPLES / name).read_text(encoding="utf-8"), now=JOINED)
    with TestClient(create_app(db, clock=clock)) as client:
        yield client


def account(client: TestClient, code: str, program: str, **fields: Any) -> dict[str, Any]:
    response = client.post(
        "/v1/accounts", json={"code": code, "name": f"Компания {code}", "program": program, **fields}
    )
    assert response.status_code == 201, response.text
    return response.json()


def assert_error(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert (body["code"], body["field"]) == (code, field), body
    return body


def spendable(client: TestClient, code: str, kind: str) -> str:
    balances = client.get(f"/v1/accounts/{code}/balance").json()["balances"]
    return next(b["spendable"] for b in balances if b["kind"] == kind)


# --- transfers -------------------------------------------------------------------------------------------------
@pytest.fixture
def garages(client: TestClient, clock: Clock) -> TestClient:
    account(client, "SENDER", "autoservice-case1")
    account(client, "RECEIVER", "autoservice-case1")
    clock.now = moscow(2026, 3, 2, 12)
    order = {
        "event_id": "e1",
        "account": "SENDER",
        "order_id": "WO-1",
        "occurred_at": clock.now.isoformat(),
        "lines": [{"sku": "parts", "category": "parts", "amount": "50000"}],
    }
    assert client.post("/v1/orders", json=order).status_code == 201  # 12% of 50,000: 6,000 bonus points
    clock.now = moscow(2026, 3, 5, 12)
    return client


def test_a_transfer_over_http_and_its_repeat(garages: TestClient) -> None:
    body = {"key": "gift-1", "from": "SENDER", "to": "RECEIVER", "points": "1500"}
    response = garages.post("/v1/transfers", json=body)
    assert response.status_code == 201, response.text
    done = response.json()
    assert (done["from"], done["to"], done["kind"], done["points"], done["replayed"]) == (
        "SENDER",
        "RECEIVER",
        "bonus",
        "1500",
        False,
    )
    assert done["lots"] == [{"points": "1500", "available_from": "2026-03-02T09:00:00Z", "expires_at": None}]
    assert (done["sent_this_month"], done["left_this_month"]) == ("1500", "8500")
    again = garages.post("/v1/transfers", json={**body, "points": 1500})
    assert again.status_code == 200 and again.json() == {**done, "replayed": True}
    assert_error(garages.post("/v1/transfers", json={**body, "points": "1600"}), 409, "idempotency_conflict", "key")
    assert (spendable(garages, "SENDER", "bonus"), spendable(garages, "RECEIVER", "bonus")) == ("4500", "1500")


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"points": 1500.0}, 422, "invalid_request", "points"),
        ({"points": "7000"}, 422, "transfer_above_max", "points"),
        ({"points": "50"}, 422, "transfer_below_min", "points"),
        ({"to": "SENDER"}, 422, "transfer_to_self", "to"),
        ({"to": "NOBODY"}, 404, "account_not_found", "to"),
        ({"kind": "premium"}, 422, "kind_not_transferable", "kind"),
        ({"amount": "100"}, 422, "invalid_request", "amount"),
    ],
)
def test_a_refused_transfer_says_why_and_on_which_field(
    garages: TestClient, change: dict[str, Any], status: int, code: str, field: str
) -> None:
    body = {"key": "gift-1", "from": "SENDER", "to": "RECEIVER", "points": "1500", **change}
    assert_error(garages.post("/v1/transfers", json=body), status, code, field)
    assert spendable(garages, "RECEIVER", "bonus") == "0"


def test_a_transfer_above_the_balance_is_refused(garages: TestClient) -> None:
    garages.post("/v1/transfers", json={"key": "t1", "from": "SENDER", "to": "RECEIVER", "points": "5000"})
    body = {"key": "t2", "from": "SENDER", "to": "RECEIVER", "points": "1500"}
    assert_error(garages.post("/v1/transfers", json=body), 422, "insufficient_points", "points")


# --- one-time grants and codes ---------------------------------------------------------------------------------
def test_a_one_time_grant_over_http_is_credited_once(client: TestClient) -> None:
    account(client, "HOLDER", "autoservice-case2")
    first = client.post("/v1/grants/discount-card-migration/accounts/HOLDER")
    assert first.status_code == 201, first.text
    assert (first.json()["points"], first.json()["grant"], first.json()["replayed"]) == (
        "3000",
        "discount-card-migration",
        False,
    )
    again = client.post("/v1/grants/discount-card-migration/accounts/HOLDER")
    assert again.status_code == 200 and again.json() == {**first.json(), "replayed": True}
    assert spendable(client, "HOLDER", "bonus") == "3000"
    assert_error(client.post("/v1/grants/no-such/accounts/HOLDER"), 404, "grant_not_found", "grant")
    assert_error(client.post("/v1/grants/discount-card-migration/accounts/NOBODY"), 404, "account_not_found", "account")


def test_a_partner_card_activates_once_in_the_whole_system(client: TestClient, clock: Clock) -> None:
    account(client, "FIRST", "autoservice-case2")
    account(client, "OTHER", "autoservice-case2")
    clock.now = moscow(2026, 3, 3, 15, 30)
    response = client.post("/v1/codes/partner-club/activate", json={"account": "FIRST", "code": "4000 1234 5678"})
    assert response.status_code == 201, response.text
    assert (response.json()["code"], response.json()["points"], response.json()["set"]) == (
        "400012345678",
        "2000",
        "partner-club",
    )
    clock.now = moscow(2026, 3, 9)
    refused = client.post("/v1/codes/partner-club/activate", json={"account": "OTHER", "code": "400012345678"})
    assert "2026-03-03 15:30" in assert_error(refused, 409, "code_already_activated", "code")["message"]
    malformed = client.post("/v1/codes/partner-club/activate", json={"account": "OTHER", "code": "ABC"})
    assert_error(malformed, 422, "code_format_mismatch", "code")
    unknown = client.post("/v1/codes/golf/activate", json={"account": "OTHER", "code": "400012345679"})
    assert_error(unknown, 404, "code_set_not_found", "set")
    assert spendable(client, "OTHER", "bonus") == "0"


# --- referrals -------------------------------------------------------------------------------------------------
def test_an_account_names_its_referrer_at_creation_and_the_card_shows_it(client: TestClient) -> None:
    referrer = account(client, "REF", "wholesale-tiers", inn="7707083893")
    code = referrer["referral"]["code"]
    assert len(code) == 8 and referrer["referral"]["referred_by"] is None
    new = account(client, "NEW", "wholesale-tiers", inn="7736207543", referred_by=code)
    assert new["referral"]["referred_by"] == {"account": "REF", "name": "Компания REF"}
    assert new["referral"]["status"] == "waiting"
    assert client.get("/v1/accounts/REF").json()["referral"]["referred_companies"] == 1
    same_inn = client.post(
        "/v1/accounts",
        json={
            "code": "BRANCH",
            "name": "Филиал",
            "program": "wholesale-tiers",
            "inn": "7707083893",
            "referred_by": code,
        },
    )
    assert_error(same_inn, 422, "self_referral", "referred_by")
    assert_error(client.get("/v1/accounts/BRANCH"), 404, "account_not_found", "account")


def test_a_referrer_named_later_through_its_own_route(client: TestClient) -> None:
    code = account(client, "REF", "wholesale-tiers")["referral"]["code"]
    account(client, "NEW", "wholesale-tiers")
    named = client.post("/v1/accounts/NEW/referrer", json={"referral_code": code.lower()})
    assert named.status_code == 200, named.text
    assert named.json()["referred_by"]["account"] == "REF"
    other = account(client, "OTHER", "wholesale-tiers")["referral"]["code"]
    assert_error(
        client.post("/v1/accounts/NEW/referrer", json={"referral_code": other}),
        409,
        "referrer_already_set",
        "referral_code",
    )
    assert_error(
        client.post("/v1/accounts/REF/referrer", json={"referral_code": "ZZZZ2222"}),
        404,
        "referral_code_not_found",
        "referral_code",
    )


def test_programs_without_referrals_show_no_referral_section(client: TestClient) -> None:
    assert account(client, "GARAGE", "autoservice-case1")["referral"] is None


def test_the_api_key_guards_the_exchange_routes(db: Database) -> None:
    with TestClient(create_app(db, api_key="s3cret")) as client:
        for path in ("/v1/transfers", "/v1/grants/g/accounts/A", "/v1/codes/s/activate", "/v1/accounts/A/referrer"):
            assert_error(client.post(path, json={}), 401, "unauthorized", "X-API-Key")
