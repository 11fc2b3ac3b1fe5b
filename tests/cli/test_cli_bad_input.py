"""Bad input the commands once answered with a traceback (found in review): a directory where a file is
expected, a database that cannot be opened, a quantity no order can have, a row that only the database
refuses. Each is now a clear message with its exit code, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow, OrderRow
from tests.cli.test_cli import PROGRAM, cli, month_start, ok, refused, write


@pytest.mark.parametrize(
    "args",
    [
        ("program", "validate", "{dir}"),
        ("program", "rules", "{dir}"),
        ("program", "load", "{dir}", "--db", "{db}"),
    ],
    ids=["validate", "rules", "load"],
)
def test_a_directory_given_as_the_program_file_is_refused_clearly(args: tuple[str, ...], tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    result = refused(cli(*(a.format(dir=tmp_path, db=db) for a in args)), code=2)
    assert "the file cannot be read" in result.stderr


@pytest.mark.parametrize("what", ["orders", "accounts"])
def test_a_directory_given_as_the_csv_file_is_refused_clearly(what: str, tmp_path: Path) -> None:
    ok(cli("program", "load", PROGRAM, "--db", tmp_path / "x.db"))
    result = refused(cli("import", what, tmp_path, "--db", tmp_path / "x.db"))
    assert "error (file_unreadable) [file]:" in result.stderr


@pytest.mark.parametrize(
    "url",
    ["nosuchdriver://somewhere/db", "postgresql+psycopg://nobody@127.0.0.1:1/none", "{tmp}/missing/dir/x.db"],
    ids=["unknown-driver", "unreachable-server", "missing-directory"],
)
def test_a_database_that_cannot_be_opened_is_a_clear_error(url: str, tmp_path: Path) -> None:
    for args in (("init",), ("account", "show", "X"), ("program", "rules", "--program", "p")):
        result = refused(cli(*args, "--db", url.format(tmp=tmp_path)))
        assert "error (database_unavailable) [db]: cannot open the database" in result.stderr


def test_a_line_quantity_beyond_what_an_order_line_can_hold_is_a_row_error(db: Database, tmp_path: Path) -> None:
    ok(cli("program", "load", PROGRAM, "--db", db.url))
    ok(cli("import", "accounts", write(tmp_path / "a.csv", "code,name\nS1,Салон\n"), "--db", db.url))
    at = month_start().isoformat()
    text = (
        "account,order_id,occurred_at,sku,amount,quantity\n"
        f"S1,O-1,{at},cloth,1000.00,1e999999999\n"  # the API refuses it too (18 digits, 6 decimals)
        f"S1,O-2,{at},cloth,1000.00,0.0000001\n"
        f"S1,O-3,{at},cloth,1000.00,2.5\n"
    )
    result = refused(cli("import", "orders", write(tmp_path / "o.csv", text), "--db", db.url))
    assert "line 2 [quantity]: quantity '1e999999999' is not a quantity" in result.stderr
    assert "line 3 [quantity]: quantity '0.0000001' is not a quantity" in result.stderr
    with db.unit_of_work() as s:
        assert s.scalars(select(OrderRow.order_ref)).all() == []


def test_an_account_row_the_service_refuses_is_reported_with_its_line(db: Database, tmp_path: Path) -> None:
    ok(cli("program", "load", PROGRAM, "--db", db.url))
    long_region = "R" * 101
    text = f"code,name,region,referred_by\nS1,Салон,Москва,\nS2,Салон 2,Москва,ZZZZZZZZ\nS3,Салон 3,{long_region},\n"
    path = write(tmp_path / "a.csv", text)
    result = refused(cli("import", "accounts", path, "--db", db.url))
    assert f"{path}: line 3 [referred_by]: no account has the referral code ZZZZZZZZ" in result.stderr
    assert f"{path}: line 4 [region]: region is 101 characters long; at most 100" in result.stderr
    with db.unit_of_work() as s:
        assert s.scalars(select(AccountRow.code)).all() == []
    skipped = ok(cli("import", "accounts", path, "--db", db.url, "--skip-bad"))
    assert "1 accounts imported, 0 already there, 2 row(s) rejected" in skipped.stdout
    with db.unit_of_work() as s:
        assert s.scalars(select(AccountRow.code)).all() == ["S1"]


@pytest.mark.parametrize(
    "args",
    [
        ("adjust", "approve", str(2**63), "--by", "boss"),
        ("adjust", "reject", str(2**63), "--by", "boss", "--reason", "a wrong request"),
        ("rewards", "fulfil", str(2**63)),
        ("rewards", "cancel", str(2**63)),
        ("audit", "list", "--after", str(2**63)),
    ],
    ids=["approve", "reject", "fulfil", "cancel", "audit-after"],
)
def test_an_id_beyond_a_64_bit_integer_is_a_usage_error(args: tuple[str, ...], tmp_path: Path) -> None:
    ok(cli("program", "load", PROGRAM, "--db", tmp_path / "x.db"))
    result = refused(cli(*args, "--db", tmp_path / "x.db"), code=2)
    assert "9223372036854775807" in result.stderr  # the range it must be in


@pytest.mark.parametrize(
    "args",
    [
        ("segment", "show", "fleet-moscow", "--at", "0001-01-01T00:00:00+05:00"),
        ("campaign", "run", "spring-service-2026", "--at", "0001-01-01T00:00:00+05:00"),
        ("close-period", "2026-01", "--now", "9999-12-31T23:59:59-12:00"),
        ("tiers", "show", "C1", "--now", "0001-01-01T00:00:00+05:00"),
    ],
    ids=["segment", "campaign", "close-period", "tiers"],
)
def test_an_instant_out_of_range_is_a_clear_error(args: tuple[str, ...], tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    ok(cli("program", "load", PROGRAM.with_name("autoservice_case1.yaml"), "--db", db))
    result = refused(cli(*args, "--db", db))
    assert "is out of range: give a date-time from 1900 to 2999" in result.stderr


def test_the_summary_counts_broken_rows_not_messages(db: Database, tmp_path: Path) -> None:
    # a broken line of an order gives two messages (the line, and its order left out): still one broken row
    ok(cli("program", "load", PROGRAM, "--db", db.url))
    ok(cli("import", "accounts", write(tmp_path / "a.csv", "code,name\nS1,Салон\n"), "--db", db.url))
    text = f"account,order_id,occurred_at,sku,amount\nS1,O-1,{month_start().isoformat()},cloth,12x\n"
    result = refused(cli("import", "orders", write(tmp_path / "o.csv", text), "--db", db.url))
    assert "order 'O-1' is left out" in result.stderr
    assert "nothing imported: 1 of 1 row(s) are broken" in result.stderr


def test_a_column_named_twice_in_the_header_is_refused(db: Database, tmp_path: Path) -> None:
    # csv.DictReader keeps the last of two same-named columns: the first one's values were silently dropped
    ok(cli("program", "load", PROGRAM, "--db", db.url))
    ok(cli("import", "accounts", write(tmp_path / "a.csv", "code,name\nS1,Салон\n"), "--db", db.url))
    text = f"account,order_id,occurred_at,total,total\nS1,O-1,{month_start().isoformat()},1000.00,2000.00\n"
    result = refused(cli("import", "orders", write(tmp_path / "o.csv", text), "--db", db.url))
    assert "line 1: column(s) total given twice" in result.stderr
    with db.unit_of_work() as s:
        assert s.scalars(select(OrderRow.order_ref)).all() == []


def test_a_stock_beyond_what_its_column_holds_is_refused(db: Database, tmp_path: Path) -> None:
    ok(cli("program", "load", PROGRAM.with_name("wholesale_tiers.yaml"), "--db", db.url))
    result = refused(cli("rewards", "stock", "certificate-5000", "99999999999", "--db", db.url))
    assert "error (invalid_stock) [stock]: stock must be 0 to 1,000,000,000" in result.stderr
    shown = ok(cli("rewards", "stock", "certificate-5000", "--db", db.url))
    assert '"stock": 50' in shown.stdout
