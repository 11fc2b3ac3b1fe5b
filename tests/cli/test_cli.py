"""The `loyalka` command, end to end over a real database: set-up, program files, CSV imports, period
closes, accounts, the demo and the server, with every kind of bad input the commands must refuse clearly.

The CLI takes "now" from the wall clock (only `close-period` has `--now`), so tests of balances date their
orders relative to the current Moscow month; the period-close tests use fixed past dates and `--now`.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result
from sqlalchemy import func, make_url, select
from typer.testing import CliRunner

from loyalka.cli.app import app
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow, OrderRow
from tests.conftest import EXAMPLES, moscow

PROGRAM = EXAMPLES / "textile.yaml"
PROGRAM_TEXT = PROGRAM.read_text(encoding="utf-8")
PROGRAM_CODE = "liontex-privilege"
LOYALKA = Path(sys.executable).with_name("loyalka")
MSK = ZoneInfo("Europe/Moscow")

# Wide and colourless, so assertions see whole lines; no ambient database URL or API key leaks in.
runner = CliRunner(
    env={
        "COLUMNS": "1000",
        "NO_COLOR": "1",
        "FORCE_COLOR": None,
        "TTY_COMPATIBLE": None,
        "LOYALKA_DATABASE_URL": None,
        "LOYALKA_API_KEY": None,
    }
)

ACCOUNTS_CSV = (
    "code,name,inn,region,industry,manager,tags\n"
    "SALON-1,Салон «Уют»,7707083893,Москва,interior textile,Иванова,salon;moscow\n"
    "SALON-2,Шторы и точка,7736207543,Казань,interior textile,Петров,\n"
)


# --- helpers -------------------------------------------------------------------------------------------


def cli(*args: object) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def describe(result: Result) -> str:
    return (
        f"exit {result.exit_code}\n--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}\n"
        f"exception: {result.exception!r}"
    )


def ok(result: Result) -> Result:
    assert result.exit_code == 0, describe(result)
    assert result.exception is None, describe(result)
    return result


def refused(result: Result, code: int = 1) -> Result:
    """A clean refusal: the expected exit code, and no Python exception escaping the command."""
    assert result.exit_code == code, describe(result)
    assert result.exception is None or isinstance(result.exception, SystemExit), describe(result)
    assert "Traceback" not in result.output, describe(result)
    return result


def edited(old: str, new: str, text: str = PROGRAM_TEXT) -> str:
    assert text.count(old) == 1, f"the example no longer contains exactly one {old!r}"
    changed = text.replace(old, new)
    assert changed != text
    return changed


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding)
    return path


def month_start(offset: int = 0) -> datetime:
    """The first instant of the current Moscow month, moved by ``offset`` months."""
    now = datetime.now(MSK)
    year, month = divmod(now.year * 12 + now.month - 1 + offset, 12)
    return datetime(year, month + 1, 1, tzinfo=MSK)


def orders_csv(rows: list[tuple[str, str, datetime | str, str]], extra_header: str = "") -> str:
    lines = ["account,order_id,occurred_at,total" + extra_header]
    for account, ref, at, total in rows:
        lines.append(f"{account},{ref},{at.isoformat() if isinstance(at, datetime) else at},{total}")
    return "\n".join(lines) + "\n"


def load_program(url: str) -> None:
    assert f"program {PROGRAM_CODE!r} loaded as version 1" in ok(cli("program", "load", PROGRAM, "--db", url)).stdout


def with_accounts(db: Database, tmp_path: Path) -> None:
    load_program(db.url)
    result = ok(cli("import", "accounts", write(tmp_path / "accounts.csv", ACCOUNTS_CSV), "--db", db.url))
    assert "2 accounts imported, 0 already there, 0 row(s) rejected" in result.stdout


def show(db: Database, code: str) -> dict[str, Any]:
    return json.loads(ok(cli("account", "show", code, "--db", db.url, "--json")).stdout)


def bonus(db: Database, code: str) -> dict[str, Any]:
    balances = show(db, code)["balances"]
    assert [b["kind"] for b in balances] == ["bonus"]
    return balances[0]


def order_count(db: Database) -> int:
    with db.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(OrderRow)) or 0)


def close(db: Database, period: str, now: str) -> Result:
    return cli("close-period", period, "--db", db.url, "--now", now)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def plain_env() -> dict[str, str]:
    """The environment of a real shell session, without anything that would widen or colour the output."""
    drop = {"COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "LOYALKA_DATABASE_URL", "LOYALKA_API_KEY"}
    return {k: v for k, v in os.environ.items() if k not in drop}


# --- init ----------------------------------------------------------------------------------------------


def test_init_creates_the_schema_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "loyalka.db"
    path.parent.mkdir()
    result = ok(cli("init", "--db", path))
    assert "database ready" in result.stdout
    assert str(path) in result.stdout
    assert path.exists()
    connection = sqlite3.connect(path)
    try:
        tables = {row[0] for row in connection.execute("select name from sqlite_master where type = 'table'")}
    finally:
        connection.close()
    assert {"programs", "program_versions", "accounts", "orders", "lots", "entries"} <= tables
    # a second init is a no-op, and the schema is usable
    ok(cli("init", "--db", path))
    load_program(str(path))


# --- program validate / load ---------------------------------------------------------------------------


def test_program_validate_accepts_the_example() -> None:
    result = ok(cli("program", "validate", PROGRAM))
    assert "valid" in result.stdout
    assert PROGRAM_CODE in result.stdout
    assert "1 point kind(s), 1 earning rule(s)" in result.stdout


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        pytest.param(
            "    decimals: 2\n",
            "    decimals: 2\n    colour: red\n",
            ["line 14: point_kinds.bonus.colour: unknown key"],
            id="unknown-key",
        ),
        pytest.param(
            "    decimals: 2\n",
            "\tdecimals: 2\n",
            ["line 13: YAML syntax:", "cannot start any token"],
            id="malformed-yaml",
        ),
        pytest.param(
            "    kind: bonus\n",
            "    kind: bonuses\n",
            ["line 26: earning.0.kind: refers to point kind 'bonuses'", "not defined in point_kinds (bonus)"],
            id="missing-point-kind",
        ),
    ],
)
def test_program_validate_names_file_line_and_path_of_the_mistake(
    tmp_path: Path, old: str, new: str, where: list[str]
) -> None:
    path = write(tmp_path / "textile-broken.yaml", edited(old, new))
    result = refused(cli("program", "validate", path), code=2)
    assert result.stdout == ""
    assert "the program has 1 error(s)" in result.stderr
    assert f"{path}: {where[0]}" in result.stderr, describe(result)
    for fragment in where[1:]:
        assert fragment in result.stderr, describe(result)


def test_program_validate_of_a_missing_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    result = refused(cli("program", "validate", path), code=2)
    assert f"no such file: {path}" in result.stderr


def test_program_load_versions_the_text(db: Database, tmp_path: Path) -> None:
    load_program(db.url)
    again = ok(cli("program", "load", PROGRAM, "--db", db.url))
    assert f"program {PROGRAM_CODE!r} unchanged, already version 1" in again.stdout
    changed = write(tmp_path / "textile.yaml", edited('max_order_share: "15%"', 'max_order_share: "20%"'))
    second = ok(cli("program", "load", changed, "--db", db.url))
    assert f"program {PROGRAM_CODE!r} loaded as version 2" in second.stdout
    # the first text is still version 1, not a third version
    assert "unchanged, already version 1" in ok(cli("program", "load", PROGRAM, "--db", db.url)).stdout


def test_program_load_of_a_broken_file_stores_nothing(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path / "bad.yaml", edited("    kind: bonus\n", "    kind: bonuses\n"))
    result = refused(cli("program", "load", path, "--db", db.url), code=2)
    assert f"{path}: line 26: earning.0.kind" in result.stderr
    load_program(db.url)  # still version 1: the broken text never became a version


# --- import accounts / orders --------------------------------------------------------------------------


def test_import_accounts_then_show_them(db: Database, tmp_path: Path) -> None:
    with_accounts(db, tmp_path)
    data = show(db, "SALON-1")
    assert data["code"] == "SALON-1"
    assert data["name"] == "Салон «Уют»"
    assert data["inn"] == "7707083893"
    assert data["region"] == "Москва"
    assert data["industry"] == "interior textile"
    assert data["manager"] == "Иванова"
    assert data["tags"] == ["salon", "moscow"]
    assert data["status"] == "active"
    assert show(db, "SALON-2")["tags"] == []


def test_import_accounts_before_any_program_is_refused(db: Database, tmp_path: Path) -> None:
    result = refused(cli("import", "accounts", write(tmp_path / "a.csv", ACCOUNTS_CSV), "--db", db.url))
    assert "program_not_found" in result.stderr
    assert "loyalka program load" in result.stderr


def test_import_accounts_again_imports_the_new_codes_and_leaves_the_existing_ones(db: Database, tmp_path: Path) -> None:
    with_accounts(db, tmp_path)
    more = write(tmp_path / "more.csv", ACCOUNTS_CSV + "SALON-3,Новый салон,,,,,\n")
    result = ok(cli("import", "accounts", more, "--db", db.url))
    assert "1 accounts imported, 2 already there, 0 row(s) rejected" in result.stdout
    shown = json.loads(ok(cli("account", "show", "SALON-3", "--db", db.url, "--json")).stdout)
    assert shown["name"] == "Новый салон"


def test_import_orders_earns_the_pending_bonus_and_is_idempotent(db: Database, tmp_path: Path) -> None:
    """Seed 000: 5000 + 7000 RUB of orders this month earn 1200 bonus RUB, spendable from the 1st of next month."""
    with_accounts(db, tmp_path)
    start = month_start()
    path = write(
        tmp_path / "orders.csv",
        orders_csv([("SALON-1", "O-1", start, "5000.00"), ("SALON-1", "O-2", start + timedelta(seconds=30), "7000")]),
    )
    result = ok(cli("import", "orders", path, "--db", db.url))
    assert "2 orders imported, 0 already there, 0 row(s) rejected" in result.stdout
    assert order_count(db) == 2
    kind = bonus(db, "SALON-1")
    assert kind["pending"] == "1200.00"
    assert kind["spendable"] == "0.00"
    assert [lot["remaining"] for lot in kind["lots"]] == ["500.00", "700.00"]
    for lot in kind["lots"]:
        assert datetime.fromisoformat(lot["available_from"]) == month_start(1)
        assert datetime.fromisoformat(lot["expires_at"]) == month_start(2)
        assert lot["rule"] == "monthly-orders"
    assert bonus(db, "SALON-2")["pending"] == "0.00"

    again = ok(cli("import", "orders", path, "--db", db.url))
    assert "0 orders imported, 2 already there, 0 row(s) rejected" in again.stdout
    assert order_count(db) == 2
    assert bonus(db, "SALON-1")["pending"] == "1200.00"


def test_last_months_bonus_is_spendable_until_the_end_of_this_month(db: Database, tmp_path: Path) -> None:
    with_accounts(db, tmp_path)
    last = month_start(-1) + timedelta(days=4, hours=12)
    path = write(
        tmp_path / "o.csv", orders_csv([("SALON-2", "P-1", last, "5000.00"), ("SALON-2", "P-2", last, "7000")])
    )
    ok(cli("import", "orders", path, "--db", db.url))
    kind = bonus(db, "SALON-2")
    assert (kind["spendable"], kind["pending"]) == ("1200.00", "0.00")
    assert {datetime.fromisoformat(lot["expires_at"]) for lot in kind["lots"]} == {month_start(1)}


BROKEN_ORDERS = [
    ("SALON-1", "B-1", "{start}", "5000.00"),  # line 2: good
    ("SALON-1", "B-2", "{start}", "abc"),  # line 3: non-numeric total
    ("SALON-1", "B-3", "{start}", "-100.00"),  # line 4: negative total
    ("SALON-1", "B-4", "{naive}", "100.00"),  # line 5: no time zone
    ("NOBODY", "B-5", "{start}", "100.00"),  # line 6: unknown account
    ("SALON-2", "B-1", "{start}", "100.00"),  # line 7: order id repeated (line 2)
    ("SALON-2", "B-6", "{start}", "100.00,surplus"),  # line 8: one field too many
    ("SALON-2", "B-7", "{start}", "7000"),  # line 9: good
]
BROKEN_MESSAGES = {
    3: "total 'abc' is not an amount",
    4: "total must not be negative, got '-100.00'",
    5: "has no time zone offset",
    6: "no account with code 'NOBODY'",
    7: "order 'B-1' is also on line 2",
    8: "more fields than the header",
}


def broken_orders_file(tmp_path: Path) -> Path:
    start = month_start()
    naive = start.replace(tzinfo=None).isoformat()
    rows = [(a, r, at.format(start=start.isoformat(), naive=naive), t) for a, r, at, t in BROKEN_ORDERS]
    return write(tmp_path / "broken.csv", orders_csv(rows))


def assert_broken_rows_listed(result: Result, path: Path) -> None:
    """Each broken row is on a line of its own, ``FILE: line N...: message``, and no good row is."""
    pattern = re.compile(rf"^{re.escape(str(path))}: line (\d+)\b(.*)$", re.MULTILINE)
    reported = {int(match.group(1)): match.group(2) for match in pattern.finditer(result.stderr)}
    assert sorted(reported) == sorted(BROKEN_MESSAGES), describe(result)
    for number, message in BROKEN_MESSAGES.items():
        assert message in reported[number], (number, message, describe(result))


def test_import_orders_with_broken_rows_lists_each_and_imports_nothing(db: Database, tmp_path: Path) -> None:
    with_accounts(db, tmp_path)
    path = broken_orders_file(tmp_path)
    result = refused(cli("import", "orders", path, "--db", db.url))
    assert_broken_rows_listed(result, path)
    assert "nothing imported: 6 of 8 row(s) are broken" in result.stderr
    assert "--skip-bad" in result.stderr
    assert result.stdout == ""
    assert order_count(db) == 0
    for code in ("SALON-1", "SALON-2"):
        kind = bonus(db, code)
        assert (kind["pending"], kind["spendable"], kind["lots"]) == ("0.00", "0.00", [])


def test_import_orders_skip_bad_imports_the_good_rows_and_reports_the_rest(db: Database, tmp_path: Path) -> None:
    with_accounts(db, tmp_path)
    path = broken_orders_file(tmp_path)
    result = ok(cli("import", "orders", path, "--db", db.url, "--skip-bad"))
    assert "2 orders imported, 0 already there, 6 row(s) rejected" in result.stdout
    assert_broken_rows_listed(result, path)
    assert order_count(db) == 2
    assert bonus(db, "SALON-1")["pending"] == "500.00"
    assert bonus(db, "SALON-2")["pending"] == "700.00"


@pytest.mark.parametrize("column", ["account", "order_id", "occurred_at", "total"])
def test_import_orders_without_a_required_column_names_it(db: Database, tmp_path: Path, column: str) -> None:
    with_accounts(db, tmp_path)
    columns = ["account", "order_id", "occurred_at", "total"]
    values = ["SALON-1", "M-1", month_start().isoformat(), "100.00"]
    keep = [i for i, c in enumerate(columns) if c != column]
    text = ",".join(columns[i] for i in keep) + "\n" + ",".join(values[i] for i in keep) + "\n"
    path = write(tmp_path / "short.csv", text)
    result = refused(cli("import", "orders", path, "--db", db.url))
    assert "missing_columns" in result.stderr
    assert f"{path}: line 1: the header lacks column(s) {column};" in result.stderr
    assert order_count(db) == 0


def test_import_orders_with_an_unknown_column_names_it(db: Database, tmp_path: Path) -> None:
    with_accounts(db, tmp_path)
    path = write(tmp_path / "o.csv", orders_csv([("SALON-1", "U-1", month_start(), "1")], extra_header=",colour"))
    result = refused(cli("import", "orders", path, "--db", db.url))
    assert "unknown column(s) colour" in result.stderr
    assert order_count(db) == 0


def test_import_orders_of_a_missing_file_says_so(db: Database, tmp_path: Path) -> None:
    load_program(db.url)
    path = tmp_path / "nowhere.csv"
    result = refused(cli("import", "orders", path, "--db", db.url))
    assert "file_not_found" in result.stderr and f"no such file: {path}" in result.stderr


# --- close-period --------------------------------------------------------------------------------------


@pytest.fixture
def october(db: Database, tmp_path: Path) -> Database:
    """The seed's October 2026 (long past for the wall clock): orders of 5000 and 7000 RUB."""
    with_accounts(db, tmp_path)
    rows = [
        ("SALON-1", "OCT-1", moscow(2026, 10, 5, 12), "5000.00"),
        ("SALON-1", "OCT-2", moscow(2026, 10, 20, 15), "7000.00"),
    ]
    ok(cli("import", "orders", write(tmp_path / "october.csv", orders_csv(rows)), "--db", db.url))
    return db


