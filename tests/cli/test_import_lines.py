"""`loyalka import orders` with a row per order line (a 1C export of work orders): lines grouped into orders,
corrected versions in a later file, and rows that disagree or break."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from loyalka.storage.database import Database
from loyalka.storage.tables import OrderRow
from tests.cli.test_cli import cli, month_start, ok, refused, write
from tests.conftest import EXAMPLES

HEADER = "account,order_id,occurred_at,sku,category,amount,promo,version\n"


def setup_garage(db: Database, tmp_path: Path) -> None:
    ok(cli("program", "load", EXAMPLES / "autoservice_case1.yaml", "--db", db.url))
    ok(
        cli(
            "import",
            "accounts",
            write(tmp_path / "a.csv", "code,name,region\nGARAGE,Автопарк,Москва\n"),
            "--db",
            db.url,
        )
    )


def bonus(db: Database) -> dict:
    card = json.loads(ok(cli("account", "show", "GARAGE", "--db", db.url, "--json")).stdout)
    return {b["kind"]: b for b in card["balances"]}["bonus"]


def test_rows_of_one_work_order_become_one_order_with_its_lines(db: Database, tmp_path: Path) -> None:
    setup_garage(db, tmp_path)
    at = month_start().isoformat()
    text = HEADER + (
        f"GARAGE,WO-1,{at},oil-change,labour,3000.00,,\n"
        f",WO-1,,filter,parts,2000.00,0,\n"
        f"GARAGE,WO-2,{at},repair,labour,10000.00,no,\n"
        f"GARAGE,WO-2,{at},pads,parts,15000.00,,\n"
    )
    result = ok(cli("import", "orders", write(tmp_path / "wo.csv", text), "--db", db.url))
    assert "2 orders imported, 0 already there, 0 row(s) rejected" in result.stdout
    # WO-1: 120 + 240 topped up to the first visit's 1000; WO-2: 400 + 1800
    assert bonus(db)["spendable"] == "3200"
    with db.unit_of_work() as s:
        rows = {r.order_ref: r for r in s.scalars(select(OrderRow))}
    assert [line["sku"] for line in rows["WO-2"].lines] == ["repair", "pads"]
    assert rows["WO-1"].total_minor == 500_000

    corrected = HEADER + f"GARAGE,WO-2,{at},repair,labour,11000.00,,2\nGARAGE,WO-2,{at},pads,parts,15000.00,,2\n"
    ok(cli("import", "orders", write(tmp_path / "wo2.csv", corrected), "--db", db.url))
    assert bonus(db)["spendable"] == "3240"  # only the difference: 4% of the 1,000 added to labour
    again = ok(cli("import", "orders", write(tmp_path / "wo2b.csv", corrected), "--db", db.url))
    assert "0 orders imported, 1 already there" in again.stdout
    assert bonus(db)["spendable"] == "3240"


def test_lines_that_disagree_on_their_order_or_break_leave_the_order_out(db: Database, tmp_path: Path) -> None:
    setup_garage(db, tmp_path)
    at = month_start().isoformat()
    text = HEADER + (
        f"GARAGE,WO-1,{at},oil-change,labour,3000.00,,\n"
        f"OTHER,WO-1,{at},filter,parts,2000.00,,\n"  # line 3: another account for the same order
        f"GARAGE,WO-2,{at},repair,labour,abc,,\n"  # line 4: a broken amount
        f"GARAGE,WO-2,{at},pads,parts,15000.00,maybe,\n"  # line 5: not a yes/no
        f"GARAGE,WO-3,{at},wash,labour,1000.00,,\n"
    )
    path = write(tmp_path / "bad.csv", text)
    result = refused(cli("import", "orders", path, "--db", db.url))
    assert f"{path}: line 2 [account]: line 3 gives account 'OTHER' for order 'WO-1'" in result.stderr
    assert f"{path}: line 4 [amount]: amount 'abc' is not an amount" in result.stderr
    assert f"{path}: line 5 [promo]: promo 'maybe' is not yes/no" in result.stderr
    assert "order 'WO-2' is left out: one of its lines is broken" in result.stderr
    with db.unit_of_work() as s:
        assert s.scalars(select(OrderRow.order_ref)).all() == []
    skipped = ok(cli("import", "orders", path, "--db", db.url, "--skip-bad"))
    assert "1 orders imported" in skipped.stdout
    with db.unit_of_work() as s:
        assert s.scalars(select(OrderRow.order_ref)).all() == ["WO-3"]


def test_a_file_of_lines_needs_sku_and_amount_columns(db: Database, tmp_path: Path) -> None:
    setup_garage(db, tmp_path)
    path = write(tmp_path / "x.csv", f"account,order_id,occurred_at,sku\nGARAGE,WO-1,{month_start().isoformat()},a\n")
    result = refused(cli("import", "orders", path, "--db", db.url))
    assert "the header lacks column(s) amount" in result.stderr
