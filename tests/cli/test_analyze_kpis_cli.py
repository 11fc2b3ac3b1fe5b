"""`loyalka analyze import | kpis | rfm`: the text, the reports, the charts, the segment lists, and bad input
refused with a clear message (exit 1, no traceback)."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from tests.cli.test_cli import cli, ok, refused, write
from tests.conftest import SHARED_DATA
from tests.kpis_support import HEADER, KPI_ROWS, RFM_ROWS, write_history

PRESET = ("--preset", "online_retail")


def row(out: str, *first: str) -> list[str]:
    """The cells of the one table row of the output starting with the cells ``first``."""
    rows = [[c.strip() for c in line.strip("│ ").split("│")] for line in out.splitlines() if line.startswith("│")]
    found = [cells for cells in rows if cells[: len(first)] == list(first)]
    assert len(found) == 1, f"{len(found)} rows start with {first}:\n{out}"
    return found[0]


def test_import_reports_what_the_history_holds(tmp_path: Path) -> None:
    file = write_history(tmp_path / "h.csv", KPI_ROWS)
    result = ok(cli("analyze", "import", file, *PRESET, "--out", tmp_path / "i.html", "--xlsx", tmp_path / "i.xlsx"))
    out = result.stdout
    assert "rows: 19" in out
    assert "lines by kind: sale 15 · return 3 · adjustment 0 · non_product 1" in out
    assert "cancellations: 3 cancellation invoice(s) (number starting with 'C'), 3 line(s)" in out
    assert "returns recognised: 3 line(s) in 3 invoice(s), -100.00 GBP" in out  # A -50, E -20, B -30
    assert "rows without a customer: 1 (5.3%), 50.00 GBP; left out of per-client figures" in out
    assert "customers: 5 (5 with product lines)" in out
    assert "invoices: 16" in out
    assert "period: 2011-01-01 09:00 to 2011-04-20 10:00" in out
    # every line: 1,160 of sales + 15 of postage - 100 of returns; the clients' products net: 1,075 - 15 - 50
    assert "total value: 1,075.00 GBP (every line); clients' product lines net of returns: 1,010.00 GBP" in out
    html = (tmp_path / "i.html").read_text(encoding="utf-8")
    assert "What the file holds" in html and "rows: 19" in html
    assert openpyxl.load_workbook(tmp_path / "i.xlsx").sheetnames == ["Summary", "by kind", "by month", "by region"]


def test_kpis_by_quarter_with_a_threshold_members_and_program_figures(tmp_path: Path) -> None:
    file = write_history(tmp_path / "h.csv", KPI_ROWS)
    members = write(tmp_path / "members.csv", "customer\nA\nD\n")
    figures = write(tmp_path / "figures.csv", "period,sales,earned,spent,expired\n2011-01,200.00,20.00,0,0\n"
                    "2011-02,100.00,10.00,15.00,5.00\n2011-03,620.00,62.00,31.00,6.20\n")  # fmt: skip
    result = ok(cli("analyze", "kpis", file, *PRESET, "--period", "quarter", "--threshold", "60", "--members",
                    members, "--program-figures", figures, "--xlsx", tmp_path / "k.xlsx", "--out", tmp_path / "k.html",
                    "--charts", tmp_path / "charts"))  # fmt: skip
    out = result.stdout
    # Q1: 4 active clients, 153.33 a client-month, 1 of 6 client-months under 60, 8 invoices, 111.25 a check
    assert row(out, "2011-Q1", "True") == ["2011-Q1", "True", "4", "153.33", "16.7%", "8", "2.00", "111.25", "—", "—", "1.75",
                                   "890.00"]  # fmt: skip
    assert row(out, "2011-Q2", "False") == ["2011-Q2", "False", "2", "60.00", "50.0%", "2", "1.00", "60.00", "50.0%", "50.0%",
                                   "1.00", "120.00"]  # fmt: skip
    # members A and D: Q1 nets 220 + 500 over client-months Jan A 120, Mar A 100, Mar D 500; others B 50, C 120
    assert row(out, "member", "2011-Q1") == ["member", "2011-Q1", "2", "240.00", "0.0%", "4", "2.00", "180.00", "—",
                                             "—", "2.00", "720.00"]  # fmt: skip
    assert row(out, "non_member", "2011-Q2") == ["non_member", "2011-Q2", "1", "20.00", "100.0%", "1", "1.00", "20.00",
                                                 "50.0%", "50.0%", "1.00", "20.00"]  # fmt: skip
    # the program: Q1 pools January to March
    assert row(out, "2011-Q1", "4", "2") == ["2011-Q1", "4", "2", "50.0%", "920.00", "92.00", "46.00", "11.20", "10.0%",
                                             "50.0%", "12.2%", "5.0%"]  # fmt: skip
    assert "whole history: 8 client-months with purchases, 130.00 GBP each on average" in out
    assert "25.0% of them under 60.00 GBP" in out
    assert "quarterly retention, pooled over consecutive quarters: 50.0%" in out
    sheets = openpyxl.load_workbook(tmp_path / "k.xlsx").sheetnames
    assert {"kpis by quarter", "kpis by membership", "program figures"} <= set(sheets)
    assert sorted(p.name for p in (tmp_path / "charts").iterdir()) == [
        "kpis_net_sales_and_active_clients.png",
        "kpis_retention_by_quarter.png",
    ]
    assert (tmp_path / "charts" / "kpis_retention_by_quarter.png").read_bytes()[:4] == b"\x89PNG"


def test_rfm_writes_a_sheet_and_a_csv_per_segment(tmp_path: Path) -> None:
    file = write_history(tmp_path / "h.csv", RFM_ROWS)
    result = ok(cli("analyze", "rfm", file, *PRESET, "--xlsx", tmp_path / "r.xlsx", "--segment-csv",
                    tmp_path / "segments", "--out", tmp_path / "r.html"))  # fmt: skip
    assert "RFM segments as of 2011-03-31 (GBP)" in result.stdout
    assert "5 clients scored; 1 with a net of zero or less left out" in result.stdout
    assert "segment lists: 11 CSV file(s)" in result.stdout
    with (tmp_path / "segments" / "at_risk.csv").open(encoding="utf-8") as handle:
        at_risk = list(csv.DictReader(handle))
    assert [(r["customer"], r["monetary"], r["recency_days"], r["r"], r["fm"]) for r in at_risk] == [
        ("S", "500.00", "88", "1", "3"),
        ("R", "150.00", "58", "2", "3"),
    ]
    assert (tmp_path / "segments" / "champions.csv").read_text(encoding="utf-8").count("\n") == 1  # a header only
    workbook = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert {"rfm segments", "rfm clients", "rfm at risk", "rfm can't lose them", "rfm lost"} <= set(workbook.sheetnames)
    assert [row[0] for row in workbook["rfm at risk"].iter_rows(values_only=True)] == ["customer", "S", "R"]
    # the HTML names the client lists' sheets instead of printing them
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "rfm at risk: 2 row(s) in the workbook, sheet rfm at risk." in html and "<td>S</td>" not in html
    dated = ok(cli("analyze", "rfm", file, *PRESET, "--at", "2011-03-01"))
    assert "3 clients scored; 1 with a net of zero or less left out" in dated.stdout


def test_import_of_the_real_data_set(tmp_path: Path) -> None:
    out = ok(cli("analyze", "import", SHARED_DATA, *PRESET)).stdout
    assert "rows: 541,909" in out
    assert "customers: 4,372 (4,363 with product lines)" in out
    assert "invoices: 25,900" in out
    assert "cancellations: 3,836 cancellation invoice(s) (number starting with 'C'), 9,288 line(s)" in out
    assert "rows without a customer: 135,080 (24.9%)" in out
    assert "period: 2010-12-01 08:26 to 2011-12-09 12:50" in out
    assert "total value: 9,747,747.93 GBP (every line)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--preset", "sap"), "error (unknown_preset) [preset]: no preset 'sap'; known: online_retail, loyalka"),
        (("--preset", "online_retail", "--map", "customer"), "error (invalid_mapping) [map]: --map 'customer': write FIELD=COLUMN"),
        (("--preset", "online_retail", "--threshold", "lots"), "error (invalid_amount) [threshold]: threshold 'lots' is not an amount"),
        (("--preset", "online_retail", "--threshold", "-5"), "error (negative_amount) [threshold]"),
        (("--preset", "online_retail", "--period", "week"), "error (invalid_period) [period]: --period 'week': give month or quarter"),
    ],
)  # fmt: skip
def test_bad_options_are_refused(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    file = write_history(tmp_path / "h.csv", KPI_ROWS)
    assert message in refused(cli("analyze", "kpis", file, *args)).stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "error (empty_file) [file]"),
        (HEADER, "error (empty_file) [file]"),
        ("invoice,stock_code\n1,A\n", "error (missing_columns) [header]: "),
        (HEADER + "1,X,x,1,05/01/2011 10:00,1.00,A,UK\n", "error (invalid_date) [date]: "),
        (HEADER + "1,X,x,1,2011-01-05T10:00:00,cheap,A,UK\n", "error (invalid_number) [price or amount]: "),
    ],
)
@pytest.mark.parametrize("command", ["import", "kpis", "rfm"])
def test_bad_files_are_refused_by_every_command(tmp_path: Path, command: str, text: str, message: str) -> None:
    file = write(tmp_path / "bad.csv", text)
    assert message in refused(cli("analyze", command, file, *PRESET)).stderr


def test_bad_dates_members_and_figures_are_refused(tmp_path: Path) -> None:
    file = write_history(tmp_path / "h.csv", RFM_ROWS)
    assert "error (invalid_date) [at]: --at '2011-02-30' is not a date" in refused(
        cli("analyze", "rfm", file, *PRESET, "--at", "2011-02-30")).stderr  # fmt: skip
    assert "error (no_clients) [at]: no client has a positive net before 2010-01-01" in refused(
        cli("analyze", "rfm", file, *PRESET, "--at", "2010-01-01")).stderr  # fmt: skip
    members = write(tmp_path / "m.csv", "client\nA\n")
    assert "error (missing_columns) [members]" in refused(
        cli("analyze", "kpis", file, *PRESET, "--members", members)).stderr  # fmt: skip
    figures = write(tmp_path / "f.csv", "period,sales,earned,spent\n2011-01,1,1,1\n")
    assert "no expired_minor (or expired) column" in refused(
        cli("analyze", "kpis", file, *PRESET, "--program-figures", figures)).stderr  # fmt: skip
    figures = write(tmp_path / "g.csv", "period,sales,earned,spent,expired\nMarch,1,1,1,1\n")
    assert "error (invalid_program) [period]" in refused(
        cli("analyze", "kpis", file, *PRESET, "--program-figures", figures)).stderr  # fmt: skip
