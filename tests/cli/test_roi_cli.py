"""`loyalka roi`, `loyalka roi economics` and `loyalka liability`: the seeds' figures printed, the reports written,
bad input refused with a clear message and exit 1."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import Result
from typer.testing import CliRunner

from loyalka.cli.app import app
from loyalka.storage.database import Database
from tests.liability_support import textile_ledger

runner = CliRunner(env={"COLUMNS": "1000", "NO_COLOR": "1", "LOYALKA_DATABASE_URL": None})


def cli(*args: object) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def ok(result: Result) -> str:
    assert result.exit_code == 0, f"{result.stdout}\n{result.stderr}\n{result.exception!r}"
    return result.stdout


def refused(result: Result, words: str) -> None:
    assert result.exit_code == 1, f"{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.output and words in result.stderr, result.stderr


def test_roi_prints_the_seeds_example_beside_the_sound_model() -> None:
    out = ok(cli("roi"))
    assert "28 500.00" in out and "42.50" in out  # the seed's example
    assert "54 186.25" in out and "60 000.00" in out and "-9.69" in out  # the sound model
    assert "break-even yearly cost" in out and "18 062.08" in out
    assert "gives -1 200.00 (ROI -106.00%)" in out and "285.00 (ROI -98.58%)" in out  # the printed formula


def test_roi_with_margin_and_discount_writes_the_report_the_workbook_and_the_charts(tmp_path: Path) -> None:
    out = ok(
        cli(
            "roi",
            "--z",
            "100000",
            "--n",
            3,
            "--w",
            "10%",
            "--x",
            "5%",
            "--y",
            "10%",
            "--v",
            "20000",
            "--margin",
            "30%",
            "--discount",
            "12%",
            "--out",
            tmp_path / "roi.html",
            "--xlsx",
            tmp_path / "roi.xlsx",
            "--charts",
            tmp_path / "charts",
        )  # fmt: skip
    )
    assert "16 255.88" in out and "-40 283.42" in out and "-74.87" in out
    assert "Loyalty program ROI" in (tmp_path / "roi.html").read_text(encoding="utf-8")
    book = openpyxl.load_workbook(tmp_path / "roi.xlsx")
    assert {"tornado", "two-way X by Y", "two-way X by Y seed", "sound model by year"} <= set(book.sheetnames)
    grid = list(book["two-way X by Y seed"].iter_rows(values_only=True))
    assert grid[0][0] == "X \\ Y" and grid[3][3] == pytest.approx(42.5)
    assert (tmp_path / "charts" / "roi_tornado.png").stat().st_size > 1000


def test_roi_sensitivity_options(tmp_path: Path) -> None:
    ok(cli("roi", "--vary", "v=10000:40000", "--grid", "v,n", "--steps", 3, "--metric", "npv",
           "--xlsx", tmp_path / "r.xlsx"))  # fmt: skip
    rows = list(openpyxl.load_workbook(tmp_path / "r.xlsx")["two-way V by N"].iter_rows(values_only=True))
    assert rows[0] == ("V \\ N", "N=2", "N=3", "N=5") and [r[0] for r in rows[1:]] == ["10 000", "25 000", "40 000"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--w", "120%"), "--w (churn) must be at most 100%"),
        (("--n", "0"), "whole number of years from 1 to 50"),
        (("--x", "-5%"), "--x (churn cut) must not be negative"),
        (("--y", "10"), 'write --y (uplift) as a percentage such as "10%"'),
        (("--v", "-5"), "v must not be negative"),
        (("--x", "15%"), "churn is only 10%"),
        (("--grid", "x"), "write two inputs"),
        (("--vary", "q=1:2"), "no input 'q'"),
        (("--vary", "x=2%"), "NAME=LOW:HIGH"),
        (("--metric", "irr"), "roi or npv"),
        (("--out", "/no/such/folder/r.html"), "cannot write"),
    ],
)
def test_roi_refuses_bad_input(args: tuple[str, ...], words: str) -> None:
    refused(cli("roi", *args), words)


def test_economics_prints_the_hand_computed_costs(tmp_path: Path) -> None:
    out = ok(cli("roi", "economics", "--markup", "30%", "--rate", "10%", "--redemption", "70%",
                 "--xlsx", tmp_path / "e.xlsx", "--charts", tmp_path))  # fmt: skip
    assert "10.00%" in out and "43.33%" in out  # the discount: of the sale, of the margin
    assert "7.00%" in out and "30.33%" in out  # the bonus at face value
    assert "a bonus of 14.29% costs (at face value) what a 10.00% discount costs" in out
    assert "d(1+k)/(k+d) = 32.50%" in out and "d(1+k)/k = 43.33%" in out
    assert "discount vs bonus" in openpyxl.load_workbook(tmp_path / "e.xlsx").sheetnames
    assert (tmp_path / "roi_economics.png").exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--redemption", "120%"), "--redemption must be at most 100%"),
        (("--markup", "0%"), "markup must be above 0%"),
        (("--rate", "-1%"), "--rate must not be negative"),
        (("--redemption", "70%", "--breakage", "30%"), "not both"),
    ],
)
def test_economics_refuses_bad_rates(args: tuple[str, ...], words: str) -> None:
    refused(cli("roi", "economics", *args), words)


def test_liability_prints_the_deferred_revenue_of_the_textile_ledger(db: Database, tmp_path: Path) -> None:
    textile_ledger(db, through_december=True)
    out = ok(cli("liability", "--db", db.url, "--at", "2026-12-31", "--xlsx", tmp_path / "l.xlsx",
                 "--out", tmp_path / "l.html", "--charts", tmp_path))  # fmt: skip
    assert "total: value 850.00, expected breakage 520.36, deferred revenue 329.64" in out
    assert "2026-11" in out and "1 410.00" in out and "1 300.00" in out and "-11.46" in out
    book = openpyxl.load_workbook(tmp_path / "l.xlsx")
    assert {"liability by kind", "liability by expiry month", "liability movement"} <= set(book.sheetnames)
    assert (tmp_path / "liability_movement.png").exists()
    ignored = ok(cli("liability", "--db", db.url, "--program", "liontex-privilege", "--at", "2026-12-31",
                     "--forfeits", "ignore"))  # fmt: skip
    assert "deferred revenue 383.87" in ignored


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--program", "nope"), "no program with code 'nope'"),
        (("--at", "2026-13-01"), "is not a date"),
        (("--at", "tomorrow"), "is not a date"),
        (("--forfeits", "maybe"), "breakage or ignore"),
        (("--breakage", "-3%"), "must not be negative"),
    ],
)
def test_liability_refuses_bad_input(db: Database, args: tuple[str, ...], words: str) -> None:
    textile_ledger(db)
    refused(cli("liability", "--db", db.url, *args), words)


def test_roi_takes_z_and_w_from_the_real_history() -> None:
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.exists():
        pytest.fail(f"the real data set is not at {SHARED_DATA}")
    out = ok(cli("roi", "--history", SHARED_DATA, "--preset", "online_retail", "--v", "1000", "--margin", "30%",
                 "--discount", "10%"))  # fmt: skip
    assert "the top 20.00% of the 2742 clients" in out and "(549 clients) bought 7 929.57 GBP a year each (Z)" in out
    assert "W = 16.72% a year" in out and "ROI per large client (GBP)" in out
    assert "2 100.07" in out and "-1 751.95" in out and "359.56" in out  # seed's gain, sound NPV, break-even V


def test_roi_refuses_a_history_it_cannot_read(tmp_path: Path) -> None:
    refused(cli("roi", "--history", tmp_path / "none.csv", "--preset", "online_retail"), "none.csv")
    refused(cli("roi", "--history", tmp_path / "none.csv"), "give --preset or map the columns")
