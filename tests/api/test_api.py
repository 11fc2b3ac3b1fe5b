"""The HTTP API, end to end over a real database: seed 000 walked through HTTP, and every kind of bad input."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from loyalka.api import create_app
from loyalka.services.programs import load_program
from loyalka.storage.database import Database
from tests.conftest import EXAMPLES, moscow
from tests.support import Clock

JOINED = moscow(2026, 10, 1, 9, 0)
SALON = {"code": "SALON-1", "name": "Салон «Уют»", "inn": "7707083893", "region": "Москва"}


@pytest.fixture
def clock() -> Clock:
    return Clock(JOINED)


@pytest.fixture
def client(db: Database, clock: Clock) -> Iterator[TestClient]:
    with db.unit_of_work() as s:
        load_program(s, (EXAMPLES / "textile.yaml").read_text(encoding="utf-8"), now=JOINED)
    with TestClient(create_app(db, clock=clock)) as client:
        yield client


@pytest.fixture
def salon(client: TestClient) -> TestClient:
    assert client.post("/v1/accounts", json=SALON).status_code == 201
    return client


def order_body(event: str, ref: str, at: datetime, total: Any) -> dict[str, Any]:
    return {"event_id": event, "account": "SALON-1", "order_id": ref, "occurred_at": at.isoformat(), "total": total}


def post_order(client: TestClient, event: str, ref: str, at: datetime, total: Any, **extra: Any) -> Any:
    return client.post("/v1/orders", json={**order_body(event, ref, at, total), **extra})


def october(client: TestClient, clock: Clock) -> None:
    """The seed's October: orders of 5000 and 7000 RUB."""
    clock.now = moscow(2026, 10, 20, 15)
    assert post_order(client, "e1", "O-1", moscow(2026, 10, 5, 12), "5000.00").status_code == 201
    assert post_order(client, "e2", "O-2", moscow(2026, 10, 20, 15), 7000).status_code == 201


def bonus(client: TestClient) -> dict[str, Any]:
    response = client.get("/v1/accounts/SALON-1/balance")
    assert response.status_code == 200
    return response.json()["balances"][0]


def hold(client: TestClient, key: str, ref: str, total: str, amount: str | None = None) -> Any:
    body = {"key": key, "account": "SALON-1", "order_id": ref, "order_total": total}
    return client.post("/v1/redemptions/holds", json=body if amount is None else {**body, "amount": amount})


