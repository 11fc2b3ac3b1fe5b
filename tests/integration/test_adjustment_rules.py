"""The program's ``adjustments`` section: limits in points of the file's notation (whole points for a kind
with no decimals), approver roles, the reason's length, a debt paid by an adjustment; and the staff table."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from loyalka.errors import Conflict, InvalidInput, InvalidProgram, RuleViolation
from loyalka.services.staff import add_staff, deactivate_staff, list_staff
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow
from tests.conftest import EXAMPLES, moscow
from tests.integration.audit_support import adjust, approve, audit, counts, entries_of, hire
from tests.support import add_account, balances, give_back, load_example, load_text, order, post

JOINED = moscow(2026, 3, 1, 9)
AT = moscow(2026, 3, 10, 12)
TEXTILE = (EXAMPLES / "textile.yaml").read_text(encoding="utf-8")


def wholesale(db: Database, tier: str | None = None) -> None:
    load_example(db, "wholesale_tiers.yaml", JOINED)
    add_account(db, "BUYER-1", JOINED)
    if tier is not None:
        with db.unit_of_work() as s:
            s.execute(update(AccountRow).where(AccountRow.code == "BUYER-1").values(tier=tier))
    hire(db, JOINED, ("OP-1", "operator"), ("MGR-1", "manager"))


def textile_with(db: Database, section: str) -> None:
    load_text(db, TEXTILE + "\n" + section, moscow(2026, 10, 1))
    add_account(db, "SALON-1", moscow(2026, 10, 1))


# --- limits in the kind's units, tier expiry -------------------------------------------------------------------
def test_an_operators_limit_of_1000_points_counts_whole_points_for_a_kind_without_decimals(db: Database) -> None:
    wholesale(db)
    at_limit = adjust(db, "a1", 1000, by="OP-1", at=AT, account="BUYER-1", kind="points")
    above = adjust(db, "a2", "1001", by="OP-1", at=AT, account="BUYER-1", kind="points")
    assert (at_limit.adjustment["status"], at_limit.adjustment["points"]) == ("applied", "1000")
    assert (above.adjustment["status"], above.adjustment["points"]) == ("pending", "1001")
    assert entries_of(db, "adjustment:a1") == [("adjust", 1000, at_limit.adjustment["reason"])]
    with pytest.raises(InvalidInput) as fraction:
        adjust(db, "a3", "10.50", by="OP-1", at=AT, account="BUYER-1", kind="points")
    assert fraction.value.code == "invalid_points"


def test_added_points_wait_and_expire_like_the_kind_and_never_expire_for_a_platinum_account(db: Database) -> None:
    wholesale(db, tier="silver")
    adjust(db, "a1", "300", by="OP-1", at=AT, account="BUYER-1", kind="points")
    [lot] = balances(db, "BUYER-1", AT)["points"]["lots"]
    # 14 days pending (the return window), then 12 months
    assert (lot["available_from"], lot["expires_at"]) == ("2026-03-24T09:00:00+00:00", "2027-03-24T09:00:00+00:00")
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).where(AccountRow.code == "BUYER-1").values(tier="platinum"))
    adjust(db, "a2", "200", by="OP-1", at=AT, account="BUYER-1", kind="points")
    lots = balances(db, "BUYER-1", AT)["points"]["lots"]
    assert sorted((x["earned"], x["expires_at"]) for x in lots) == [
        ("200", None),
        ("300", "2027-03-24T09:00:00+00:00"),
    ]


# --- approver roles and limits -------------------------------------------------------------------------------
def test_only_the_approver_roles_may_approve_whatever_their_limit(db: Database) -> None:
    textile_with(
        db,
        'adjustments:\n  limits: {operator: "100", senior: "5000", director: null}\n  approver_roles: [director]\n',
    )
    hire(db, moscow(2026, 10, 1), ("OP-1", "operator"), ("SEN-1", "senior"), ("DIR-1", "director"))
    at = moscow(2026, 10, 10)
    waiting = adjust(db, "a1", "500", by="OP-1", at=at).adjustment
    assert waiting["approver_roles"] == ["director"]
    with pytest.raises(RuleViolation) as senior:
        approve(db, waiting["id"], "SEN-1", at)
    assert senior.value.code == "approval_not_allowed" and "director" in senior.value.message
    assert approve(db, waiting["id"], "DIR-1", at).adjustment["status"] == "applied"
    assert adjust(db, "a2", "5000", by="SEN-1", at=at).adjustment["status"] == "applied"  # within their own limit


def test_an_amount_no_role_may_approve_is_refused_when_asked(db: Database) -> None:
    textile_with(db, 'adjustments:\n  limits: {operator: "100", manager: "1000"}\n')
    hire(db, moscow(2026, 10, 1), ("OP-1", "operator"))
    before = counts(db)
    with pytest.raises(RuleViolation) as refused:
        adjust(db, "a1", "1000.01", by="OP-1", at=moscow(2026, 10, 10))
    assert refused.value.code == "above_every_limit" and "manager 1000.00" in refused.value.message
    assert counts(db) == before


def test_the_reasons_minimum_length_is_the_programs(db: Database) -> None:
    textile_with(db, "adjustments:\n  reason_min_chars: 40\n")
    hire(db, moscow(2026, 10, 1), ("OP-1", "operator"))
    with pytest.raises(InvalidInput) as short:
        adjust(db, "a1", "10", by="OP-1", at=moscow(2026, 10, 10), reason="Компенсация за задержку")
    assert short.value.code == "reason_too_short" and "40 characters" in short.value.message


def test_approver_roles_must_be_roles_of_the_limits() -> None:
    from loyalka.program.loader import parse_program

    with pytest.raises(InvalidProgram) as bad:
        parse_program(TEXTILE + "\nadjustments:\n  approver_roles: [boss]\n")
    assert "'boss'" in bad.value.message and "operator, manager, head" in bad.value.message


# --- debts -------------------------------------------------------------------------------------------------------
def salon_with_a_debt_of_100(db: Database, section: str = "") -> None:
    textile_with(db, section)
    hire(db, moscow(2026, 10, 1), ("OP-1", "operator"))
    post(db, order("e1", "SALON-1", "O-1", moscow(2026, 10, 5, 12), rub=10_000))
    post(db, order("e2", "SALON-1", "O-2", moscow(2026, 11, 10, 12), rub=10_000, redeem_minor=100_000))
    give_back(db, "r1", "O-1", moscow(2026, 11, 20), 10_000)
    assert balances(db, "SALON-1", moscow(2026, 11, 21))["bonus"]["debt"] == "100.00"


def test_an_adjustment_does_not_pay_a_debt_by_default(db: Database) -> None:
    salon_with_a_debt_of_100(db)
    adjust(db, "a1", "500", by="OP-1", at=moscow(2026, 11, 22))
    bonus = balances(db, "SALON-1", moscow(2026, 11, 22))["bonus"]
    assert (bonus["pending"], bonus["debt"]) == ("500.00", "100.00")


def test_with_net_debts_an_adjustment_pays_the_debt_first(db: Database) -> None:
    salon_with_a_debt_of_100(db, "adjustments:\n  net_debts: true\n")
    done = adjust(db, "a1", "500", by="OP-1", at=moscow(2026, 11, 22))
    bonus = balances(db, "SALON-1", moscow(2026, 11, 22))["bonus"]
    assert (bonus["pending"], bonus["debt"]) == ("400.00", "0.00")
    applied = [line for line in audit(db, "SALON-1") if line["action"] == "adjustment.applied"]
    assert applied[0]["details"]["debt_paid"] == "100.00"
    assert done.adjustment["status"] == "applied"


# --- staff ---------------------------------------------------------------------------------------------------------
def test_staff_roles_must_be_roles_of_the_programs_limits_and_codes_are_unique(db: Database) -> None:
    load_example(db, "textile.yaml", JOINED)
    before = counts(db)
    with pytest.raises(InvalidInput) as role, db.unit_of_work() as s:
        add_staff(s, code="X-1", name="Иван Иванов", role="cashier", actor="cli:admin", now=JOINED)
    assert role.value.code == "unknown_role" and "operator, manager, head" in role.value.message
    assert counts(db) == before
    hire(db, JOINED, ("OP-1", "operator"))
    with pytest.raises(Conflict) as twice, db.unit_of_work() as s:
        add_staff(s, code="OP-1", name="Другой человек", role="head", actor="cli:admin", now=JOINED)
    assert twice.value.code == "staff_exists"


def test_deactivating_is_recorded_once_and_keeps_the_person_on_the_list(db: Database) -> None:
    load_example(db, "textile.yaml", JOINED)
    hire(db, JOINED, ("OP-1", "operator"), ("HEAD-1", "head"))
    for _ in range(2):
        with db.unit_of_work() as s:
            deactivate_staff(s, code="OP-1", actor="HEAD-1", now=AT)
    with db.unit_of_work() as s:
        people = [(p.code, p.active) for p in list_staff(s)]
        active = [p.code for p in list_staff(s, include_inactive=False)]
        accounts = s.scalars(select(AccountRow.code)).all()
    assert people == [("HEAD-1", True), ("OP-1", False)] and active == ["HEAD-1"] and accounts == []
    assert [(x["action"], x["actor"]) for x in audit(db)] == [
        ("staff.added", "cli:admin"),
        ("staff.added", "cli:admin"),
        ("staff.deactivated", "HEAD-1"),
    ]


def test_a_role_unknown_to_the_accounts_program_may_not_adjust_it(db: Database) -> None:
    """Staff belong to the seller; with two programs, a role is checked against the adjusted account's."""
    textile_with(db, "")
    other = TEXTILE.replace("code: liontex-privilege", "code: other-program")
    load_text(db, other + '\nadjustments:\n  limits: {clerk: "100", boss: null}\n', moscow(2026, 10, 1))
    with db.unit_of_work() as s:
        add_staff(
            s, code="CL-1", name="Клерк Другой", role="clerk", actor="cli:admin", now=JOINED, program="other-program"
        )
    before = counts(db)
    with pytest.raises(RuleViolation) as refused:
        adjust(db, "a1", "10", by="CL-1", at=moscow(2026, 10, 10))
    assert refused.value.code == "role_not_allowed" and "operator, manager, head" in refused.value.message
    assert counts(db) == before