def test_close_period_closes_a_month_once(october: Database) -> None:
    first = json.loads(ok(close(october, "2026-10", "2026-11-01T01:00:00+03:00")).stdout)
    assert first["period"] == "2026-10"
    assert first["program"] == PROGRAM_CODE
    assert first["program_version"] == 1
    assert first["activated"] == {"bonus": "1200.00"}
    assert first["already_closed"] is False
    again = json.loads(ok(close(october, "2026-10", "2026-11-02T01:00:00+03:00")).stdout)
    assert again["period"] == "2026-10"
    assert again["already_closed"] is True
    assert {k: v for k, v in again.items() if k != "already_closed"} == {
        k: v for k, v in first.items() if k != "already_closed"
    }


def test_close_period_refuses_to_skip_a_month(october: Database) -> None:
    ok(close(october, "2026-10", "2026-11-01T01:00:00+03:00"))
    result = refused(close(october, "2026-12", "2027-01-01T01:00:00+03:00"))
    assert "earlier_period_open" in result.stderr
    assert "close 2026-11 first" in result.stderr


def test_close_period_refuses_a_month_that_has_not_ended(october: Database) -> None:
    result = refused(close(october, "2026-10", "2026-10-31T23:00:00+03:00"))
    assert "period_not_ended" in result.stderr
    assert "2026-10 has not ended yet" in result.stderr
    ok(close(october, "2026-10", "2026-11-01T00:00:00+03:00"))
    assert "period_not_ended" in refused(close(october, "2026-11", "2026-11-15T12:00:00+03:00")).stderr


