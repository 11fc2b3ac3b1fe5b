"""B2B terms over HTTP (seed 002's program): invoices, payments, activities, the overdue block on quotes and
holds, the volume bonus in the close's summary, and their bad input."""

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

JOINED = moscow(2026, 10, 1, 9, 0)


@pytest.fixture
def clock() -> Clock:
    return Clock(JOINED)


@pytest.fixture
def api(db: Database, clock: Clock) -> Iterator[TestClient]:
    with db.unit_of_work() as s:
        load_program(s, (EXAMPLES / "wholesale_tiers.yaml").read_text(encoding="utf-8"), now=JOINED)
    with TestClient(create_app(db, clock=clock)) as client:
        assert client.post("/v1/accounts", json={"code": "OPT-1", "name": "ООО «Опт»"}).status_code == 201
        yield client


def billed(api: TestClient, clock: Clock) -> None:
    """Order O-1 of 120,000 on invoice INV-1 due 15 October."""
    clock.now = moscow(2026, 10, 1, 10)
    body = {
        "event_id": "e1",
        "account": "OPT-1",
        "order_id": "O-1",
        "occurred_at": clock.now.isoformat(),
        "total": "120000.00",
        "invoice_id": "INV-1",
        "due_on": "2026-10-15",
    }
    assert api.post("/v1/orders", json=body).status_code == 201


def payment(event: str, amount: Any, at: str = "2026-10-14T12:00:00+03:00", invoice: str = "INV-1") -> dict:
    return {"event_id": event, "invoice_id": invoice, "amount": amount, "paid_at": at}


def test_a_payment_on_time_earns_and_its_replay_returns_the_first_answer(api: TestClient, clock: Clock) -> None:
    billed(api, clock)
    clock.now = moscow(2026, 10, 14, 12)
    first = api.post("/v1/payments", json=payment("p1", "120000.00"))
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["days_early"], body["invoice_status"], body["left_to_pay"]) == (1, "paid", "0.00")
    assert [(e["rule"], e["points"]) for e in body["earned"]] == [("paid-on-time", "600")]
    again = api.post("/v1/payments", json=payment("p1", "120000.00"))
    assert again.status_code == 200 and again.json() == {**body, "replayed": True}
    assert_error(api.post("/v1/payments", json=payment("p1", "1.00")), 409, "idempotency_conflict", "event_id")
    invoice = api.get("/v1/invoices/INV-1").json()
    assert (invoice["status"], invoice["orders"], invoice["payments"][0]["days_early"]) == ("paid", ["O-1"], 1)


def test_payments_refuse_bad_input(api: TestClient, clock: Clock) -> None:
    billed(api, clock)
    clock.now = moscow(2026, 10, 14, 12)
    assert_error(
        api.post("/v1/payments", json=payment("p1", "1.00", invoice="INV-404")), 404, "invoice_not_found", "invoice_id"
    )
    refused = assert_error(
        api.post("/v1/payments", json=payment("p1", "120000.01")), 422, "payment_exceeds_invoice", "amount"
    )
    assert "120000.00" in refused["message"]
    assert_error(api.post("/v1/payments", json=payment("p1", "-5.00")), 422, "invalid_request", "amount")
    assert_error(api.post("/v1/payments", json=payment("p1", 5.5)), 422, "invalid_request", "amount")
    naive = payment("p1", "1.00", at="2026-10-14T12:00:00")
    assert_error(api.post("/v1/payments", json=naive), 422, "invalid_request", "paid_at")
    assert api.get("/v1/invoices/INV-1").json()["payments"] == []
    assert_error(api.get("/v1/invoices/INV-404"), 404, "invoice_not_found", "invoice_id")


def test_an_invoice_is_stated_and_then_prepaid(api: TestClient, clock: Clock) -> None:
    body = {"invoice_id": "INV-9", "account": "OPT-1", "amount": "50000.00", "due_on": "2026-10-20"}
    stated = api.post("/v1/invoices", json=body)
    assert stated.status_code == 200, stated.text
    assert (stated.json()["status"], stated.json()["left_to_pay"]) == ("open", "50000.00")
    assert api.post("/v1/invoices", json=body).json() == stated.json()  # the same request changes nothing
    paid = api.post("/v1/payments", json=payment("p1", "50000", at="2026-10-01T09:00:00+03:00", invoice="INV-9"))
    assert paid.json()["invoice_status"] == "paid"
    bad = {**body, "amount": "0"}
    assert_error(api.post("/v1/invoices", json=bad), 422, "invalid_request", "amount")
    assert_error(api.post("/v1/invoices", json={**body, "account": "NOBODY"}), 404, "account_not_found", "account")


