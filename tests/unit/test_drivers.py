"""The driver analysis of seed 003 on hand-made histories: the tree finds the factor that drives volume, the
features and targets have hand-checked values, the lists cut on exact figures and dates, bad input is refused."""

from __future__ import annotations

import math
from datetime import date, datetime

import polars as pl
import pytest

from loyalka.analytics.client_features import Window, client_features, payment_discipline
from loyalka.analytics.client_lists import gross_profit_lists, sleeping_and_lost
from loyalka.analytics.driver_tree import design, factor_importances, fit_tree
from loyalka.analytics.drivers import analyze_drivers, growth_target
from loyalka.errors import InvalidInput
from tests.drivers_support import Line, frequency_drives_volume, history_of, sleeping_cases


def test_the_tree_finds_that_order_frequency_drives_volume_and_ranks_it_first() -> None:
    result = analyze_drivers(history_of(frequency_drives_volume()), depth=3)
    factors = dict(result.fit.factors.iter_rows())
    assert result.fit.factors["factor"][0] == "order frequency"
    assert factors["order frequency"] > 0.9  # the check's spread explains the rest, within each group
    assert factors["region"] == 0.0 and "tenure" in factors and "recency" in factors
    assert math.isclose(sum(factors.values()), 1.0)
    assert result.fit.r2_held_out is not None and result.fit.r2_held_out > 0.9
    best = result.fit.leaves.row(0, named=True)
    assert best["rule"].startswith("orders a month > ") and best["clients"] <= 30
    # the 30 frequent clients buy 16 orders x 2 lines; the median of 1,000..1,400 RUB a line is 1,200
    frequent = result.features.filter(pl.col("orders") == 16)
    assert frequent.height == 30 and frequent["net_revenue_minor"].median() == 16 * 2 * 120_000


def test_client_features_by_hand() -> None:
    lines = [
        Line("X", "old", datetime(2023, 11, 15, 9), "P1", 5_000),  # before the window: tenure only
        Line("X", "1", datetime(2024, 3, 1, 10), "P1", 10_000),
        Line("X", "1", datetime(2024, 3, 1, 10), "P2", 5_000),
        Line("X", "2", datetime(2024, 5, 1, 10), "P1", 3_000),
        Line("X", "R", datetime(2024, 5, 10, 10), "P1", -3_000),
    ]
    window = Window.of(history_of(lines).client_lines, date(2024, 1, 1), date(2024, 6, 30))
    row = client_features(history_of(lines).client_lines, window).row(0, named=True)
    active = (121 + 14 / 24) / 30.4375  # from 2024-03-01 10:00 to 2024-07-01 00:00
    assert (row["orders"], row["breadth"], row["sales_minor"], row["returns_minor"]) == (2, 2, 18_000, 3_000)
    assert (row["net_revenue_minor"], row["avg_check_minor"], row["recency_days"]) == (15_000, 9_000, 60)
    assert math.isclose(row["months_active"], active)
    assert math.isclose(row["orders_per_month"], 2 / active)
    assert row["monthly_revenue_minor"] == round(15_000 / active) == 3_755
    assert math.isclose(row["tenure_months"], (229 - 9 / 24) / 30.4375)  # from 2023-11-15 09:00 to 2024-07-01
    assert math.isclose(row["returns_share"], 3_000 / 18_000)
    assert (row["first_order"], row["last_order"], row["region"], row["industry"]) == (
        date(2024, 3, 1), date(2024, 5, 1), "Россия", "unknown")  # fmt: skip


def test_category_mix_is_each_category_share_of_the_clients_sales() -> None:
    lines = [
        Line("A", "1", datetime(2024, 1, 5), "P1", 30_000, category="краски"),
        Line("A", "1", datetime(2024, 1, 5), "P2", 10_000, category="инструмент"),
        Line("B", "2", datetime(2024, 1, 6), "P3", 5_000, category=None),
    ]
    lines_frame = history_of(lines).client_lines
    features = client_features(lines_frame, Window.of(lines_frame))
    shares = features.select("customer", pl.col("^category_share:.*$")).rows()
    assert features.select(pl.col("^category_share:.*$")).columns == [
        "category_share:краски", "category_share:инструмент", "category_share:other"]  # fmt: skip
    assert shares == [("A", 0.75, 0.25, 0.0), ("B", 0.0, 0.0, 1.0)]
    assert [n for n in design(features).names if n.startswith("category")] == [
        "category_share:краски", "category_share:инструмент", "category_share:other"]  # fmt: skip


