"""Manual adjustments (seed 001: "исключение влияния сотрудников на размер предоставляемых скидок/бонусов"):
a reason always, a limit per role, above it a second person's approval, every step in the audit log.

The textile program (seed 000) keeps the default limits: operator 1,000 points, manager 10,000, head none.
Its bonus rubles earned in a month become spendable on the 1st of the next and expire at its end; an
adjustment's lot follows the same rule from the moment it is applied."""

from __future__ import annotations

from datetime import datetime

import pytest

from loyalka.errors import Conflict, InsufficientPoints, InvalidInput, NotFound, RuleViolation
from loyalka.jobs.period_close import close_month
from loyalka.services.staff import deactivate_staff
from loyalka.storage.database import Database
from tests.conftest import moscow
from tests.integration.audit_support import (
    REASON,
    adjust,
    approve,
    audit,
    counts,
    entries_of,
    hire,
    reject,
)
from tests.support import add_account, balances, ledger_sum, load_example, order, post

JOINED = moscow(2026, 10, 1, 9)
NOV = moscow(2026, 11, 10, 12)
STAFF = (("OP-1", "operator"), ("OP-2", "operator"), ("MGR-1", "manager"), ("HEAD-1", "head"))


def salon_with_1000_spendable(db: Database) -> None:
    """October: 10,000 RUB of orders -> 1,000.00 bonus rubles, spendable through November."""
    load_example(db, "textile.yaml", JOINED)
    add_account(db, "SALON-1", JOINED, region="Москва")
    hire(db, JOINED, *STAFF)
    post(db, order("e1", "SALON-1", "O-1", moscow(2026, 10, 5, 12), rub=10_000))


def bonus(db: Database, at: datetime) -> tuple[str, str]:
    b = balances(db, "SALON-1", at)["bonus"]
    return b["spendable"], b["pending"]


# --- within the limit, above it, approval and rejection ------------------------------------------------------
def test_an_operator_adds_500_with_a_reason_at_once_as_a_lot_of_the_kind(db: Database) -> None:
    salon_with_1000_spendable(db)
    done = adjust(db, "adj-1", "500", by="OP-1", at=NOV)
    assert done.replayed is False
    assert (done.adjustment["status"], done.adjustment["points"], done.adjustment["requested_by"]) == (
        "applied",
        "500.00",
        "OP-1",
    )
    assert done.adjustment["applied_at"] == "2026-11-10T09:00:00+00:00"
    # bonus rubles added in November are spendable from December 1st, like November's earnings
    assert bonus(db, NOV) == ("1000.00", "500.00")
    assert bonus(db, moscow(2026, 12, 1, 0, 0)) == ("500.00", "0.00")
    lots = balances(db, "SALON-1", moscow(2026, 12, 1))["bonus"]["lots"]
    assert [(lot["remaining"], lot["expires_at"]) for lot in lots] == [("500.00", "2026-12-31T21:00:00+00:00")]
    assert entries_of(db, "adjustment:adj-1") == [("adjust", 50_000, REASON)]
    assert ledger_sum(db, "SALON-1") == 150_000


def test_5000_is_above_an_operators_limit_and_waits_for_a_second_person(db: Database) -> None:
    salon_with_1000_spendable(db)
    waiting = adjust(db, "adj-2", "5000", by="OP-1", at=NOV)
    assert waiting.adjustment["status"] == "pending"
    assert waiting.adjustment["approver_roles"] == ["manager", "head"]
    assert bonus(db, NOV) == ("1000.00", "0.00")
    assert entries_of(db, "adjustment:adj-2") == []

    with pytest.raises(RuleViolation) as own:
        approve(db, waiting.adjustment["id"], "OP-1", NOV)
    assert own.value.code == "self_approval"
    with pytest.raises(RuleViolation) as small:
        approve(db, waiting.adjustment["id"], "OP-2", NOV)
    assert small.value.code == "approval_not_allowed" and "manager, head" in small.value.message

    later = moscow(2026, 11, 11, 9)
    done = approve(db, waiting.adjustment["id"], "HEAD-1", later)
    assert (done.adjustment["status"], done.adjustment["decided_by"], done.adjustment["approver_roles"]) == (
        "applied",
        "HEAD-1",
        [],
    )
    assert bonus(db, later) == ("1000.00", "5000.00")
    assert entries_of(db, "adjustment:adj-2") == [("adjust", 500_000, REASON)]


