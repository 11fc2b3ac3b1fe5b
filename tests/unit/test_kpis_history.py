"""Client KPIs by month and quarter on a four-client history worked out by hand (tests/kpis_support.py)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from loyalka.analytics.history import ONLINE_RETAIL, History, read_history
from loyalka.analytics.kpis_history import period_kpis, whole_history
from loyalka.analytics.kpis_inputs import read_membership, read_program_figures
from loyalka.errors import InvalidInput
from tests.kpis_support import KPI_ROWS, write_history


@pytest.fixture
def history(tmp_path: Path) -> History:
    return read_history(write_history(tmp_path / "h.csv", KPI_ROWS), ONLINE_RETAIL)


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple]:
    return frame.select(columns).rows()


def test_monthly_kpis_of_the_hand_made_history(history: History) -> None:
    table = period_kpis(history.lines, period="month", threshold_minor=6_000).table
    assert table["period"].to_list() == ["2011-01", "2011-02", "2011-03", "2011-04"]
    # Jan: A 120 and B 80 (C's postage is a fee, E bought and cancelled, inv 4 has no customer).
    # Feb: A nets 0 (a sale cancelled), B -30 (a return), C 100: only C is active. Mar: A 100, C 20, D 500.
    # Apr: D 100, B 20; April is covered up to the 20th only.
    assert rows(table, "complete", "active_clients", "invoices", "net_sales_minor") == [
        (True, 2, 3, 20_000),
        (True, 1, 1, 7_000),  # 0 + 100 - 30
        (True, 3, 3, 62_000),
        (False, 2, 2, 12_000),
    ]
    # mean purchases of active clients: 200/2, 100/1, 620/3 = 206.666.. -> 206.67, 120/2
    assert table["avg_monthly_purchases_minor"].to_list() == [10_000, 10_000, 20_667, 6_000]
    # under 60.00: none; none; C's 20 of three; B's 20 of two
    assert table["under_threshold_share"].to_list() == pytest.approx([0, 0, 1 / 3, 1 / 2])
    # invoices per active client; net per invoice: 200/3 = 66.666.. -> 66.67
    assert table["orders_per_client"].to_list() == pytest.approx([1.5, 1, 1, 1])
    assert table["avg_check_minor"].to_list() == [6_667, 10_000, 20_667, 6_000]
    # of Jan's {A, B} none bought in Feb; of Feb's {C}, C bought in Mar; of Mar's {A, C, D}, D bought in Apr
    assert table["retention"].to_list()[0] is None
    assert table["retention"].to_list()[1:] == pytest.approx([0, 1, 1 / 3])
    assert table["churn"].to_list()[1:] == pytest.approx([1, 0, 2 / 3])
    # distinct products per active client: A {X, Y} and B {X, Z}; C {Y}; A {X, Y, Z}, C {Y}, D {X}; D {X}, B {Z}
    assert table["breadth"].to_list() == pytest.approx([2, 1, 5 / 3, 1])


def test_quarterly_kpis_pool_the_months(history: History) -> None:
    table = period_kpis(history.lines, period="quarter", threshold_minor=6_000).table
    assert table["period"].to_list() == ["2011-Q1", "2011-Q2"]
    assert table["complete"].to_list() == [True, False]
    # Q1 nets: A 220, B 50, C 120, D 500 (all active, 890); sale invoices A {1, 6, 10}, B {2, 3}, C {8, 11}, D {12}
    assert rows(table, "active_clients", "invoices", "avg_check_minor", "net_sales_minor") == [
        (4, 8, 11_125, 89_000),  # 890 / 8 = 111.25
        (2, 2, 6_000, 12_000),
    ]
    assert table["orders_per_client"].to_list() == pytest.approx([2, 1])
    # products per active client: A 3, B 2, C 1, D 1 -> 7/4
    assert table["breadth"].to_list() == pytest.approx([1.75, 1])
    # the monthly figures of a quarter are over its client-months with purchases: Jan A 120, B 80; Feb C 100;
    # Mar A 100, C 20, D 500 -> 920 / 6 = 153.33, one of six under 60
    assert table["avg_monthly_purchases_minor"].to_list() == [15_333, 6_000]
    assert table["under_threshold_share"].to_list() == pytest.approx([1 / 6, 1 / 2])
    # of Q1's four clients, B and D bought in Q2
    assert table["retention"].to_list() == [None, 0.5]


def test_the_quarterly_net_sales_add_up_to_the_clients_net(history: History) -> None:
    net = history.client_lines["amount_minor"].sum()
    for period in ("month", "quarter"):
        assert period_kpis(history.lines, period=period).table["net_sales_minor"].sum() == net == 101_000


def test_no_threshold_no_share_column(history: History) -> None:
    assert "under_threshold_share" not in period_kpis(history.lines).table.columns


def test_members_and_non_members_from_a_set_of_ids(history: History) -> None:
    kpis = period_kpis(history.lines, period="month", membership={"A", "D"})
    assert kpis.by_membership is not None and kpis.program is not None
    members = kpis.by_membership.filter(pl.col("group") == "member")
    others = kpis.by_membership.filter(pl.col("group") == "non_member")
    # members: Jan A; Feb none (A nets 0); Mar A, D; Apr D
    assert rows(members, "active_clients", "net_sales_minor") == [(1, 12_000), (0, 0), (2, 60_000), (1, 10_000)]
    # of the members active the month before: Jan -; Feb 0 of {A}; Mar none were active in Feb; Apr D of {A, D}
    assert members["retention"].to_list() == [None, 0.0, None, 0.5]
    assert rows(others, "active_clients", "net_sales_minor") == [(1, 8_000), (1, 7_000), (1, 2_000), (1, 2_000)]
    assert others["retention"].to_list() == [None, 0.0, 1.0, 0.0]
    # participation: active members / active clients
    assert kpis.program["participation_rate"].to_list() == pytest.approx([1 / 2, 0, 2 / 3, 1 / 2])


def test_a_monthly_membership_frame_pools_into_quarters(history: History) -> None:
    membership = pl.DataFrame(
        {"customer": ["A", "A", "D"], "period": ["2011-01", "2011-02", "2011-04"], "member": [True, False, True]}
    )
    kpis = period_kpis(history.lines, period="quarter", membership=membership)
    assert kpis.program is not None
    # Q1: A (a member in January) of four active clients; Q2: D of two
    assert rows(kpis.program, "period", "members", "active_clients") == [("2011-Q1", 1, 4), ("2011-Q2", 1, 2)]
    assert kpis.program["participation_rate"].to_list() == pytest.approx([0.25, 0.5])


def test_the_program_figures_give_earn_burn_expiry_and_cost_rates(history: History) -> None:
    program = pl.DataFrame(
        {
            "period": ["2011-01", "2011-02", "2011-03"],
            "sales_minor": [20_000, 10_000, 62_000],
            "earned_minor": [2_000, 1_000, 6_200],
            "spent_minor": [0, 1_500, 3_100],
            "expired_minor": [0, 500, 620],
        }
    )
    monthly = period_kpis(history.lines, period="month", program=program).program
    assert monthly is not None
    feb = monthly.row(1, named=True)
    assert (feb["earn_rate"], feb["burn_rate"], feb["expiry_rate"], feb["program_cost_share"]) == (0.1, 1.5, 0.5, 0.15)
    assert feb["participation_rate"] is None  # no membership given
    assert monthly.row(3, named=True)["earn_rate"] is None  # April has no figures
    quarterly = period_kpis(history.lines, period="quarter", program=program).program
    assert quarterly is not None
    q1 = quarterly.row(0, named=True)
    assert (q1["sales_minor"], q1["earned_minor"], q1["spent_minor"], q1["expired_minor"]) == (
        92_000,
        9_200,
        4_600,
        1_120,
    )
    assert (q1["earn_rate"], q1["burn_rate"], q1["expiry_rate"]) == pytest.approx((0.1, 0.5, 0.121739), rel=1e-5)
    assert q1["program_cost_share"] == pytest.approx(0.05)


def test_bad_membership_and_program_frames_are_refused(history: History) -> None:
    with pytest.raises(InvalidInput) as quarters:
        period_kpis(history.lines, period="month",
                    membership=pl.DataFrame({"customer": ["A"], "period": ["2011-Q1"], "member": [True]}))  # fmt: skip
    assert quarters.value.code == "invalid_membership" and "2011-Q1" in quarters.value.message
    with pytest.raises(InvalidInput) as text:
        period_kpis(history.lines, membership=pl.DataFrame({"customer": ["A"], "period": ["March"]}))
    assert text.value.code == "invalid_membership"
    with pytest.raises(InvalidInput) as missing:
        period_kpis(history.lines, program=pl.DataFrame({"period": ["2011-01"], "sales_minor": [1]}))
    assert missing.value.code == "invalid_program" and "earned_minor" in missing.value.message


def test_membership_and_program_figures_read_from_csv(tmp_path: Path, history: History) -> None:
    members = tmp_path / "members.csv"
    members.write_text("customer,period,member\nA,2011-01,yes\nA,2011-02,no\nD,2011-04,true\n", encoding="utf-8")
    figures = tmp_path / "figures.csv"
    figures.write_text("period,sales_minor,earned_minor,spent_minor,expired_minor\n2011-02,10000,1000,1500,500\n",
                       encoding="utf-8")  # fmt: skip
    kpis = period_kpis(history.lines, period="quarter", membership=read_membership(members),
                       program=read_program_figures(figures))  # fmt: skip
    assert kpis.program is not None
    assert rows(kpis.program, "members", "sales_minor", "burn_rate") == [(1, 10_000, 1.5), (1, None, None)]
    ids = tmp_path / "ids.csv"
    ids.write_text("customer,member\nA,1\nB,0\nD,1\n", encoding="utf-8")
    assert read_membership(ids) == {"A", "D"}


def test_bad_membership_and_program_files_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("customer,member\nA,perhaps\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as member:
        read_membership(bad)
    assert member.value.code == "invalid_membership" and "perhaps" in member.value.message
    bad.write_text("period,sales,earned,spent,expired\n2011-01,1.005,1,1,1\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as money:
        read_program_figures(bad)
    assert money.value.code == "invalid_number" and "1.005" in money.value.message
    bad.write_text("", encoding="utf-8")
    with pytest.raises(InvalidInput) as empty:
        read_program_figures(bad)
    assert empty.value.code == "empty_file"


def test_the_whole_history_figures_of_seed_000(history: History) -> None:
    whole = whole_history(history.lines, threshold_minor=6_000)
    # client-months with purchases: Jan A 120, B 80; Feb C 100; Mar A 100, C 20, D 500; Apr D 100, B 20
    assert (whole.client_months, whole.avg_monthly_purchases_minor) == (8, 13_000)
    assert whole.under_threshold_share == 0.25  # C's 20 in March, B's 20 in April
    assert whole.quarterly_retention == 0.5  # B and D of Q1's four