def test_one_hot_levels_are_summed_into_their_factor() -> None:
    importances = pl.DataFrame(
        {
            "feature": ["region=Казань", "region=Москва", "breadth", "industry=стройка", "industry=розница"],
            "factor": ["region", "region", "assortment breadth", "industry", "industry"],
            "importance_share": [0.3, 0.15, 0.35, 0.12, 0.08],
        }
    )
    summed = factor_importances(importances).rows()
    assert [f for f, _ in summed] == ["region", "assortment breadth", "industry"]
    assert [round(s, 10) for _, s in summed] == [0.45, 0.35, 0.2]


def test_client_attributes_give_the_industry_and_override_the_region() -> None:
    lines = [Line("A", "1", datetime(2024, 1, 5), "P1", 1_000), Line("B", "2", datetime(2024, 1, 6), "P1", 1_000)]
    clients = pl.DataFrame({"customer": ["A", "B"], "industry": ["стройка", None], "region": [None, "Казань"]})
    lines_frame = history_of(lines).client_lines
    features = client_features(lines_frame, Window.of(lines_frame), clients=clients)
    assert features.select("customer", "industry", "region").rows() == [
        ("A", "стройка", "Россия"), ("B", "unknown", "Казань")]  # fmt: skip
    assert [n for n in design(features).names if "=" in n] == [
        "region=Казань", "region=Россия", "industry=unknown", "industry=стройка"]  # fmt: skip


def test_payment_discipline_counts_invoices_due_by_the_as_of_day() -> None:
    payments = pl.DataFrame(
        {
            "customer": ["P"] * 5,
            "due": [date(2024, 5, 1), date(2024, 5, 10), date(2024, 6, 20), date(2024, 7, 10), date(2024, 6, 1)],
            "paid": [date(2024, 5, 1), date(2024, 5, 20), None, None, date(2024, 7, 5)],
        }
    )
    # on time; 10 days late; 10 days overdue at the as-of day; not due yet (left out); paid after the as-of day,
    # so 29 days overdue then
    row = payment_discipline(payments, date(2024, 6, 30)).row(0, named=True)
    assert row == {"customer": "P", "late_payment_share": 0.75, "days_late_mean": (0 + 10 + 10 + 29) / 4}


def test_growth_is_the_second_halfs_net_revenue_against_the_firsts() -> None:
    lines = [
        Line("G", "1", datetime(2024, 2, 1), "P1", 10_000), Line("G", "2", datetime(2024, 9, 1), "P1", 30_000),
        Line("L", "3", datetime(2024, 3, 1), "P1", 10_000),  # bought in the first half only
        Line("N", "4", datetime(2024, 10, 1), "P1", 50_000),  # new in the second half: no "before", left out
    ]  # fmt: skip
    lines_frame = history_of(lines).client_lines
    window = Window.of(lines_frame, date(2024, 1, 1), date(2024, 12, 30))
    assert window.middle == datetime(2024, 7, 1)  # 365 days: halves of 182 and 183 days
    logs = growth_target(lines_frame, window).rows(named=True)
    money = growth_target(lines_frame, window, "money")["target"].to_list()
    assert [(r["customer"], r["before_minor"], r["after_minor"], r["value_minor"]) for r in logs] == [
        ("G", 10_000, 30_000, 20_000), ("L", 10_000, 0, -10_000)]  # fmt: skip
    assert math.isclose(logs[0]["target"], math.log(301 / 101)) and math.isclose(logs[1]["target"], -math.log(101))
    assert money == [20_000.0, -10_000.0]


def test_gross_profit_lists_rank_revenue_minus_cost_net_of_returns() -> None:
    day = datetime(2024, 3, 1)
    lines = [
        Line("A", "1", day, "P1", 100_000, 60_000),  # profit 400.00
        Line("B", "2", day, "P1", 200_000, 190_000),  # the biggest revenue, profit 100.00
        Line("C", "3", day, "P1", 50_000, 10_000),
        Line("C", "R", day, "P1", -10_000, -2_000),  # net 400.00, cost 80.00: profit 320.00
        Line("D", "4", day, "P1", 30_000, 35_000),  # sold at a loss: -50.00
    ]
    lines_frame = history_of(lines).client_lines
    features = client_features(lines_frame, Window.of(lines_frame))
    top, bottom, basis = gross_profit_lists(features, 3)
    assert basis == "gross profit"
    assert top.select("customer", "net_revenue_minor", "cost_minor", "gross_profit_minor").rows() == [
        ("A", 100_000, 60_000, 40_000), ("C", 40_000, 8_000, 32_000), ("B", 200_000, 190_000, 10_000)]  # fmt: skip
    assert top["margin_rate"].to_list() == [0.4, 0.8, 0.05]
    assert bottom.select("customer", "gross_profit_minor").rows()[:2] == [("D", -5_000), ("B", 10_000)]
    assert top["last_order"].to_list() == [day.date()] * 3


