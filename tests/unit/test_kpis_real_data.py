"""The import summary, the KPIs and the RFM segments of the real data set, checked against figures computed by
an independent route: the gzip CSV read row by row with the csv module and Decimal, in plain Python."""

from __future__ import annotations

import csv
import gzip
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import polars as pl
import pytest

from loyalka.analytics.history_summary import summarize_history
from loyalka.analytics.kpis_history import period_kpis, whole_history
from loyalka.analytics.rfm import SEGMENT_GRID, rfm
from tests.conftest import SHARED_DATA

# the README's non-product codes, typed again here rather than taken from the preset
FEES = {"POST", "DOT", "M", "m", "C2", "D", "S", "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS", "B"} | {
    f"gift_0001_{n}" for n in (10, 20, 30, 40, 50)
}


@dataclass
class Raw:
    rows: int = 0
    invoices: set[str] = field(default_factory=set)
    customers: set[str] = field(default_factory=set)
    cancellations: set[str] = field(default_factory=set)
    cancellation_lines: int = 0
    without_customer: int = 0
    total_minor: int = 0
    first: str = "9999"
    last: str = ""
    # clients' product lines: (customer, invoice, at, sku, amount_minor, is_sale)
    lines: list[tuple[str, str, datetime, str, int, bool]] = field(default_factory=list)


