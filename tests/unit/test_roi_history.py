"""Z and W of seed 002 estimated from a sales history: a small hand-made one, and the real UCI data."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal as D
from decimal import localcontext

import polars as pl
import pytest

from loyalka.analytics.history import History
from loyalka.analytics.roi_history import estimate
from loyalka.errors import InvalidInput


def history(*lines: tuple[str, datetime, int, str]) -> History:
    frame = pl.DataFrame(
        [{"customer": c, "at": at, "amount_minor": amount, "kind": kind} for c, at, amount, kind in lines],
        schema={"customer": pl.String, "at": pl.Datetime("us"), "amount_minor": pl.Int64, "kind": pl.String},
    )
    return History(lines=frame, currency="RUB", timezone="Europe/Moscow", source="test")


YEAR = history(
    ("A", datetime(2026, 1, 1), 300000, "sale"),
    ("B", datetime(2026, 2, 1), 250000, "sale"),
    ("B", datetime(2026, 3, 1), -50000, "return"),  # B's first half: 2 000.00
    ("C", datetime(2026, 3, 1), 100000, "sale"),
    ("D", datetime(2026, 4, 1), 50000, "sale"),
    ("E", datetime(2026, 5, 1), 10000, "sale"),
    ("E", datetime(2026, 5, 2), -10000, "return"),  # nothing net: not a client of the first half
    ("A", datetime(2026, 9, 1), 10000, "sale"),
    ("B", datetime(2026, 10, 1), -20000, "return"),  # a return is not a purchase: B is gone
    ("C", datetime(2026, 12, 31), 10000, "sale"),  # the history ends on Dec 31: halves of 182 days
)


def test_the_top_half_of_the_first_halfs_clients_and_who_of_them_left() -> None:
    found = estimate(YEAR, large_share=D("0.5"))
    assert (found.clients, found.large) == (4, 2)  # A 3 000 and B 2 000 of A, B, C, D
    assert found.first_half == (datetime(2026, 1, 1), datetime(2026, 7, 2))
    assert (found.left, found.half_churn) == (1, D("0.5"))  # B bought nothing after July 2
    assert found.revenue == D("5017.17")  # 2 500.00 in 182 days: 2 500 * 365.25 / 182 = 5 017.1703
    with localcontext() as ctx:
        ctx.prec = 40
        yearly = 1 - D("0.5") ** (D("365.25") / 182)
    assert found.churn == yearly.quantize(D("0.0001")) == D("0.7512")


def test_every_client_counts_with_a_share_of_100_percent() -> None:
    found = estimate(YEAR, large_share=D(1))
    assert found.large == 4 and found.half_churn == D("0.5")  # B and D left; A and C stayed
    assert found.revenue == D("3261.16")  # (3 000 + 2 000 + 1 000 + 500) / 4 * 365.25 / 182


@pytest.mark.parametrize(
    ("data", "share", "words"),
    [
        (YEAR, D(0), "share of large clients"),
        (history(), D("0.2"), "no sales of clients"),
        (
            history(("A", datetime(2026, 1, 1), 100, "sale"), ("A", datetime(2026, 1, 20), 100, "sale")),
            D("0.2"),
            "less than two months",
        ),  # fmt: skip
    ],
)
def test_histories_that_cannot_give_z_and_w_are_refused(data: History, share: D, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        estimate(data, large_share=share)


def test_the_real_wholesale_data_gives_7929_gbp_a_year_and_a_churn_of_16_7_percent(online_retail: History) -> None:
    found = estimate(online_retail)
    assert (found.clients, found.large) == (2742, 549)
    assert found.first_half == (datetime(2010, 12, 1, 8, 26), datetime(2011, 6, 5, 22, 38))
    assert found.left == 49  # of 549: 8.93% in half a year
    assert (found.revenue, found.churn) == (D("7929.57"), D("0.1672"))
