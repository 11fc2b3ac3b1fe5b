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
    textile_ledger(db)
    out = ok(cli("liability", "--db", db.url, "--at", "2026-11-30", "--xlsx", tmp_path / "l.xlsx",
                 "--out", tmp_path / "l.html", "--charts", tmp_path))  # fmt: skip
    assert "total: value 900.00, expected breakage 601.11, deferred revenue 298.89" in out
    assert "2026-11" in out and "1 410.00" in out and "1 300.00" in out
    book = openpyxl.load_workbook(tmp_path / "l.xlsx")
    assert {"liability by kind", "liability by expiry month", "liability movement"} <= set(book.sheetnames)
    assert (tmp_path / "liability_movement.png").exists()
    ignored = ok(cli("liability", "--db", db.url, "--program", "liontex-privilege", "--at", "2026-11-30",
                     "--forfeits", "ignore"))  # fmt: skip
    assert "deferred revenue 368.18" in ignored


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