@pytest.fixture(scope="module")
def raw() -> Raw:
    if not SHARED_DATA.exists():
        pytest.fail(f"the real data set is not at {SHARED_DATA}")
    out = Raw()
    with gzip.open(SHARED_DATA, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            out.rows += 1
            invoice, customer, when = row["invoice"], row["customer_id"], row["invoice_date"]
            value = Decimal(row["quantity"]) * Decimal(row["unit_price"])
            minor = int(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)  # half away from zero
            out.invoices.add(invoice)
            out.total_minor += minor
            out.first, out.last = min(out.first, when), max(out.last, when)
            if invoice.startswith("C"):
                out.cancellations.add(invoice)
                out.cancellation_lines += 1
            if not customer:
                out.without_customer += 1
                continue
            out.customers.add(customer)
            if row["stock_code"] in FEES or invoice.startswith("A"):
                continue
            is_sale = not invoice.startswith("C") and int(row["quantity"]) >= 0
            out.lines.append((customer, invoice, datetime.fromisoformat(when), row["stock_code"], minor, is_sale))
    return out


def test_the_import_summary_agrees_with_a_row_by_row_count(online_retail, raw: Raw) -> None:  # type: ignore[no-untyped-def]
    summary = summarize_history(online_retail, cancellation_prefix="C")
    assert (summary.rows, summary.customers, summary.invoices) == (raw.rows, len(raw.customers), len(raw.invoices))
    assert (summary.rows, summary.customers, summary.invoices) == (541_909, 4_372, 25_900)
    assert (summary.cancellation_invoices, summary.cancellation_lines) == (
        len(raw.cancellations),
        raw.cancellation_lines,
    )
    assert (summary.cancellation_invoices, summary.cancellation_lines) == (3_836, 9_288)
    assert summary.rows_without_customer == raw.without_customer == 135_080
    assert summary.total_minor == raw.total_minor == 974_774_793
    assert summary.client_net_minor == sum(line[4] for line in raw.lines) == 828_666_332
    assert summary.return_lines == sum(1 for line in raw.lines if not line[5]) + 165  # 165 returns have no customer
    assert (f"{summary.first_at:%Y-%m-%dT%H:%M:%S}", f"{summary.last_at:%Y-%m-%dT%H:%M:%S}") == (raw.first, raw.last)
    assert sum(summary.lines_by_kind.values()) == raw.rows


def month_nets(raw: Raw, key) -> dict[str, dict[str, int]]:  # type: ignore[no-untyped-def]
    nets: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for customer, _, at, _, minor, _ in raw.lines:
        nets[key(at)][customer] += minor
    return nets


def test_monthly_kpis_agree_with_the_row_by_row_route(online_retail, raw: Raw) -> None:  # type: ignore[no-untyped-def]
    table = period_kpis(online_retail.lines, period="month", threshold_minor=60_000).table
    nets = month_nets(raw, lambda at: f"{at:%Y-%m}")
    invoices: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for customer, invoice, at, _, _, is_sale in raw.lines:
        if is_sale and nets[f"{at:%Y-%m}"][customer] > 0:
            invoices[f"{at:%Y-%m}"].add((customer, invoice))
    months = sorted(nets)
    active = {m: {c for c, v in nets[m].items() if v > 0} for m in months}
    assert table["period"].to_list() == months and len(months) == 13
    assert table["active_clients"].to_list() == [len(active[m]) for m in months]
    assert table["net_sales_minor"].to_list() == [sum(nets[m].values()) for m in months]
    assert table["invoices"].to_list() == [len(invoices[m]) for m in months]
    under = [sum(1 for c in active[m] if nets[m][c] < 60_000) / len(active[m]) for m in months]
    assert table["under_threshold_share"].to_list() == pytest.approx(under)
    retention = [len(active[a] & active[b]) / len(active[a]) for a, b in zip(months, months[1:], strict=False)]
    assert table["retention"].to_list()[1:] == pytest.approx(retention)
    # figures seen in the docs: November 2011, the busiest month
    nov = table.filter(pl.col("period") == "2011-11").row(0, named=True)
    assert (nov["active_clients"], nov["net_sales_minor"], nov["invoices"]) == (1_653, 111_869_479, 2_634)
    assert table["net_sales_minor"].sum() == 828_666_332  # every client's net, month by month


def test_quarterly_retention_agrees_with_the_row_by_row_route(online_retail, raw: Raw) -> None:  # type: ignore[no-untyped-def]
    table = period_kpis(online_retail.lines, period="quarter").table
    nets = month_nets(raw, lambda at: f"{at.year}-Q{(at.month - 1) // 3 + 1}")
    quarters = sorted(nets)
    active = {q: {c for c, v in nets[q].items() if v > 0} for q in quarters}
    assert table["period"].to_list() == quarters == ["2010-Q4", "2011-Q1", "2011-Q2", "2011-Q3", "2011-Q4"]
    assert table["active_clients"].to_list() == [len(active[q]) for q in quarters] == [880, 1_766, 1_982, 2_147, 2_544]
    expected = [len(active[a] & active[b]) / len(active[a]) for a, b in zip(quarters, quarters[1:], strict=False)]
    assert table["retention"].to_list()[1:] == pytest.approx(expected)
    assert table["complete"].to_list() == [False, True, True, True, False]


def scores(values: dict[str, int], lower_is_better: bool = False) -> dict[str, int]:
    ordered = sorted(-v if lower_is_better else v for v in values.values())
    n = len(ordered)
    return {c: 1 + 5 * bisect_left(ordered, -v if lower_is_better else v) // n for c, v in values.items()}


def test_rfm_agrees_with_the_row_by_row_route_and_reconciles(online_retail, raw: Raw) -> None:  # type: ignore[no-untyped-def]
    result = rfm(online_retail.lines)
    at = date(2011, 12, 10)
    assert result.at == at
    net: dict[str, int] = defaultdict(int)
    last: dict[str, date] = {}
    bought: dict[str, set[str]] = defaultdict(set)
    for customer, invoice, when, _, minor, is_sale in raw.lines:
        net[customer] += minor
        if is_sale:
            bought[customer].add(invoice)
            last[customer] = max(last.get(customer, date.min), when.date())
    kept = {c: v for c, v in net.items() if v > 0}
    assert (result.clients.height, result.left_out_clients) == (len(kept), len(net) - len(kept)) == (4_320, 43)
    assert result.left_out_net_minor == sum(v for v in net.values() if v <= 0) == -416_039
    r = scores({c: (at - last[c]).days for c in kept}, lower_is_better=True)
    f = scores({c: len(bought[c]) for c in kept})
    m = scores(kept)
    segment = {c: SEGMENT_GRID[r[c]][(f[c] + m[c]) // 2 - 1] for c in kept}
    mine = {row[0]: row[1:] for row in result.clients.select("customer", "r", "f", "m", "segment").rows()}
    assert mine == {c: (r[c], f[c], m[c], segment[c]) for c in kept}
    # the segments' revenue adds up to the scored clients' net revenue, and their sizes to the clients
    assert result.segments["revenue_minor"].sum() == sum(kept.values()) == 829_082_371
    assert result.segments["clients"].sum() == 4_320
    assert result.segments["revenue_share"].sum() == pytest.approx(1)
    champions = result.segments.filter(pl.col("segment") == "champions").row(0, named=True)
    assert (champions["clients"], champions["revenue_minor"]) == (
        sum(1 for s in segment.values() if s == "champions"),
        sum(v for c, v in kept.items() if segment[c] == "champions"),
    )
    assert (champions["clients"], champions["revenue_minor"]) == (554, 416_105_041)


def test_the_reference_date_moves_recency(online_retail) -> None:  # type: ignore[no-untyped-def]
    later = rfm(online_retail.lines, at=date(2011, 12, 10) + timedelta(days=30))
    now = rfm(online_retail.lines)
    days = now.clients.join(later.clients, on="customer", suffix="_later")
    assert (days["recency_days_later"] - days["recency_days"]).unique().to_list() == [30]


def test_the_whole_history_figures_agree_with_the_row_by_row_route(online_retail, raw: Raw) -> None:  # type: ignore[no-untyped-def]
    whole = whole_history(online_retail.lines, threshold_minor=60_000)
    nets = month_nets(raw, lambda at: f"{at:%Y-%m}")
    bought = [v for month in nets.values() for v in month.values() if v > 0]
    assert whole.client_months == len(bought) == 12_957
    assert whole.avg_monthly_purchases_minor == round(Decimal(sum(bought)) / len(bought)) == 64_228  # 642.28 GBP
    assert whole.under_threshold_share == pytest.approx(sum(1 for v in bought if v < 60_000) / len(bought))
    quarters = month_nets(raw, lambda at: f"{at.year}-Q{(at.month - 1) // 3 + 1}")
    active = [{c for c, v in quarters[q].items() if v > 0} for q in sorted(quarters)]
    kept = sum(len(a & b) for a, b in zip(active, active[1:], strict=False))
    assert whole.quarterly_retention == pytest.approx(kept / sum(len(a) for a in active[:-1]))