def test_activities_earn_within_their_limits(api: TestClient, clock: Clock) -> None:
    clock.now = moscow(2026, 10, 20)
    review = {"event_id": "a1", "account": "OPT-1", "type": "review", "occurred_at": "2026-10-05T12:00:00+03:00"}
    first = api.post("/v1/activities", json=review)
    assert first.status_code == 201, first.text
    assert [(e["rule"], e["points"]) for e in first.json()["earned"]] == [("review", "200")]
    second = api.post("/v1/activities", json={**review, "event_id": "a2"}).json()
    assert (second["earned"], second["notes"]) == (
        [],
        ["rule 'review' earns at most once a month; that limit is reached"],
    )
    assert api.post("/v1/activities", json=review).status_code == 200
    assert_error(
        api.post("/v1/activities", json={**review, "event_id": "a3", "type": "party"}), 422, "unknown_activity", "type"
    )
    naive = {**review, "event_id": "a3", "occurred_at": "2026-10-05T12:00:00"}
    assert_error(api.post("/v1/activities", json=naive), 422, "invalid_request", "occurred_at")


def test_an_overdue_invoice_stops_quotes_and_holds_and_shows_on_the_account(api: TestClient, clock: Clock) -> None:
    billed(api, clock)  # O-1 earns 1,200 points, spendable from 15 October; INV-1 is left unpaid
    clock.now = moscow(2026, 10, 21, 10)  # 6 days after the due date
    quote = api.post("/v1/redemptions/quote", json={"account": "OPT-1", "order_total": "10000"}).json()
    assert quote["max_amount"] == "0.00"
    assert quote["reason"].startswith("invoice INV-1 is overdue since 2026-10-21 (due 2026-10-15")
    hold = {"key": "h1", "account": "OPT-1", "order_id": "O-2", "order_total": "10000", "amount": "100"}
    refused = assert_error(api.post("/v1/redemptions/holds", json=hold), 422, "insufficient_points", "amount")
    assert "invoice INV-1 is overdue" in refused["message"]
    invoices = api.get("/v1/accounts/OPT-1").json()["invoices"]
    assert invoices["spending_blocked"] == quote["reason"]
    assert invoices["open"] == [
        {"invoice_id": "INV-1", "due_on": "2026-10-15", "owed": "120000.00", "paid": "0.00", "left_to_pay": "120000.00"}
    ]
    api.post("/v1/payments", json=payment("p1", "120000", at="2026-10-21T09:00:00+03:00"))
    assert api.post("/v1/redemptions/holds", json=hold).status_code == 201


def test_the_close_of_the_quarters_last_month_reports_the_volume_bonus(api: TestClient, clock: Clock) -> None:
    clock.now = moscow(2026, 11, 1)
    body = {"event_id": "e1", "account": "OPT-1", "order_id": "O-1", "total": "1600000.00"}
    assert api.post("/v1/orders", json={**body, "occurred_at": "2026-10-20T12:00:00+03:00"}).status_code == 201
    clock.now = moscow(2027, 1, 1, 1)
    for month in ("2026-10", "2026-11"):
        assert api.post(f"/v1/periods/{month}/close").json()["volume_bonuses"] == {}
    december = api.post("/v1/periods/2026-12/close").json()
    assert december["volume_bonuses"] == {"quarter-growth": {"period": "2026-Q4", "accounts": 1, "points": "16000"}}


@pytest.mark.parametrize("field", ["due_on", "issued_on"])
def test_an_invoice_dated_beyond_the_calendar_the_engine_counts_in_is_refused(
    api: TestClient, clock: Clock, field: str
) -> None:
    """A due date of 9999-12-31 has no day after it: the day it would become overdue cannot be counted."""
    body = {"invoice_id": "INV-9", "account": "OPT-1", field: "9999-12-31"}
    assert_error(api.post("/v1/invoices", json=body), 422, "invalid_date", field)
    assert_error(api.get("/v1/invoices/INV-9"), 404, "invoice_not_found", "invoice_id")


def test_an_order_naming_a_due_date_beyond_the_calendar_is_refused_and_the_account_still_quotes(
    api: TestClient, clock: Clock
) -> None:
    clock.now = moscow(2026, 10, 1, 10)
    body = {
        "event_id": "e1",
        "account": "OPT-1",
        "order_id": "O-1",
        "occurred_at": clock.now.isoformat(),
        "total": "120000.00",
        "invoice_id": "INV-1",
        "due_on": "9999-12-31",
    }
    assert_error(api.post("/v1/orders", json=body), 422, "invalid_date", "due_on")
    assert_error(api.get("/v1/invoices/INV-1"), 404, "invoice_not_found", "invoice_id")
    quoted = api.post("/v1/redemptions/quote", json={"account": "OPT-1", "order_total": "1000.00"})
    assert quoted.status_code == 200, quoted.text