def test_without_a_cost_on_every_line_the_lists_rank_revenue_and_say_so() -> None:
    day = datetime(2024, 3, 1)
    lines = [Line("A", "1", day, "P1", 100_000, 60_000), Line("B", "2", day, "P1", 200_000, None)]
    lines_frame = history_of(lines).client_lines
    top, bottom, basis = gross_profit_lists(client_features(lines_frame, Window.of(lines_frame)), 1)
    assert basis == "revenue" and "gross_profit_minor" not in top.columns
    assert (top["customer"].to_list(), bottom["customer"].to_list()) == (["B"], ["A"])


def test_sleeping_and_lost_cut_offs_fall_on_exact_days() -> None:
    lines_frame = history_of(sleeping_cases()).client_lines
    sleeping, lost = sleeping_and_lost(lines_frame, date(2024, 6, 30), sleeping_days=90, lost_days=180)
    assert sleeping.select("customer", "last_order", "idle_days", "orders").rows() == [
        ("E3", date(2024, 1, 3), 179, 3),
        ("E6", date(2024, 2, 1), 150, 2),  # its order of 2024-07-05 is after the as-of day
        ("E7", date(2024, 3, 1), 121, 2),  # its return of 2024-06-20 is not an order
        ("E1", date(2024, 4, 1), 90, 2),
    ]
    assert lost.select("customer", "last_order", "idle_days").rows() == [("E4", date(2024, 1, 2), 180)]
    # a day later E2 (last order 2024-04-02) falls asleep and E3 (2024-01-03) is lost
    sleeping, lost = sleeping_and_lost(lines_frame, date(2024, 7, 1), sleeping_days=90, lost_days=180)
    assert "E2" in sleeping["customer"].to_list() and lost["customer"].to_list() == ["E4", "E3"]


def test_high_potential_clients_buy_at_most_half_of_what_their_peers_buy_a_month() -> None:
    lines = frequency_drives_volume()
    # C00 orders as often as its group but for 1/4 of the money: a leaf of big buyers, a quarter of their median
    lines = [Line(x.customer, x.invoice, x.at, x.sku, x.amount_minor // 4 if x.customer == "C00" else x.amount_minor,
                  region=x.region) for x in lines]  # fmt: skip
    result = analyze_drivers(history_of(lines))
    assert result.high_potential["customer"].to_list() == ["C00"]
    row = result.high_potential.row(0, named=True)
    assert row["monthly_revenue_minor"] * 2 <= row["peers_monthly_minor"]
    assert row["monthly_gap_minor"] == row["peers_monthly_minor"] - row["monthly_revenue_minor"]


def test_bad_input_is_refused_with_its_code() -> None:
    history = history_of(frequency_drives_volume())
    cases = [
        ({"depth": 0}, "invalid_depth"),
        ({"depth": 9}, "invalid_depth"),
        ({"start": date(2030, 1, 1), "end": date(2030, 12, 31)}, "empty_window"),
        ({"start": date(2024, 5, 1), "end": date(2024, 4, 1)}, "empty_window"),
        ({"sleeping_days": 90, "lost_days": 90}, "invalid_days"),
        ({"sleeping_days": 0}, "invalid_days"),
        ({"target": "margin"}, "invalid_target"),
        ({"scale": "sqrt"}, "invalid_scale"),
        ({"list_size": 0}, "invalid_size"),
        ({"potential_factor": 1.0}, "invalid_factor"),
    ]
    for options, code in cases:
        with pytest.raises(InvalidInput) as refused:
            analyze_drivers(history, **options)  # type: ignore[arg-type]
        assert refused.value.code == code, options
    few = history_of(frequency_drives_volume()[:40])
    with pytest.raises(InvalidInput) as too_few:
        analyze_drivers(few)
    assert too_few.value.code == "too_few_clients"
    with pytest.raises(InvalidInput):
        fit_tree(pl.DataFrame({"customer": ["A"]}), pl.DataFrame({"customer": ["A"]}), depth=12)