def test_a_manager_rejects_a_pending_adjustment_with_a_reason_and_nothing_is_credited(db: Database) -> None:
    salon_with_1000_spendable(db)
    waiting = adjust(db, "adj-3", "3000", by="OP-1", at=NOV)
    with pytest.raises(InvalidInput) as no_reason:
        reject(db, waiting.adjustment["id"], "MGR-1", "", NOV)
    assert no_reason.value.code == "missing_reason"
    done = reject(db, waiting.adjustment["id"], "MGR-1", "Заказ O-1 доставлен вовремя, компенсация не положена", NOV)
    assert (done.adjustment["status"], done.adjustment["decided_by"]) == ("rejected", "MGR-1")
    assert done.adjustment["decision_reason"] == "Заказ O-1 доставлен вовремя, компенсация не положена"
    assert bonus(db, NOV) == ("1000.00", "0.00")
    with pytest.raises(Conflict) as late:
        approve(db, waiting.adjustment["id"], "HEAD-1", NOV)
    assert late.value.code == "adjustment_resolved"


def test_an_operator_may_not_reject_what_only_a_manager_may_approve_but_may_withdraw_their_own(db: Database) -> None:
    salon_with_1000_spendable(db)
    waiting = adjust(db, "adj-4", "3000", by="OP-1", at=NOV)
    with pytest.raises(RuleViolation) as refused:
        reject(db, waiting.adjustment["id"], "OP-2", "Не вижу оснований для начисления", NOV)
    assert refused.value.code == "approval_not_allowed"
    withdrawn = reject(db, waiting.adjustment["id"], "OP-1", "Ошибся клиентом, отзываю свой запрос", NOV)
    assert withdrawn.adjustment["status"] == "rejected"


def test_every_step_is_in_the_audit_log_in_order(db: Database) -> None:
    salon_with_1000_spendable(db)
    adjust(db, "adj-1", "500", by="OP-1", at=NOV)
    pending = adjust(db, "adj-2", "5000", by="OP-1", at=NOV).adjustment["id"]
    approve(db, pending, "HEAD-1", NOV)
    other = adjust(db, "adj-3", "3000", by="OP-2", at=NOV).adjustment["id"]
    reject(db, other, "MGR-1", "Основание для начисления не подтверждено", NOV)
    lines = audit(db, "SALON-1")
    assert [(line["action"], line["actor"], line["details"].get("key")) for line in lines] == [
        ("adjustment.requested", "OP-1", "adj-1"),
        ("adjustment.applied", "OP-1", "adj-1"),
        ("adjustment.requested", "OP-1", "adj-2"),
        ("adjustment.approved", "HEAD-1", "adj-2"),
        ("adjustment.applied", "HEAD-1", "adj-2"),
        ("adjustment.requested", "OP-2", "adj-3"),
        ("adjustment.rejected", "MGR-1", "adj-3"),
    ]
    assert lines[0]["details"] == {
        "adjustment": 1,
        "key": "adj-1",
        "kind": "bonus",
        "points": "500.00",
        "reason": REASON,
        "role": "operator",
        "role_limit": "1000.00",
    }
    assert lines[4]["details"]["event_id"] == "adjustment:adj-2" and lines[4]["details"]["points"] == "5000.00"
    assert lines[6]["details"]["rejection_reason"] == "Основание для начисления не подтверждено"
    everything = audit(db)  # staff changes have no account
    assert [line["action"] for line in everything[:4]] == ["staff.added"] * 4
    assert everything[0]["actor"] == "cli:admin" and everything[0]["account"] is None


