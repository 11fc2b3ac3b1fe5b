"""`loyalka staff`, `loyalka adjust` and `loyalka audit` end to end over a real database (the wall clock)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import Result
from typer.testing import CliRunner

from loyalka.cli.app import app
from loyalka.storage.database import Database
from tests.conftest import EXAMPLES
from tests.integration.audit_support import counts

runner = CliRunner(
    env={"COLUMNS": "1000", "NO_COLOR": "1", "FORCE_COLOR": None, "TTY_COMPATIBLE": None, "LOYALKA_DATABASE_URL": None}
)
REASON = "Компенсация за задержку доставки"


def cli(db: Database, *args: object) -> Result:
    return runner.invoke(app, [*(str(a) for a in args), "--db", db.url])


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result.stdout


def refused(result: Result) -> str:
    assert result.exit_code == 1, (result.stdout, result.stderr, result.exception)
    assert "Traceback" not in result.output
    return result.stderr


def ready(db: Database, tmp_path: Path) -> None:
    ok(cli(db, "program", "load", EXAMPLES / "textile.yaml"))
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("code,name\nSALON-1,Салон «Уют»\n", encoding="utf-8")
    ok(cli(db, "import", "accounts", accounts))
    assert "OP-1 (Ольга Петрова) added as operator" in ok(
        cli(db, "staff", "add", "OP-1", "--name", "Ольга Петрова", "--role", "operator")
    )
    ok(cli(db, "staff", "add", "HEAD-1", "--name", "Иван Сидоров", "--role", "head", "--by", "OP-1"))


def pending_bonus(db: Database) -> str:
    card: dict[str, Any] = json.loads(ok(cli(db, "account", "show", "SALON-1", "--json")))
    return card["balances"][0]["pending"]


def test_staff_are_added_listed_and_deactivated_and_unknown_roles_are_refused(db: Database, tmp_path: Path) -> None:
    ready(db, tmp_path)
    error = refused(cli(db, "staff", "add", "X-1", "--name", "Пётр Петров", "--role", "cashier"))
    assert "error (unknown_role) [role]" in error and "operator, manager, head" in error
    assert "staff member OP-1 is inactive" in ok(cli(db, "staff", "deactivate", "OP-1", "--by", "HEAD-1"))
    people = json.loads(ok(cli(db, "staff", "list", "--json")))
    assert [(p["code"], p["role"], p["active"]) for p in people] == [
        ("HEAD-1", "head", True),
        ("OP-1", "operator", False),
    ]
    assert "staff_not_found" in refused(cli(db, "staff", "deactivate", "NOBODY"))
    log = json.loads(ok(cli(db, "audit", "list", "--json")))
    assert [(x["action"], x["actor"]) for x in log][1:] == [("staff.added", "OP-1"), ("staff.deactivated", "HEAD-1")]
    assert log[0]["actor"].startswith("cli")


def test_adjust_within_the_limit_above_it_approve_and_the_audit_list(db: Database, tmp_path: Path) -> None:
    ready(db, tmp_path)
    out = ok(cli(db, "adjust", "SALON-1", "500", "--kind", "bonus", "--reason", REASON, "--by", "OP-1", "--key", "k1"))
    assert "adjustment 1 (key k1): 500.00 bonus for SALON-1 applied (OP-1)" in out
    again = ok(
        cli(db, "adjust", "SALON-1", "500", "--kind", "bonus", "--reason", REASON, "--by", "OP-1", "--key", "k1")
    )
    assert "already recorded, nothing changed" in again
    taken = ok(cli(db, "adjust", "SALON-1", "-200", "--kind", "bonus", "--reason", REASON, "--by", "OP-1"))
    assert "-200.00 bonus for SALON-1 applied" in taken
    out = ok(cli(db, "adjust", "SALON-1", "5000", "--kind", "bonus", "--reason", REASON, "--by", "OP-1", "--key", "k3"))
    assert "pending: waits for approval by manager or head (another person than OP-1)" in out
    assert pending_bonus(db) == "300.00"
    waiting = json.loads(ok(cli(db, "adjust", "list", "--pending", "--json")))
    assert [(a["id"], a["key"]) for a in waiting] == [(3, "k3")]
    assert "self_approval" in refused(cli(db, "adjust", "approve", 3, "--by", "OP-1"))
    assert "applied (HEAD-1)" in ok(cli(db, "adjust", "approve", 3, "--by", "HEAD-1"))
    assert pending_bonus(db) == "5300.00"
    assert json.loads(ok(cli(db, "adjust", "list", "--pending", "--json"))) == []
    log = json.loads(ok(cli(db, "audit", "list", "--account", "SALON-1", "--json")))
    assert [x["action"] for x in log] == [
        "adjustment.requested",
        "adjustment.applied",
        "adjustment.requested",
        "adjustment.applied",
        "adjustment.requested",
        "adjustment.approved",
        "adjustment.applied",
    ]
    assert "adjustment.approved" in ok(cli(db, "audit", "list", "--account", "SALON-1"))


def test_reject_and_bad_input_are_refused_clearly_and_write_nothing(db: Database, tmp_path: Path) -> None:
    ready(db, tmp_path)
    ok(cli(db, "adjust", "SALON-1", "3000", "--kind", "bonus", "--reason", REASON, "--by", "OP-1"))
    before = counts(db)
    assert "missing_reason" in refused(cli(db, "adjust", "reject", 1, "--by", "HEAD-1", "--reason", ""))
    for args, code in [
        (("SALON-1", "10", "--kind", "bonus", "--reason", "бонус", "--by", "OP-1"), "reason_too_short"),
        (("SALON-1", "10", "--kind", "premium", "--reason", REASON, "--by", "OP-1"), "unknown_kind"),
        (("SALON-404", "10", "--kind", "bonus", "--reason", REASON, "--by", "OP-1"), "account_not_found"),
        (("SALON-1", "10", "--kind", "bonus", "--reason", REASON, "--by", "NOBODY"), "staff_not_found"),
        (("SALON-1", "-100000", "--kind", "bonus", "--reason", REASON, "--by", "OP-1"), "insufficient_points"),
        (("SALON-1", "ten", "--kind", "bonus", "--reason", REASON, "--by", "OP-1"), "invalid_amount"),
    ]:
        assert f"error ({code})" in refused(cli(db, "adjust", *args))
    assert counts(db) == before
    done = ok(cli(db, "adjust", "reject", 1, "--by", "HEAD-1", "--reason", "Основание не подтверждено документами"))
    assert "rejected by HEAD-1: Основание не подтверждено документами" in done
    assert "adjustment_resolved" in refused(cli(db, "adjust", "approve", 1, "--by", "HEAD-1"))


def test_an_adjustment_id_or_a_log_position_beyond_any_stored_one_is_refused_clearly(
    db: Database, tmp_path: Path
) -> None:
    ready(db, tmp_path)
    before = counts(db)
    huge = "9223372036854775808"
    for args in (
        ("adjust", "approve", huge, "--by", "HEAD-1"),
        ("adjust", "reject", huge, "--by", "HEAD-1", "--reason", "Основание не подтверждено документами"),
        ("audit", "list", "--after", huge),
    ):
        result = cli(db, *args)  # a usage error: the value no id column holds is named, nothing is read
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert "Invalid value" in result.output and "9223372036854775807" in result.output
    assert counts(db) == before