def assert_error(response: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    assert body["field"] == field, body
    assert body["message"]
    return body


# --- health and documentation --------------------------------------------------------------------------------
def test_health_names_the_database_dialect(client: TestClient, db: Database) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": db.dialect}


def test_openapi_lists_every_route_with_titles(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == "Loyalka API" and "X-API-Key" in spec["info"]["description"]
    assert {
        "/health",
        "/v1/accounts",
        "/v1/accounts/{code}",
        "/v1/accounts/{code}/balance",
        "/v1/accounts/{code}/contacts",
        "/v1/orders",
        "/v1/returns",
        "/v1/redemptions/quote",
        "/v1/redemptions/holds",
        "/v1/redemptions/holds/{key}/capture",
        "/v1/redemptions/holds/{key}/release",
        "/v1/periods/{period}/close",
    } <= set(spec["paths"])
    assert spec["paths"]["/v1/orders"]["post"]["summary"] == "Record an order"
    assert spec["paths"]["/v1/orders"]["post"]["description"].startswith("Record an order")
    error = spec["paths"]["/v1/orders"]["post"]["responses"]["422"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/ErrorOut"}
    assert client.get("/docs").status_code == 200


# --- accounts ------------------------------------------------------------------------------------------------
def test_an_account_is_created_with_its_contacts_and_read_back(client: TestClient) -> None:
    contact = {"code": "anna", "name": "Анна", "email": "anna@uyut.ru", "monthly_spend_limit": "5000"}
    response = client.post("/v1/accounts", json={**SALON, "tags": ["vip"], "contacts": [contact]})
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["code"] == "SALON-1" and created["inn"] == "7707083893" and created["status"] == "active"
    assert created["tags"] == ["vip"]
    assert created["contacts"][0]["monthly_spend_limit"] == "5000.00" and created["contacts"][0]["can_spend"] is True
    assert created["balances"][0]["kind"] == "bonus" and created["balances"][0]["spendable"] == "0.00"
    assert datetime.fromisoformat(created["joined_at"]) == JOINED
    assert client.get("/v1/accounts/SALON-1").json() == created


def test_an_account_with_an_inn_that_fails_its_checksum_is_refused_on_field_inn(client: TestClient) -> None:
    body = assert_error(client.post("/v1/accounts", json={**SALON, "inn": "7707083894"}), 422, "invalid_inn", "inn")
    assert "checksum" in body["message"]
    assert_error(client.get("/v1/accounts/SALON-1"), 404, "account_not_found", "account")


def test_a_second_account_with_the_same_code_is_a_conflict(salon: TestClient) -> None:
    assert_error(salon.post("/v1/accounts", json={**SALON, "name": "Другой"}), 409, "account_exists", "code")
    assert salon.get("/v1/accounts/SALON-1").json()["name"] == "Салон «Уют»"


def test_an_account_for_an_unknown_program_is_not_found(client: TestClient) -> None:
    assert_error(client.post("/v1/accounts", json={**SALON, "program": "nope"}), 404, "program_not_found", "program")


def test_a_contact_is_added_once(salon: TestClient) -> None:
    response = salon.post("/v1/accounts/SALON-1/contacts", json={"code": "ivan", "name": "Иван", "can_spend": False})
    assert response.status_code == 201
    assert response.json()["code"] == "ivan" and response.json()["can_spend"] is False
    again = salon.post("/v1/accounts/SALON-1/contacts", json={"code": "ivan", "name": "Иван"})
    assert_error(again, 409, "contact_exists", "contact.code")
    bad = salon.post("/v1/accounts/SALON-1/contacts", json={"code": "olga", "name": "Ольга", "email": "olga"})
    assert_error(bad, 422, "invalid_email", "contact.email")
    assert [c["code"] for c in salon.get("/v1/accounts/SALON-1").json()["contacts"]] == ["ivan"]
    assert_error(
        salon.post("/v1/accounts/NOPE/contacts", json={"code": "x", "name": "X"}), 404, "account_not_found", "account"
    )


# --- seed 000 over HTTP --------------------------------------------------------------------------------------
def test_october_orders_of_5000_and_7000_leave_1200_pending_until_november(salon: TestClient, clock: Clock) -> None:
    clock.now = moscow(2026, 10, 20, 15)
    first = post_order(salon, "e1", "O-1", moscow(2026, 10, 5, 12), "5000.00")
    assert first.status_code == 201
    assert first.json()["replayed"] is False and first.json()["earned"][0]["points"] == "500.00"
    assert post_order(salon, "e2", "O-2", moscow(2026, 10, 20, 15), 7000).json()["earned"][0]["points"] == "700.00"
    clock.now = moscow(2026, 10, 31, 23, 59, 59)
    assert bonus(salon)["pending"] == "1200.00" and bonus(salon)["spendable"] == "0.00"
    clock.now = moscow(2026, 11, 1, 0, 0)
    assert bonus(salon)["spendable"] == "1200.00" and bonus(salon)["pending"] == "0.00"


def test_a_6000_order_on_the_first_of_november_may_take_at_most_900(salon: TestClient, clock: Clock) -> None:
    october(salon, clock)
    clock.now = moscow(2026, 11, 1, 10)
    response = salon.post("/v1/redemptions/quote", json={"account": "SALON-1", "order_total": "6000.00"})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "order_total": "6000.00",
        "max_amount": "900.00",
        "reason": None,
        "kinds": [
            {"kind": "bonus", "spendable": "1200.00", "cap": "900.00", "max_points": "900.00", "max_amount": "900.00"}
        ],
    }


def test_a_hold_above_the_cap_is_refused_and_a_captured_hold_leaves_300(salon: TestClient, clock: Clock) -> None:
    october(salon, clock)
    clock.now = moscow(2026, 11, 10, 11)
    refused = assert_error(
        hold(salon, "h-too-much", "O-3", "6000.00", "900.01"), 422, "redemption_cap_exceeded", "amount"
    )
    assert "900.00" in refused["message"]
    placed = hold(salon, "h-ok", "O-3", "6000.00")
    assert placed.status_code == 201, placed.text
    assert placed.json()["status"] == "pending" and placed.json()["amount"] == "900.00"
    assert placed.json()["points"] == {"bonus": "900.00"}
    assert bonus(salon)["spendable"] == "300.00"
    captured = salon.post("/v1/redemptions/holds/h-ok/capture")
    assert captured.status_code == 200 and captured.json()["status"] == "captured"
    assert datetime.fromisoformat(captured.json()["resolved_at"]) == clock.now
    assert bonus(salon)["spendable"] == "300.00"
    assert_error(salon.post("/v1/redemptions/holds/h-ok/release"), 409, "hold_resolved", "hold")
    assert bonus(salon)["spendable"] == "300.00"


def test_releasing_a_pending_hold_gives_the_points_back(salon: TestClient, clock: Clock) -> None:
    october(salon, clock)
    clock.now = moscow(2026, 11, 10, 11)
    assert hold(salon, "h-1", "O-3", "2000.00", "250.00").status_code == 201
    assert bonus(salon)["spendable"] == "950.00"
    released = salon.post("/v1/redemptions/holds/h-1/release")
    assert released.status_code == 200 and released.json()["status"] == "released"
    assert bonus(salon)["spendable"] == "1200.00"
    assert_error(salon.post("/v1/redemptions/holds/h-1/capture"), 409, "hold_resolved", "hold")
    assert_error(salon.post("/v1/redemptions/holds/nope/release"), 404, "hold_not_found", "hold")


def test_the_same_hold_key_returns_the_same_hold_and_another_request_is_a_conflict(
    salon: TestClient, clock: Clock
) -> None:
    october(salon, clock)
    clock.now = moscow(2026, 11, 10, 11)
    first = hold(salon, "h-1", "O-3", "6000.00", "500")
    again = hold(salon, "h-1", "O-3", "6000", "500.00")  # the same request written another way
    assert first.status_code == 201 and again.status_code == 200 and again.json() == first.json()
    assert bonus(salon)["spendable"] == "700.00"
    assert_error(hold(salon, "h-1", "O-3", "6000.00", "400.00"), 409, "idempotency_conflict", "key")
    assert bonus(salon)["spendable"] == "700.00"


def test_an_order_captures_its_hold_and_earns_on_the_part_paid_in_money(salon: TestClient, clock: Clock) -> None:
    october(salon, clock)
    clock.now = at = moscow(2026, 11, 10, 11)
    assert hold(salon, "h-ok", "O-3", "6000.00").status_code == 201
    response = post_order(salon, "e3", "O-3", at, "6000.00", hold_key="h-ok")
    assert response.status_code == 201, response.text
    assert response.json()["paid_with_points"] == "900.00" and response.json()["earned"][0]["points"] == "510.00"
    assert bonus(salon)["spendable"] == "300.00"
    paid_now = post_order(salon, "e4", "O-4", at, "1000.00", redeem="100")
    assert paid_now.json()["paid_with_points"] == "100.00"
    paid_most = post_order(salon, "e5", "O-5", at, "2000.00", redeem_max=True)
    assert paid_most.status_code == 201 and paid_most.json()["paid_with_points"] == "200.00"
    assert bonus(salon)["spendable"] == "0.00"
    conflicting = post_order(salon, "e6", "O-6", at, "2000.00", redeem="10", redeem_max=True)
    assert_error(conflicting, 422, "conflicting_fields", "redeem")


# --- idempotency of events -----------------------------------------------------------------------------------
def test_the_same_order_event_twice_is_a_replay_that_credits_once(salon: TestClient, clock: Clock) -> None:
    clock.now = at = moscow(2026, 10, 5, 12)
    first = post_order(salon, "e1", "O-1", at, "5000.00")
    again = post_order(salon, "e1", "O-1", at, "5000")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["replayed"] is True and {**again.json(), "replayed": False} == first.json()
    assert bonus(salon)["pending"] == "500.00"
    assert_error(post_order(salon, "e1", "O-1", at, "6000.00"), 409, "idempotency_conflict", "event_id")
    assert bonus(salon)["pending"] == "500.00"


def test_a_return_takes_back_its_points_once_and_never_more_than_the_order(salon: TestClient, clock: Clock) -> None:
    october(salon, clock)
    clock.now = at = moscow(2026, 10, 25, 10)
    body = {"event_id": "r1", "order_id": "O-2", "occurred_at": at.isoformat(), "amount": "8000.00"}
    assert_error(salon.post("/v1/returns", json=body), 422, "return_exceeds_order", "amount")
    first = salon.post("/v1/returns", json={**body, "amount": "7000.00"})
    assert first.status_code == 201, first.text
    assert first.json()["taken_back"][0]["points"] == "700.00" and first.json()["replayed"] is False
    again = salon.post("/v1/returns", json={**body, "amount": "7000.00"})
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert bonus(salon)["pending"] == "500.00"
    assert_error(
        salon.post("/v1/returns", json={**body, "event_id": "r2", "order_id": "O-9"}),
        404,
        "order_not_found",
        "order_id",
    )


# --- bad input -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("total", "error_type"),
    [
        ("-5000.00", "negative_amount"),
        (-5000, "negative_amount"),
        (5000.5, "invalid_amount"),
        (5000.0, "invalid_amount"),
        ("abc", "invalid_amount"),
        ("0", "invalid_amount"),
        ("12.345", "invalid_amount"),
        (True, "invalid_amount"),
    ],
)
def test_a_total_that_is_not_a_positive_decimal_string_is_refused_on_field_total(
    salon: TestClient, total: Any, error_type: str
) -> None:
    body = assert_error(post_order(salon, "e1", "O-1", moscow(2026, 10, 5, 12), total), 422, "invalid_request", "total")
    assert body["errors"][0]["type"] == error_type and "total" in body["message"]
    assert bonus(salon)["pending"] == "0.00"


def test_an_order_without_a_total_and_without_lines_is_refused_on_field_total(salon: TestClient) -> None:
    body = assert_error(post_order(salon, "e1", "O-1", moscow(2026, 10, 5, 12), None), 422, "missing_total", "total")
    assert "lines" in body["message"]
    assert bonus(salon)["pending"] == "0.00"


def test_a_float_total_is_refused_with_a_message_that_asks_for_a_string(salon: TestClient) -> None:
    body = assert_error(
        post_order(salon, "e1", "O-1", moscow(2026, 10, 5, 12), 5000.5), 422, "invalid_request", "total"
    )
    assert "decimal string" in body["message"] and "float" in body["message"]


def test_an_order_for_an_unknown_account_is_not_found(salon: TestClient) -> None:
    response = salon.post("/v1/orders", json={**order_body("e1", "O-1", JOINED, "100"), "account": "NOPE"})
    assert_error(response, 404, "account_not_found", "account")


def test_an_order_dated_in_the_future_is_refused(salon: TestClient) -> None:
    response = salon.post("/v1/orders", json=order_body("e1", "O-1", moscow(2026, 10, 2), "100"))
    assert_error(response, 422, "future_event", "occurred_at")
    assert bonus(salon)["pending"] == "0.00"


def test_a_date_time_without_an_offset_is_refused(salon: TestClient) -> None:
    response = salon.post(
        "/v1/orders", json={**order_body("e1", "O-1", JOINED, "100"), "occurred_at": "2026-10-05T12:00:00"}
    )
    body = assert_error(response, 422, "invalid_request", "occurred_at")
    assert body["message"].startswith("occurred_at is invalid") and body["errors"][0]["type"] == "timezone_aware"


@pytest.mark.parametrize(
    "content", [b'{"event_id": "e1", "total": ', b"{'event_id': 'e1'}", '{"event_id": "\xe9"}'.encode("latin-1")]
)
def test_a_body_that_is_not_json_is_refused_as_invalid_json(salon: TestClient, content: bytes) -> None:
    response = salon.post("/v1/orders", content=content, headers={"Content-Type": "application/json"})
    body = assert_error(response, 422, "invalid_json")
    assert "JSON" in body["message"]


def test_an_order_without_a_body_is_refused(salon: TestClient) -> None:
    body = assert_error(salon.post("/v1/orders"), 422, "invalid_request")
    assert body["message"] == "the request needs a JSON body"


def test_missing_unknown_and_nested_fields_are_named(salon: TestClient) -> None:
    body = order_body("e1", "O-1", moscow(2026, 10, 5, 12), "100")
    del body["account"]
    assert (
        assert_error(salon.post("/v1/orders", json=body), 422, "invalid_request", "account")["message"]
        == "account is required"
    )
    body["account"] = "SALON-1"
    extra = salon.post("/v1/orders", json={**body, "total": "100", "discount": "5"})
    assert (
        assert_error(extra, 422, "invalid_request", "discount")["message"] == "discount is not a field of this request"
    )
    contact = {"code": "anna", "name": "Анна", "monthly_spend_limit": 10.5}
    nested = salon.post("/v1/accounts", json={**SALON, "code": "SALON-2", "contacts": [contact]})
    assert_error(nested, 422, "invalid_request", "contacts.0.monthly_spend_limit")
    assert_error(salon.post("/v1/orders", json=[1, 2]), 422, "invalid_request", None)
    assert_error(
        salon.post("/v1/orders", json={**body, "total": "100", "event_id": "a b"}), 422, "invalid_request", "event_id"
    )


def test_an_unknown_route_and_a_wrong_method_answer_in_json(client: TestClient) -> None:
    assert_error(client.get("/v1/nothing-here"), 404, "not_found")
    assert_error(client.delete("/v1/orders"), 405, "method_not_allowed")


def test_an_unexpected_failure_is_a_500_without_details(db: Database) -> None:
    def broken_clock() -> datetime:
        raise RuntimeError("secret internals")

    with TestClient(create_app(db, clock=broken_clock), raise_server_exceptions=False) as client:
        response = client.post("/v1/accounts", json=SALON)
    assert_error(response, 500, "internal_error")
    assert "secret" not in response.text and "Traceback" not in response.text


def test_a_database_that_cannot_be_reached_is_a_503_and_health_still_answers(tmp_path: Path) -> None:
    unreachable = Database(f"sqlite:///{tmp_path / 'no-such-folder' / 'loyalka.db'}")
    try:
        with TestClient(create_app(unreachable)) as client:
            assert_error(client.get("/v1/accounts/SALON-1"), 503, "database_unavailable")
            assert client.get("/health").json() == {"status": "ok", "database": "sqlite"}
    finally:
        unreachable.dispose()


# --- period close --------------------------------------------------------------------------------------------
def test_a_month_closes_only_after_it_ends_and_once(salon: TestClient, clock: Clock) -> None:
    october(salon, clock)
    clock.now = moscow(2026, 10, 31, 23)
    assert_error(salon.post("/v1/periods/2026-10/close"), 422, "period_not_ended", "period")
    assert_error(salon.post("/v1/periods/2026-13/close"), 422, "invalid_period", "period")
    clock.now = moscow(2026, 11, 1, 1)
    closed = salon.post("/v1/periods/2026-10/close", params={"program": "liontex-privilege"})
    assert closed.status_code == 200, closed.text
    summary = closed.json()
    assert (
        summary["period"] == "2026-10" and summary["activated"] == {"bonus": "1200.00"} and summary["left_program"] == 0
    )
    assert summary["already_closed"] is False and summary["rejoined"] == 0
    again = salon.post("/v1/periods/2026-10/close").json()
    assert again["already_closed"] is True and again["activated"] == {"bonus": "1200.00"}
    assert_error(
        salon.post("/v1/periods/2026-10/close", params={"program": "nope"}), 404, "program_not_found", "program"
    )


# --- API key -------------------------------------------------------------------------------------------------
def test_an_api_key_when_configured_guards_every_v1_route_but_not_health_or_docs(db: Database) -> None:
    with TestClient(create_app(db, api_key="s3cret")) as client:
        assert_error(client.get("/v1/accounts/SALON-1"), 401, "unauthorized", "X-API-Key")
        assert_error(client.post("/v1/orders", json={}), 401, "unauthorized", "X-API-Key")
        assert_error(
            client.get("/v1/accounts/SALON-1", headers={"X-API-Key": "wrong"}), 401, "unauthorized", "X-API-Key"
        )
        allowed = client.get("/v1/accounts/SALON-1", headers={"X-API-Key": "s3cret"})
        assert_error(allowed, 404, "account_not_found", "account")
        assert client.get("/health").status_code == 200
        assert client.get("/docs").status_code == 200
        spec = client.get("/openapi.json").json()
    assert "APIKeyHeader" in spec["components"]["securitySchemes"]


def test_a_preview_shows_what_an_order_would_earn_and_pay_and_records_nothing(salon: TestClient, clock: Clock) -> None:
    october(salon, clock)
    clock.now = moscow(2026, 11, 10, 12)
    body = {"account": "SALON-1", "order_total": "6000.00"}
    plain = salon.post("/v1/orders/preview", json=body)
    assert plain.status_code == 200, plain.text
    answer = plain.json()
    assert answer["may_pay_with_points"] == "900.00" and answer["pays_with_points"] == "0.00"
    assert answer["earns"][0]["points"] == "600.00"
    assert answer["earns"][0]["available_from"] == "2026-11-30T21:00:00Z"  # 1 December, Moscow
    paying = salon.post("/v1/orders/preview", json={**body, "pay_with_points": True}).json()
    assert paying["pays_with_points"] == "900.00" and paying["earns"][0]["points"] == "510.00"
    assert bonus(salon)["spendable"] == "1200.00"  # nothing was held or spent
    assert_error(
        salon.post("/v1/orders/preview", json={"account": "NOPE", "order_total": "1"}),
        404,
        "account_not_found",
        "account",
    )