# --- taking points ---------------------------------------------------------------------------------------------
def test_a_negative_adjustment_takes_spendable_points_first_then_pending_ones(db: Database) -> None:
    salon_with_1000_spendable(db)
    post(db, order("e2", "SALON-1", "O-2", moscow(2026, 11, 5), rub=5_000))  # 500.00 pending until December
    done = adjust(db, "adj-5", "-1200", by="MGR-1", at=NOV, reason="Ошибочно начисленные баллы по заказу O-1")
    assert done.adjustment["status"] == "applied" and done.adjustment["points"] == "-1200.00"
    assert bonus(db, NOV) == ("0.00", "300.00")
    reason = "Ошибочно начисленные баллы по заказу O-1"
    assert entries_of(db, "adjustment:adj-5") == [("adjust", -100_000, reason), ("adjust", -20_000, reason)]


def test_a_negative_adjustment_above_the_balance_is_refused_and_writes_nothing(db: Database) -> None:
    salon_with_1000_spendable(db)
    before = counts(db)
    with pytest.raises(InsufficientPoints) as refused:
        adjust(db, "adj-6", "-1000.01", by="MGR-1", at=NOV)
    assert refused.value.field == "points" and "1000.00" in refused.value.message
    assert counts(db) == before
    # above the manager's limit too: refused when asked, not left to fail at approval
    with pytest.raises(InsufficientPoints):
        adjust(db, "adj-7", "-20000", by="OP-1", at=NOV)
    assert counts(db) == before


def test_a_pending_negative_adjustment_is_checked_again_when_approved(db: Database) -> None:
    salon_with_1000_spendable(db)
    post(db, order("e2", "SALON-1", "O-2", moscow(2026, 11, 1, 10), rub=20_000))  # 2,000.00 pending
    waiting = adjust(db, "adj-10", "-2950", by="OP-1", at=NOV).adjustment  # 3,000.00 cover it when asked
    assert waiting["status"] == "pending"
    # the client pays 1,000.00 of an order with points (which earns 900.00): 2,900.00 left
    post(db, order("e3", "SALON-1", "O-3", moscow(2026, 11, 12), rub=10_000, redeem_minor=100_000))
    before = counts(db)
    with pytest.raises(InsufficientPoints):
        approve(db, waiting["id"], "MGR-1", moscow(2026, 11, 13))
    assert counts(db) == before
    assert adjust(db, "adj-10", "-2950", by="OP-1", at=NOV).adjustment["status"] == "pending"


def test_a_pending_addition_for_a_client_that_left_meanwhile_cannot_be_approved(db: Database) -> None:
    """5,000 asked in November for the salon, above the operator's limit. It buys nothing in November and
    leaves the program at the November close: points can no longer be added to it, approved or not."""
    salon_with_1000_spendable(db)
    waiting = adjust(db, "adj-11", "5000", by="OP-1", at=NOV).adjustment
    assert waiting["status"] == "pending"
    with db.unit_of_work() as s:
        close_month(s, "2026-10", now=moscow(2026, 11, 1, 1))
    with db.unit_of_work() as s:
        assert close_month(s, "2026-11", now=moscow(2026, 12, 1, 1))["left_program"] == 1
    before = counts(db)
    with pytest.raises(RuleViolation) as refused:
        approve(db, waiting["id"], "MGR-1", moscow(2026, 12, 2))
    assert (refused.value.code, refused.value.field) == ("account_not_member", "account")
    assert counts(db) == before
    assert (
        reject(db, waiting["id"], "MGR-1", "Клиент вышел из программы", moscow(2026, 12, 2)).adjustment["status"]
        == "rejected"
    )


