"""Bad input that once reached the database and came back as a 500 (found in review, most of it on PostgreSQL
only): the NUL character, text longer than its column, ids beyond a 64-bit integer, instants that cannot be
converted to UTC. Each is now a 422 naming the field, and nothing is written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from loyalka.api import create_app
from loyalka.services.programs import load_program
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow, ContactRow, EventRow, OrderRow
from tests.api.test_api import assert_error
from tests.conftest import EXAMPLES, moscow
from tests.support import Clock

NOW = moscow(2026, 10, 20, 12)
TOO_BIG = 2**63  # one more than the largest id a BIGINT holds


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    with db.unit_of_work() as s:
        load_program(s, (EXAMPLES / "autoservice_case1.yaml").read_text(encoding="utf-8"), now=NOW)
    with TestClient(create_app(db, clock=Clock(NOW))) as client:
        assert (
            client.post("/v1/accounts", json={"code": "G1", "name": "Автопарк", "region": "Москва"}).status_code == 201
        )
        yield client


def written(db: Database) -> dict[str, int]:
    with db.unit_of_work() as s:
        return {
            t.__tablename__: s.scalar(select(func.count()).select_from(t))
            for t in (AccountRow, ContactRow, EventRow, OrderRow)
        }


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/accounts", {"code": "G2", "name": "Авто\x00парк"}, "name"),
        ("/v1/accounts", {"code": "G2", "name": "Автопарк", "tags": ["fleet", "x\x00"]}, "tags"),
        ("/v1/accounts/G1/contacts", {"code": "p1", "name": "Иван", "role": "buyer\x00"}, "role"),
        ("/v1/codes/partner-club/activate", {"account": "G1", "code": "12\x0034"}, "code"),
        ("/v1/campaigns/spring-service-2026/run", {"run_by": "ops\x00"}, "run_by"),
    ],
    ids=["account-name", "tag", "contact-role", "activation-code", "campaign-run-by"],
)
def test_the_nul_character_in_a_body_is_refused_with_its_field(
    client: TestClient, db: Database, path: str, body: dict[str, Any], field: str
) -> None:
    before = written(db)
    body = assert_error(client.post(path, json=body), 422, "invalid_request", field)
    assert "NUL" in body["message"]
    assert written(db) == before


@pytest.mark.parametrize(
    "url",
    ["/v1/accounts/G%001", "/v1/accounts/G1%00/balance", "/v1/rewards?account=G%001", "/v1/audit?account=G%001"],
)
def test_the_nul_character_in_a_path_or_a_query_is_refused(client: TestClient, url: str) -> None:
    body = assert_error(client.get(url), 422, "invalid_text", "url")
    assert "NUL" in body["message"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/accounts", {"code": "G2", "name": "Автопарк", "region": "Р" * 101}, "region"),
        ("/v1/accounts", {"code": "G2", "name": "Автопарк", "manager": "М" * 201}, "manager"),
        ("/v1/accounts", {"code": "G2", "name": "Автопарк", "tags": ["t" * 101]}, "tags.0"),
        ("/v1/accounts/G1/contacts", {"code": "p1", "name": "Иван", "phone": "1" * 41}, "phone"),
        ("/v1/accounts/G1/contacts", {"code": "p1", "name": "Иван", "role": "r" * 101}, "role"),
        (
            "/v1/accounts",
            {"code": "G2", "name": "A", "contacts": [{"code": "p", "name": "И", "email": "a@b.ru" * 40}]},
            "contacts.0.email",
        ),
    ],
    ids=["region", "manager", "tag", "phone", "role", "email"],
)
def test_text_longer_than_its_column_is_refused_with_its_field(
    client: TestClient, db: Database, path: str, body: dict[str, Any], field: str
) -> None:
    before = written(db)
    response = assert_error(client.post(path, json=body), 422, "invalid_request", field)
    assert "at most" in response["message"]
    assert written(db) == before


def test_the_openapi_description_states_the_lengths_the_columns_hold(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    account, contact = schemas["AccountCreate"]["properties"], schemas["ContactCreate"]["properties"]
    assert account["region"]["anyOf"][0]["maxLength"] == 100
    assert contact["phone"]["anyOf"][0]["maxLength"] == 40


@pytest.mark.parametrize(
    ("method", "url", "field"),
    [
        ("post", f"/v1/reward-orders/{TOO_BIG}/fulfil", "order_id"),
        ("post", f"/v1/reward-orders/{TOO_BIG}/cancel", "order_id"),
        ("post", f"/v1/adjustments/{TOO_BIG}/approve", "adjustment_id"),
        ("get", f"/v1/audit?after={TOO_BIG}", "after"),
    ],
)
def test_an_id_beyond_a_64_bit_integer_is_refused(client: TestClient, method: str, url: str, field: str) -> None:
    response = getattr(client, method)(url, json={"by": "boss"}) if method == "post" else client.get(url)
    assert_error(response, 422, "invalid_request", field)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/orders", {"event_id": "e1", "account": "G1", "order_id": "W1", "total": "100"}, "occurred_at"),
        ("/v1/returns", {"event_id": "r1", "order_id": "W1", "amount": "1"}, "occurred_at"),
        ("/v1/activities", {"event_id": "a1", "account": "G1", "type": "review"}, "occurred_at"),
        ("/v1/campaigns/spring-service-2026/run", {}, "at"),
    ],
    ids=["order", "return", "activity", "campaign"],
)
@pytest.mark.parametrize("instant", ["0001-01-01T00:00:00+05:00", "1899-12-31T23:59:59+00:00"])
def test_an_instant_out_of_any_programs_range_is_refused(
    client: TestClient, db: Database, path: str, body: dict[str, Any], field: str, instant: str
) -> None:
    before = written(db)
    response = client.post(path, json={**body, field: instant})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert written(db) == before


@pytest.mark.parametrize("url", ["/v1/segments/fleet-moscow/members?at=0001-01-01T00:00:00%2B05:00"])
def test_an_instant_out_of_range_in_a_query_is_refused(client: TestClient, url: str) -> None:
    assert_error(client.get(url), 422, "invalid_datetime", "at")


@pytest.mark.parametrize("period", ["0001-01", "9999-12", "1899-12"])
def test_a_month_out_of_range_is_not_a_month_to_close(client: TestClient, period: str) -> None:
    assert_error(client.post(f"/v1/periods/{period}/close"), 422, "invalid_period", "period")


def test_lines_whose_sum_no_amount_can_hold_are_refused(client: TestClient, db: Database) -> None:
    # each line is a valid amount, but a hundred of the largest do not fit the order's total column
    lines = [{"sku": f"s{i}", "amount": "999999999999999.99", "category": "labour"} for i in range(100)]
    before = written(db)
    body = {"event_id": "e1", "account": "G1", "order_id": "W1", "occurred_at": NOW.isoformat(), "lines": lines}
    assert_error(client.post("/v1/orders", json=body), 422, "invalid_amount", "lines")
    assert written(db) == before


def test_an_amount_with_too_many_digits_says_how_many_it_may_have(client: TestClient) -> None:
    body = {"event_id": "e1", "account": "G1", "order_id": "W1", "occurred_at": NOW.isoformat(), "total": "1" * 16}
    response = assert_error(client.post("/v1/orders", json=body), 422, "invalid_request", "total")
    assert "at most 15 digits before the point and 2 after" in response["message"]


def test_every_route_documents_its_422_as_the_error_it_answers(client: TestClient) -> None:
    # FastAPI's default 422 schema ({"detail": [...]}) is not what any route answers: ErrorOut is
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if path.startswith("/v1"):
                answer = operation["responses"].get("422", {})
                assert "ErrorOut" in str(answer), f"{method.upper()} {path} documents 422 as {answer}"
