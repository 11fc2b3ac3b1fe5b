"""The driver analysis on the real UCI "Online Retail" data: it runs, its importances sum to 1, its lists agree
with a computation straight from the raw file, and two runs give the same tree."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from loyalka.analytics.drivers import DriversResult, analyze_drivers
from loyalka.analytics.drivers_report import drivers_report, write_chart
from loyalka.analytics.history import ONLINE_RETAIL, History
from tests.conftest import SHARED_DATA

AS_OF = date(2011, 12, 9)


@pytest.fixture(scope="module")
def result(online_retail: History) -> DriversResult:
    return analyze_drivers(online_retail)


@pytest.fixture(scope="module")
def raw_sales() -> pl.DataFrame:
    """Sale lines of clients read straight from the file, not through read_history: a customer, an invoice that
    is neither a cancellation (C) nor an adjustment (A), a positive quantity, a product code (not postage, fees...)."""
    raw = pl.read_csv(SHARED_DATA, infer_schema_length=0)
    return raw.filter(
        pl.col("customer_id").is_not_null()
        & ~pl.col("invoice").str.starts_with("C")
        & ~pl.col("invoice").str.starts_with("A")
        & (pl.col("quantity").cast(pl.Int64) > 0)
        & ~pl.col("stock_code").is_in(list(ONLINE_RETAIL.non_product))
    ).with_columns(pl.col("invoice_date").str.to_datetime("%Y-%m-%dT%H:%M:%S").alias("at"))


def test_the_analysis_runs_over_every_client_who_bought(result: DriversResult, raw_sales: pl.DataFrame) -> None:
    assert result.window.label() == "2010-12-01 to 2011-12-09"
    assert result.features.height == raw_sales["customer_id"].n_unique() == 4_335
    assert math.isclose(result.fit.factors["importance_share"].sum(), 1.0)
    assert math.isclose(result.fit.importances["importance_share"].sum(), 1.0)
    assert set(result.fit.factors["factor"]) == {
        "region", "order frequency", "assortment breadth", "average check", "tenure", "returns share", "recency"}  # fmt: skip
    # the finding the docs report: breadth first, the check second; the tree explains most of the held-out part
    assert result.fit.factors["factor"].head(2).to_list() == ["assortment breadth", "average check"]
    assert result.fit.r2_held_out is not None and result.fit.r2_held_out > 0.55
    assert result.basis == "revenue"  # the UCI data has no cost prices
    assert result.fit.leaves["clients"].sum() == 4_335


def test_last_orders_and_the_sleeping_and_lost_lists_agree_with_the_raw_file(
    result: DriversResult, raw_sales: pl.DataFrame
) -> None:
    last = raw_sales.group_by("customer_id").agg(
        pl.col("at").max().dt.date().alias("last_order"), pl.col("invoice").n_unique().alias("orders")
    )
    idle = last.with_columns((pl.lit(AS_OF) - pl.col("last_order")).dt.total_days().alias("idle"))
    sleeping = idle.filter(pl.col("idle").is_between(90, 179) & (pl.col("orders") >= 2))
    lost = idle.filter(pl.col("idle") >= 180)
    assert result.sleeping.height == sleeping.height == 355
    assert result.lost.height == lost.height == 863
    for listed, expected in ((result.sleeping, sleeping), (result.lost, lost)):
        assert dict(listed.select("customer", "last_order").iter_rows()) == dict(
            expected.select("customer_id", "last_order").iter_rows()
        )
    mine = dict(result.features.select("customer", "last_order").iter_rows())
    assert mine == dict(last.select("customer_id", "last_order").iter_rows())


def test_the_revenue_lists_agree_with_the_raw_file(result: DriversResult) -> None:
    raw = pl.read_csv(SHARED_DATA, infer_schema_length=0).filter(
        pl.col("customer_id").is_not_null() & ~pl.col("stock_code").is_in(list(ONLINE_RETAIL.non_product))
    )
    net = raw.group_by("customer_id").agg(
        (pl.col("quantity").cast(pl.Float64) * pl.col("unit_price").cast(pl.Float64)).sum().alias("net")
    )
    top = net.sort("net", descending=True).head(20)
    assert result.top_profit["customer"].to_list() == top["customer_id"].to_list()
    for mine, theirs in zip(result.top_profit["net_revenue_minor"], top["net"], strict=True):
        assert abs(mine / 100 - theirs) < 0.005  # prices in pence: every line is a whole number of pence
    assert result.top_profit.row(0, named=True) | {"last_order": None} == {
        "customer": "14646", "region": "Netherlands", "orders": 73, "net_revenue_minor": 27_877_802, "last_order": None,
    }  # fmt: skip


def test_two_runs_and_a_shuffled_history_give_the_same_tree(online_retail: History, result: DriversResult) -> None:
    again = analyze_drivers(online_retail)
    shuffled = History(
        lines=online_retail.lines.sample(fraction=1.0, shuffle=True, seed=7),
        currency=online_retail.currency,
        timezone=online_retail.timezone,
        source="shuffled",
    )
    for other in (again, analyze_drivers(shuffled)):
        assert other.fit.leaves.equals(result.fit.leaves)
        assert other.fit.importances.equals(result.fit.importances)
        assert other.fit.r2_held_out == result.fit.r2_held_out
        assert other.high_potential.equals(result.high_potential)


def test_growth_runs_on_the_clients_of_the_first_half(online_retail: History) -> None:
    growth = analyze_drivers(online_retail, target="growth")
    assert growth.window.middle.date() == date(2011, 6, 6)  # 374 days: halves of 187
    assert growth.features.height == growth.targets.height == 2_752
    assert math.isclose(growth.fit.factors["importance_share"].sum(), 1.0)
    assert growth.volume_fit is not growth.fit and growth.fit.r2_held_out is not None
    page = drivers_report(growth, "online_retail").sections[0].paragraphs
    assert any(p.startswith("Caution: the tree explains little") for p in page)  # R² 0.029


def test_the_report_has_the_chart_the_rules_and_a_sheet_per_list(result: DriversResult, tmp_path: Path) -> None:
    report = drivers_report(result, "online_retail.csv.gz")
    page = report.write_html(tmp_path / "drivers.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page and "products bought ≥ 45" in page
    book = openpyxl.load_workbook(report.write_xlsx(tmp_path / "drivers.xlsx"), read_only=True)
    sheets = book.sheetnames
    book.close()
    assert sheets == ["Summary", "factors", "features", "chart importances", "rules", "depths", "top revenue",
                      "bottom revenue", "high potential", "sleeping", "lost", "client features"]  # fmt: skip
    png = write_chart(result, tmp_path / "importances.png")
    assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size < 150_000