# --- refusals: nothing written ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "error", "code"),
    [
        ({"reason": None}, InvalidInput, "missing_reason"),
        ({"reason": "   "}, InvalidInput, "missing_reason"),
        ({"reason": "бонус"}, InvalidInput, "reason_too_short"),
        ({"reason": "компенсация"}, InvalidInput, "reason_too_short"),  # eleven letters, one word
        ({"reason": "x" * 301 + " слово"}, InvalidInput, "reason_too_long"),
        ({"by": "NOBODY"}, NotFound, "staff_not_found"),
        ({"by": "GONE-1"}, RuleViolation, "staff_inactive"),
        ({"kind": "premium"}, InvalidInput, "unknown_kind"),
        ({"account": "SALON-404"}, NotFound, "account_not_found"),
        ({"points": "0"}, InvalidInput, "zero_points"),
        ({"points": "1.005"}, InvalidInput, "invalid_amount"),
        ({"points": 1.5}, InvalidInput, "invalid_amount"),
        ({"key": "no spaces allowed"}, InvalidInput, "invalid_code"),
    ],
)
def test_bad_requests_are_refused_clearly_and_write_nothing(
    db: Database, change: dict[str, object], error: type[Exception], code: str
) -> None:
    salon_with_1000_spendable(db)
    hire(db, JOINED, ("GONE-1", "head"))
    with db.unit_of_work() as s:
        deactivate_staff(s, code="GONE-1", actor="cli:admin", now=JOINED)
    before = counts(db)
    request = {"key": "adj-x", "points": "500", "by": "OP-1", "kind": "bonus", "account": "SALON-1", "reason": REASON}
    request |= change
    key, points = request.pop("key"), request.pop("points")
    with pytest.raises(error) as refused:  # type: ignore[call-overload]
        adjust(db, key, points, at=NOV, **request)  # type: ignore[arg-type]
    assert refused.value.code == code
    assert refused.value.message
    assert counts(db) == before


def test_an_inactive_staff_member_can_neither_approve_nor_reject(db: Database) -> None:
    salon_with_1000_spendable(db)
    waiting = adjust(db, "adj-11", "5000", by="OP-1", at=NOV).adjustment
    with db.unit_of_work() as s:
        deactivate_staff(s, code="HEAD-1", actor="cli:admin", now=NOV)
    before = counts(db)
    with pytest.raises(RuleViolation) as refused:
        approve(db, waiting["id"], "HEAD-1", NOV)
    assert refused.value.code == "staff_inactive"
    with pytest.raises(NotFound) as unknown:
        approve(db, 999, "MGR-1", NOV)
    assert unknown.value.code == "adjustment_not_found"
    assert counts(db) == before


# --- idempotency ----------------------------------------------------------------------------------------------
def test_the_same_key_and_request_again_changes_nothing_another_request_is_a_conflict(db: Database) -> None:
    salon_with_1000_spendable(db)
    first = adjust(db, "adj-12", "500", by="OP-1", at=NOV)
    before = counts(db)
    again = adjust(db, "adj-12", "500.00", by="OP-1", at=moscow(2026, 11, 12))
    assert again.replayed is True and again.adjustment == first.adjustment
    assert counts(db) == before
    with pytest.raises(Conflict) as conflict:
        adjust(db, "adj-12", "600", by="OP-1", at=NOV)
    assert conflict.value.code == "idempotency_conflict"
    assert counts(db) == before


def test_approving_again_by_the_same_person_changes_nothing(db: Database) -> None:
    salon_with_1000_spendable(db)
    waiting = adjust(db, "adj-13", "5000", by="OP-1", at=NOV).adjustment
    approve(db, waiting["id"], "MGR-1", NOV)
    before = counts(db)
    assert approve(db, waiting["id"], "MGR-1", NOV).replayed is True
    with pytest.raises(Conflict):
        approve(db, waiting["id"], "HEAD-1", NOV)
    assert counts(db) == before
