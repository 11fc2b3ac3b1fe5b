"""`loyalka analyze drivers FILE`: the report, the workbook and the chart from the command line; bad input gets a
clear message and exit 1, never a traceback."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
from click.testing import Result
from typer.testing import CliRunner

from loyalka.cli.app import app
from tests.conftest import SHARED_DATA
from tests.drivers_support import Line, frequency_drives_volume, sleeping_cases, write_orders_csv

runner = CliRunner(env={"COLUMNS": "1000", "NO_COLOR": "1", "LOYALKA_DATABASE_URL": None})


def run(*args: object) -> Result:
    return runner.invoke(app, ["analyze", "drivers", *[str(a) for a in args]])


def with_costs(lines: list[Line]) -> list[Line]:
    """Every line costs 60% of its value; C59 sells at cost."""
    return [Line(x.customer, x.invoice, x.at, x.sku, x.amount_minor,
                 x.amount_minor if x.customer == "C59" else x.amount_minor * 6 // 10, x.region, x.category)
            for x in lines]  # fmt: skip


def history_csv(tmp_path: Path) -> Path:
    return write_orders_csv(tmp_path / "orders.csv", with_costs(frequency_drives_volume() + sleeping_cases()))


def sheet(path: Path, name: str) -> list[tuple]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(book[name].iter_rows(values_only=True))
    finally:
        book.close()  # a read-only workbook keeps its file open until closed


def test_the_command_writes_the_report_the_workbook_and_the_chart(tmp_path: Path) -> None:
    clients = tmp_path / "clients.csv"
    clients.write_text("Customer,Industry,Manager\nC00,стройка,Ivanov\nC01,розница,Petrov\n", encoding="utf-8")
    result = run(history_csv(tmp_path), "--preset", "loyalka", "--map", "region=region", "--to", "2024-06-30",
                 "--clients", clients, "--out", tmp_path / "d.html", "--xlsx", tmp_path / "d.xlsx",
                 "--chart", tmp_path / "d.png", "--top", 3)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "drivers of volume (log scale), 2023-12-01 to 2024-06-30: 67 clients, depth 3" in result.output
    assert "held-out R² " in result.output and "  average check: " in result.output
    assert "3 highest and 3 lowest gross profit, 0 high potential, 4 sleeping (90+ days), 31 lost" in result.output
    assert (tmp_path / "d.png").read_bytes()[:4] == b"\x89PNG"
    page = (tmp_path / "d.html").read_text(encoding="utf-8")
    assert "Columns of" in page and "not used: manager." in page
    book = tmp_path / "d.xlsx"
    assert sheet(book, "sleeping")[1:] == [
        ("E3", "Россия", 3, 300, datetime(2024, 1, 3), 179),
        ("E6", "Россия", 2, 200, datetime(2024, 2, 1), 150),
        ("E7", "Россия", 2, 100, datetime(2024, 3, 1), 121),
        ("E1", "Россия", 2, 200, datetime(2024, 4, 1), 90),
    ]
    lost = {row[0]: row[4:] for row in sheet(book, "lost")[1:]}
    assert len(lost) == 31 and lost["E4"] == (datetime(2024, 1, 2), 180)
    assert lost["C30"] == (datetime(2024, 1, 2), 180)  # the twice-a-year clients' second order is in August
    bottom = sheet(book, "bottom gross profit")
    assert bottom[0] == ("customer", "region", "orders", "net_revenue", "cost", "gross_profit", "margin_rate",
                         "last_order")  # fmt: skip
    assert bottom[1][0] == "C59" and bottom[1][5] == 0  # sells at cost
    features = sheet(book, "client features")
    industries = {row[0]: row[2] for row in features[1:]}
    assert (industries["C00"], industries["C01"], industries["C02"]) == ("стройка", "розница", "unknown")


def test_payments_add_the_payment_discipline_factor(tmp_path: Path) -> None:
    payments = tmp_path / "payments.csv"
    rows = ["customer,due,paid"] + [f"C{n:02d},2024-03-01,{'2024-04-15' if n < 30 else '2024-03-01'}"
                                    for n in range(60)]  # fmt: skip
    payments.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run(history_csv(tmp_path), "--preset", "loyalka", "--payments", payments, "--xlsx", tmp_path / "p.xlsx")
    assert result.exit_code == 0, result.output
    factors = [row[0] for row in sheet(tmp_path / "p.xlsx", "factors")[1:]]
    assert "payment discipline" in factors
    header, *rows = sheet(tmp_path / "p.xlsx", "client features")
    late = {row[0]: row[header.index("days_late_mean")] for row in rows}
    assert late["C00"] == 45 and late["C59"] == 0 and late["E1"] is None  # NaN: no payments known


def test_bad_input_gets_a_clear_message_and_exit_1(tmp_path: Path) -> None:
    history = history_csv(tmp_path)
    no_customer = tmp_path / "clients.csv"
    no_customer.write_text("client,industry\nC00,стройка\n", encoding="utf-8")
    bad_payments = tmp_path / "payments.csv"
    bad_payments.write_text("customer,due,paid\nC00,2024-03-01,\nC01,01.03.2024,\n", encoding="utf-8")
    empty = tmp_path / "empty.csv"
    empty.write_text("account,order_id,occurred_at,sku,quantity,amount\n", encoding="utf-8")
    cases = [
        (["--depth", 9], "error (invalid_depth) [depth]: the tree's depth must be 1 to 8, not 9"),
        (["--depth", 0], "error (invalid_depth)"),
        (["--clients", no_customer], "error (missing_columns) [customer]:"),
        (["--payments", bad_payments], "error (invalid_date) [due]:"),
        (["--from", "2030-01-01", "--to", "2030-12-31"], "error (empty_window) [window]: no client bought"),
        (["--from", "2024-13-01"], "error (invalid_date) [from]: --from '2024-13-01': write the day as YYYY-MM-DD"),
        (["--sleeping-days", 90, "--lost-days", 60], "error (invalid_days) [lost_days]"),
        (["--target", "margin"], "error (invalid_target)"),
        (["--out", tmp_path / "nowhere" / "d.html"], "error (cannot_write)"),
    ]
    for options, message in cases:
        result = run(history, "--preset", "loyalka", *options)
        assert result.exit_code == 1, (options, result.output)
        assert message in result.output, (options, result.output)
        assert "Traceback" not in result.output
    assert "line 3 ('01.03.2024')" in run(history, "--preset", "loyalka", "--payments", bad_payments).output
    result = run(empty, "--preset", "loyalka")
    assert result.exit_code == 1 and "error (empty_file)" in result.output


def test_the_real_data_from_the_command_line(tmp_path: Path) -> None:
    result = run(SHARED_DATA, "--preset", "online_retail", "--xlsx", tmp_path / "r.xlsx")
    assert result.exit_code == 0, result.output
    assert "drivers of volume (log scale), 2010-12-01 to 2011-12-09: 4,335 clients, depth 3" in result.output
    assert "355 sleeping (90+ days), 863 lost (180+ days), as of 2011-12-09" in result.output
    lost = sheet(tmp_path / "r.xlsx", "lost")
    assert len(lost) == 864 and lost[1][4] == datetime(2010, 12, 1) and lost[-1][4:] == (datetime(2011, 6, 12), 180)