def test_close_period_with_a_bad_now_says_so(october: Database) -> None:
    result = refused(close(october, "2026-10", "notadate"))
    assert "--now" in result.stderr
    assert "notadate" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("period", ["2026-13", "2026-1", "October"])
def test_close_period_of_a_malformed_month_is_invalid_period(db: Database, period: str) -> None:
    load_program(db.url)
    result = refused(close(db, period, "2027-01-01T00:00:00+03:00"))
    assert "invalid_period" in result.stderr
    assert "YYYY-MM" in result.stderr


def test_close_period_with_a_now_without_offset_is_refused_with_a_message(october: Database) -> None:
    """`--now 2026-11-01T01:00:00` has no zone: it should be refused like a bad date, not crash."""
    result = refused(close(october, "2026-10", "2026-11-01T01:00:00"))
    assert "--now" in result.stderr
    assert "zone" in result.stderr or "offset" in result.stderr


# --- account show --------------------------------------------------------------------------------------


def test_account_show_of_an_unknown_code_is_account_not_found(db: Database) -> None:
    load_program(db.url)
    result = refused(cli("account", "show", "NO-SUCH", "--db", db.url))
    assert "account_not_found" in result.stderr
    assert "'NO-SUCH'" in result.stderr
    assert result.stdout == ""
    assert "account_not_found" in refused(cli("account", "show", "NO-SUCH", "--db", db.url, "--json")).stderr


