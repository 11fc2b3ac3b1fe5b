"""RFM scores and segments on six clients worked out by hand (tests/kpis_support.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from loyalka.analytics.history import ONLINE_RETAIL, History, read_history
from loyalka.analytics.rfm import SEGMENT_GRID, SEGMENTS, rfm, segment_slug
from tests.kpis_support import RFM_ROWS, write_history


@pytest.fixture
def history(tmp_path: Path) -> History:
    return read_history(write_history(tmp_path / "h.csv", RFM_ROWS), ONLINE_RETAIL)


def by_customer(frame: pl.DataFrame, *columns: str) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in frame.sort("customer").select("customer", *columns).rows()}


def test_recency_frequency_and_monetary_as_of_the_day_after_the_last_line(history: History) -> None:
    result = rfm(history.lines)
    assert result.at == date(2011, 3, 31)  # the last line is on March 30
    # R's return on Feb 3 lowers its net but is no purchase: its last purchase stays Feb 1
    assert by_customer(result.clients, "last_purchase", "recency_days", "frequency", "monetary_minor") == {
        "P": (date(2011, 3, 28), 3, 3, 30_000),
        "Q": (date(2011, 3, 30), 1, 1, 5_000),
        "R": (date(2011, 2, 1), 58, 2, 15_000),
        "S": (date(2011, 1, 2), 88, 1, 50_000),
        "T": (date(2011, 3, 1), 30, 1, 5_000),
    }
    # U bought and cancelled: a net of zero, left out
    assert (result.left_out_clients, result.left_out_net_minor) == (1, 0)


def test_scores_are_one_plus_five_times_the_share_of_strictly_worse_clients(history: History) -> None:
    clients = rfm(history.lines).clients
    # recency: S 88 days (none worse) 1, R 58 (1 worse: 1 + 5*1//5) 2, T 30 -> 3, P 3 -> 4, Q 1 -> 5
    # frequency: S, Q, T one invoice (none strictly fewer) 1; R 2 invoices (3 fewer: 1 + 15//5) 4; P 3 -> 5
    # monetary: Q and T 50 tie at 1; R 150 (2 below) 3; P 300 -> 4; S 500 -> 5
    assert by_customer(clients, "r", "f", "m", "fm", "segment") == {
        "P": (4, 5, 4, 4, "loyal customers"),
        "Q": (5, 1, 1, 1, "new customers"),
        "R": (2, 4, 3, 3, "at risk"),
        "S": (1, 1, 5, 3, "at risk"),
        "T": (3, 1, 1, 1, "about to sleep"),
    }


def test_segment_sizes_and_revenue_shares_add_up(history: History) -> None:
    segments = rfm(history.lines).segments
    assert segments["segment"].to_list() == list(SEGMENTS)
    sizes = {row[0]: row[1:] for row in segments.filter(pl.col("clients") > 0)
             .select("segment", "clients", "revenue_minor").rows()}  # fmt: skip
    assert sizes == {
        "loyal customers": (1, 30_000),
        "new customers": (1, 5_000),
        "about to sleep": (1, 5_000),
        "at risk": (2, 65_000),
    }
    assert segments["clients"].sum() == 5 and segments["revenue_minor"].sum() == 105_000
    at_risk = segments.filter(pl.col("segment") == "at risk").row(0, named=True)
    assert at_risk["revenue_share"] == pytest.approx(65 / 105) and at_risk["clients_share"] == pytest.approx(0.4)
    assert at_risk["mean_recency_days"] == pytest.approx(73) and at_risk["mean_monetary_minor"] == 32_500
    assert segments["revenue_share"].sum() == pytest.approx(1)


def test_a_reference_date_leaves_later_lines_out(history: History) -> None:
    result = rfm(history.lines, at=date(2011, 3, 1))
    # before March 1: P two invoices (200), R (150), S (500); T's March 1 purchase is not before the day
    assert by_customer(result.clients, "recency_days", "frequency", "monetary_minor", "r", "f", "m") == {
        "P": (19, 2, 20_000, 4, 2, 2),
        "R": (28, 2, 15_000, 2, 2, 1),
        "S": (58, 1, 50_000, 1, 1, 4),
    }


def test_the_grid_names_every_score_pair_and_uses_all_eleven_segments() -> None:
    assert sorted(SEGMENT_GRID) == [1, 2, 3, 4, 5]
    assert all(len(row) == 5 for row in SEGMENT_GRID.values())
    assert {name for row in SEGMENT_GRID.values() for name in row} == set(SEGMENTS)
    assert segment_slug("can't lose them") == "cant_lose_them"
