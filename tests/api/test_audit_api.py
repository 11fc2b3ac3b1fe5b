"""Manual adjustments and the audit log over HTTP: ask, approve, reject, list, read the log; bad input refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from loyalka.api import create_app
from loyalka.storage.database import Database
from tests.conftest import moscow
from tests.integration.audit_support import REASON, counts, hire
from tests.support import add_account, load_example, order, post

JOINED = moscow(2026, 10, 1, 9)
NOV = moscow(2026, 11, 10, 12)


@pytest.fixture
def api(db: Database) -> Iterator[TestClient]:
    load_example(db, "textile.yaml", JOINED)
    add_account(db, "SALON-1", JOINED)
    hire(db, JOINED, ("OP-1", "operator"), ("MGR-1", "manager"), ("HEAD-1", "head"))
    post(db, order("e1", "SALON-1", "O-1", moscow(2026, 10, 5, 12), rub=10_000))
    with TestClient(create_app(db, clock=lambda: NOV)) as client:
        yield client


def ask(api: TestClient, key: str, points: object, by: str = "OP-1", **extra: Any) -> Any:
    body = {"key": key, "account": "SALON-1", "kind": "bonus", "points": points, "reason": REASON, "by": by}
    return api.post("/v1/adjustments", json=body | extra)


def bonus(api: TestClient) -> tuple[str, str]:
    [kind] = api.get("/v1/accounts/SALON-1/balance").json()["balances"]
    return kind["spendable"], kind["pending"]


def test_within_the_limit_an_adjustment_is_applied_and_a_repeat_returns_it(api: TestClient) -> None:
    made = ask(api, "adj-1", "500")
    assert made.status_code == 201
    body = made.json()
    assert {k: body[k] for k in ("status", "points", "reason", "event_id", "replayed")} == {
        "status": "applied",
        "points": "500.00",
        "reason": REASON,
        "event_id": "adjustment:adj-1",
        "replayed": False,
    }
    assert bonus(api) == ("1000.00", "500.00")
    again = ask(api, "adj-1", "500.00")
    assert again.status_code == 200 and again.json() == body | {"replayed": True}
    conflict = ask(api, "adj-1", "501")
    assert conflict.status_code == 409 and conflict.json()["code"] == "idempotency_conflict"


def test_above_the_limit_it_waits_then_a_head_approves_and_the_log_shows_every_step(api: TestClient) -> None:
    waiting = ask(api, "adj-2", "5000").json()
    assert (waiting["status"], waiting["approver_roles"]) == ("pending", ["manager", "head"])
    assert [a["key"] for a in api.get("/v1/adjustments", params={"status": "pending"}).json()["adjustments"]] == [
        "adj-2"
    ]
    own = api.post(f"/v1/adjustments/{waiting['id']}/approve", json={"by": "OP-1"})
    assert own.status_code == 422 and own.json()["code"] == "self_approval" and own.json()["field"] == "by"
    done = api.post(f"/v1/adjustments/{waiting['id']}/approve", json={"by": "HEAD-1"})
    assert done.status_code == 200 and done.json()["status"] == "applied" and done.json()["decided_by"] == "HEAD-1"
    assert bonus(api) == ("1000.00", "5000.00")
    assert api.get("/v1/adjustments", params={"status": "pending"}).json()["adjustments"] == []
    log = api.get("/v1/audit", params={"account": "SALON-1"}).json()
    assert [(line["action"], line["actor"]) for line in log["lines"]] == [
        ("adjustment.requested", "OP-1"),
        ("adjustment.approved", "HEAD-1"),
        ("adjustment.applied", "HEAD-1"),
    ]
    assert log["next_after"] is None
    assert log["lines"][0]["at"] == "2026-11-10T09:00:00Z"


def test_a_manager_rejects_with_a_reason(api: TestClient) -> None:
    waiting = ask(api, "adj-3", "3000").json()
    no_reason = api.post(f"/v1/adjustments/{waiting['id']}/reject", json={"by": "MGR-1", "reason": " "})
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "missing_reason"
    missing = api.post(f"/v1/adjustments/{waiting['id']}/reject", json={"by": "MGR-1"})
    assert missing.status_code == 422 and missing.json()["field"] == "reason"
    done = api.post(
        f"/v1/adjustments/{waiting['id']}/reject", json={"by": "MGR-1", "reason": "Основание не подтверждено"}
    )
    assert done.status_code == 200 and done.json()["status"] == "rejected"
    assert bonus(api) == ("1000.00", "0.00")
    unknown = api.post("/v1/adjustments/999/approve", json={"by": "HEAD-1"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "adjustment_not_found"


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"reason": "бонус"}, 422, "reason_too_short", "reason"),
        ({"by": "NOBODY"}, 404, "staff_not_found", "by"),
        ({"kind": "premium"}, 422, "unknown_kind", "kind"),
        ({"account": "SALON-404"}, 404, "account_not_found", "account"),
        ({"points": 1.5}, 422, "invalid_request", "points"),
        ({"points": "-2000"}, 422, "insufficient_points", "points"),
        ({"points": "abc"}, 422, "invalid_request", "points"),
        ({"extra": 1}, 422, "invalid_request", "extra"),
    ],
)
def test_bad_adjustments_get_a_clear_error_and_write_nothing(
    api: TestClient, db: Database, change: dict[str, Any], status: int, code: str, field: str
) -> None:
    before = counts(db)
    extra = dict(change)
    answer = ask(api, "adj-x", extra.pop("points", "500"), **extra)
    assert answer.status_code == status, answer.json()
    assert (answer.json()["code"], answer.json()["field"]) == (code, field)
    assert counts(db) == before


def test_listing_refuses_an_unknown_status_and_pages_the_log(api: TestClient) -> None:
    bad = api.get("/v1/adjustments", params={"status": "approved"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_status"
    for key in ("a1", "a2", "a3"):
        ask(api, key, "10")
    first = api.get("/v1/audit", params={"limit": 5}).json()
    rest = api.get("/v1/audit", params={"after": first["next_after"], "limit": 5}).json()
    # three staff added by the set-up, then two lines for each adjustment applied at once
    assert [line["action"] for line in first["lines"] + rest["lines"]] == ["staff.added"] * 3 + [
        "adjustment.requested",
        "adjustment.applied",
    ] * 3
    assert rest["next_after"] is None


@pytest.mark.parametrize("adjustment_id", ["9223372036854775808", "99999999999999999999"])
def test_an_adjustment_id_beyond_any_stored_one_is_refused_clearly_not_a_server_error(
    api: TestClient, db: Database, adjustment_id: str
) -> None:
    before = counts(db)
    approve = api.post(f"/v1/adjustments/{adjustment_id}/approve", json={"by": "HEAD-1"})
    reject = api.post(f"/v1/adjustments/{adjustment_id}/reject", json={"by": "HEAD-1", "reason": REASON})
    for answer in (approve, reject):  # an id no 64-bit column holds is invalid input, named by its field
        assert answer.status_code == 422, answer.text
        assert (answer.json()["code"], answer.json()["field"]) == ("invalid_request", "adjustment_id")
    assert counts(db) == before


def test_reading_the_log_after_an_id_beyond_any_stored_one_is_refused_clearly(api: TestClient) -> None:
    answer = api.get("/v1/audit", params={"after": "9223372036854775808"})
    assert answer.status_code == 422 and (answer.json()["code"], answer.json()["field"]) == ("invalid_request", "after")