def test_account_show_prints_the_company(db: Database, tmp_path: Path) -> None:
    with_accounts(db, tmp_path)
    start = month_start()
    ok(
        cli(
            "import",
            "orders",
            write(tmp_path / "o.csv", orders_csv([("SALON-1", "S-1", start, "5000")])),
            "--db",
            db.url,
        )
    )
    out = ok(cli("account", "show", "SALON-1", "--db", db.url)).stdout
    assert "Счёт SALON-1" in out
    assert "Салон «Уют»" in out
    assert "7707083893" in out
    assert "Москва" in out
    assert "Бонусные рубли" in out
    assert "ожидает 500,00" in out


# --- demo ----------------------------------------------------------------------------------------------


def test_demo_runs_refuses_a_used_database_and_resets(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    started = time.perf_counter()
    first = ok(cli("demo", "--db", path, "--companies", 150, "--months", 15))
    assert time.perf_counter() - started < 15
    for title in ("KPIs before and after the launch", "before launch", "after launch", "Program after launch"):
        assert title in first.stdout
    closed = re.search(r"months closed\D+(\d+)", first.stdout)
    assert closed is not None and int(closed.group(1)) > 0, first.stdout
    assert "companies / orders in the history" in first.stdout and "150 / " in first.stdout

    again = refused(cli("demo", "--db", path, "--companies", 150, "--months", 15))
    assert "already holds data" in again.stderr
    assert "--reset" in again.stderr

    reset = ok(cli("demo", "--db", path, "--reset", "--companies", 150, "--months", 15))
    assert "months closed" in reset.stdout
    # the same seed gives the same report
    assert closed.group(0) in reset.stdout


def test_demo_does_not_print_the_database_password(pg_db: Database) -> None:
    db = pg_db  # a URL that carries a password needs a server: PostgreSQL (trust auth ignores the password)
    load_program(db.url)  # the database now holds data, so the demo refuses it (and touches nothing)
    secret = "s3cret-Pa55"
    url = make_url(db.url).set(password=secret).render_as_string(hide_password=False)
    result = refused(cli("demo", "--db", url, "--companies", 150, "--months", 15))
    assert "already holds data" in result.stderr
    assert secret not in result.output
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(AccountRow)) == 0


# --- serve ---------------------------------------------------------------------------------------------


def test_serve_answers_health_on_localhost(tmp_path: Path) -> None:
    port = free_port()
    out, errors = tmp_path / "serve.out", tmp_path / "serve.err"
    with out.open("wb") as stdout, errors.open("wb") as stderr:
        process = subprocess.Popen(
            [str(LOYALKA), "serve", "--db", str(tmp_path / "serve.db"), "--host", "127.0.0.1", "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            env=plain_env(),
        )
        try:
            status, body = None, None
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                assert process.poll() is None, f"the server exited with {process.returncode}: {errors.read_text()}"
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                        status, body = response.status, json.loads(response.read())
                    break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    time.sleep(0.2)
            assert status == 200, f"no answer on /health within 20 s: {errors.read_text()}"
            assert body == {"status": "ok", "database": "sqlite"}
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
    printed = out.read_text(encoding="utf-8")
    assert f"Loyalka API on http://127.0.0.1:{port}" in printed
    assert f"http://127.0.0.1:{port}/docs" in printed


# --- problems found in src (each test names the behaviour expected) ------------------------------------


def test_error_lines_show_the_field_at_fault(db: Database) -> None:
    """`_fail` prints ``error (code) [field]: ...`` through rich markup, which eats ``[period]``."""
    load_program(db.url)
    result = refused(close(db, "2026-13", "2027-01-01T00:00:00+03:00"))
    assert "error (invalid_period) [period]: '2026-13' is not a month" in result.stderr


def test_import_row_errors_show_the_column_at_fault(db: Database, tmp_path: Path) -> None:
    """RowError renders ``line 3 [total]: ...``; printed through rich markup, ``[total]`` disappears."""
    with_accounts(db, tmp_path)
    path = broken_orders_file(tmp_path)
    result = refused(cli("import", "orders", path, "--db", db.url))
    assert f"{path}: line 3 [total]: total 'abc' is not an amount" in result.stderr
    assert f"{path}: line 6 [account]: no account with code 'NOBODY'" in result.stderr


def test_import_reports_a_value_that_looks_like_markup_instead_of_crashing(db: Database, tmp_path: Path) -> None:
    with_accounts(db, tmp_path)
    path = write(tmp_path / "o.csv", orders_csv([("SALON-1", "K-1", month_start(), "[/red]")]))
    result = refused(cli("import", "orders", path, "--db", db.url))
    assert f"{path}: line 2" in result.stderr
    assert "[/red]" in result.stderr
    assert order_count(db) == 0


def test_import_of_a_non_utf8_file_is_refused_with_a_clear_message(db: Database, tmp_path: Path) -> None:
    """1C exports CSV in Windows-1251 by default; such a file must be refused with a message, not a traceback."""
    with_accounts(db, tmp_path)
    text = orders_csv([("SALON-1", "Заказ-1", month_start(), "100.00")])
    path = write(tmp_path / "1c-export.csv", text, encoding="cp1251")
    result = refused(cli("import", "orders", path, "--db", db.url))
    assert str(path) in result.stderr
    assert "UTF-8" in result.stderr
    assert order_count(db) == 0


def _service_rejected_row(tmp_path: Path, db: Database, case: str) -> tuple[str, str]:
    """A CSV row (line 3) that only the order service can reject, and a fragment of the message expected."""
    start = month_start()
    if case == "future":
        return f"SALON-1,X-2,{(datetime.now(MSK) + timedelta(days=30)).isoformat()},100.00,,", "in the future"
    if case == "unknown-contact":
        return f"SALON-1,X-2,{start.isoformat()},100.00,nobody,", "'nobody'"
    if case == "redeem-too-much":
        return f"SALON-1,X-2,{start.isoformat()},1000.00,,50.00", "50.00"
    assert case == "changed-resend"
    first = "account,order_id,occurred_at,total\n" + f"SALON-1,X-2,{start.isoformat()},100.00\n"
    ok(cli("import", "orders", write(tmp_path / "first.csv", first), "--db", db.url))
    return f"SALON-1,X-2,{start.isoformat()},200.00,,", "X-2"


@pytest.mark.parametrize("case", ["future", "unknown-contact", "redeem-too-much", "changed-resend"])
def test_import_skip_bad_reports_rows_the_service_rejects_by_line(db: Database, tmp_path: Path, case: str) -> None:
    """DESIGN: a file import reports each rejected row; with --skip-bad the good rows go in. Rows the order service
    rejects (future date, unknown contact, more points than spendable, a resent order with other content) abort the
    whole file instead, with no line number."""
    with_accounts(db, tmp_path)
    bad, fragment = _service_rejected_row(tmp_path, db, case)
    before = order_count(db)
    good = f"SALON-2,X-1,{month_start().isoformat()},1000.00,,"
    path = write(tmp_path / "orders.csv", f"account,order_id,occurred_at,total,contact,redeem\n{good}\n{bad}\n")
    result = cli("import", "orders", path, "--db", db.url, "--skip-bad")
    assert any(line.startswith(f"{path}: line 3") and fragment in line for line in result.stderr.splitlines()), (
        describe(result)
    )
    ok(result)
    assert "1 orders imported, 0 already there, 1 row(s) rejected" in result.stdout
    assert order_count(db) == before + 1
    assert bonus(db, "SALON-2")["pending"] == "100.00"


def test_error_messages_are_not_wrapped_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    """Piped or logged (CI, `2> errors.txt`), rich hard-wraps at 80 columns and splits `file: line N: path`."""
    path = write(
        tmp_path / "programs-of-the-liontex-salon-network" / "textile-broken.yaml",
        edited("    decimals: 2\n", "    decimals: 2\n    colour: red\n"),
    )
    result = subprocess.run(
        [str(LOYALKA), "program", "validate", str(path)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=plain_env(),
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert f"{path}: line 14: point_kinds.bonus.colour: unknown key" in result.stderr, result.stderr
