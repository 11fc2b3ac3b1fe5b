"""The tier rules on plain objects: windows, criteria, the level an account qualifies for, the downgrade
policy and the progress to the next level. The programs are the seeds' own (002 and 004)."""

from __future__ import annotations

from datetime import datetime

import pytest

from loyalka.engine.tiers import (
    Purchase,
    Tally,
    current_level,
    evaluate,
    figures_at,
    holds,
    next_level,
    periods_missed,
    progress,
    qualified_level,
    window_start,
    window_text,
    windows_of,
)
from loyalka.program.loader import load_program_file
from loyalka.program.tiers import Criterion, Tiers
from loyalka.program.types import Window
from tests.conftest import EXAMPLES, moscow

TZ = "Europe/Moscow"
RUB = 100
WHOLESALE = load_program_file(EXAMPLES / "wholesale_tiers.yaml")[0].tiers
METAL = load_program_file(EXAMPLES / "metal_cards.yaml")[0].tiers
ROLLING_12 = Window(rolling_months=12)
YEAR = Window(calendar="year")
assert WHOLESALE is not None and METAL is not None


def figures(*, turnover: int = 0, orders: int = 0, biggest: int = 0, categories: int = 0, skus: int = 0) -> Tally:
    """Figures in rubles, the same for every window a test looks at."""
    return Tally(
        turnover * RUB,
        orders,
        biggest * RUB,
        {f"cat-{i}" for i in range(categories)},
        {f"sku-{i}" for i in range(skus)},
    )


def by_window(tiers: Tiers, tally: Tally) -> dict[Window, Tally]:
    return dict.fromkeys(windows_of(tiers), tally)


def level_of(tiers: Tiers, tally: Tally) -> str | None:
    found = qualified_level(tiers, by_window(tiers, tally))
    return found.id if found else None


# --- windows -------------------------------------------------------------------------------------------
def test_a_rolling_window_of_12_months_ends_just_before_the_instant() -> None:
    assert window_start(ROLLING_12, moscow(2026, 3, 15, 10), TZ) == moscow(2025, 3, 15, 10)


def test_a_rolling_window_from_the_31st_starts_on_the_last_day_of_a_shorter_month() -> None:
    assert window_start(Window(rolling_months=1), moscow(2026, 3, 31, 12), TZ) == moscow(2026, 2, 28, 12)


def test_a_calendar_year_window_at_a_years_end_is_the_year_just_ended() -> None:
    assert window_start(YEAR, moscow(2027, 1, 1), TZ) == moscow(2026, 1, 1)


def test_a_calendar_year_window_in_march_starts_on_the_first_of_january() -> None:
    assert window_start(YEAR, moscow(2026, 3, 10, 12), TZ) == moscow(2026, 1, 1)


def test_a_calendar_window_is_taken_in_the_programs_time_zone() -> None:
    # 31 December 22:30 UTC is already 1 January in Moscow: the year so far began an hour and a half ago
    at = datetime.fromisoformat("2026-12-31T22:30:00+00:00")
    assert window_start(YEAR, at, TZ) == moscow(2027, 1, 1)
    assert window_start(YEAR, at, "Europe/London") == moscow(2026, 1, 1, 3)


def test_a_quarter_window_at_the_quarters_end_covers_the_quarter() -> None:
    assert window_start(Window(calendar="quarter"), moscow(2026, 7, 1), TZ) == moscow(2026, 4, 1)


def test_figures_count_only_purchases_inside_the_window() -> None:
    purchases = [
        Purchase(moscow(2025, 12, 20), 1_000_000 * RUB, frozenset({"sheet"})),
        Purchase(moscow(2026, 1, 10), 600_000 * RUB, frozenset({"pipe"})),
        Purchase(moscow(2026, 2, 1), 0, frozenset({"wire"})),  # returned whole: counts for nothing
    ]
    found = figures_at(purchases, [YEAR, ROLLING_12], moscow(2026, 3, 1), TZ)
    assert (found[YEAR].turnover_minor, found[YEAR].orders, found[YEAR].categories) == (600_000 * RUB, 1, {"pipe"})
    assert found[ROLLING_12].turnover_minor == 1_600_000 * RUB
    assert found[ROLLING_12].max_order_minor == 1_000_000 * RUB


def test_window_texts_in_russian_and_english() -> None:
    assert window_text(ROLLING_12, "ru") == "за последние 12 месяцев"
    assert window_text(Window(rolling_months=3), "ru") == "за последние 3 месяца"
    assert window_text(Window(rolling_months=1), "en") == "over the last month"
    assert window_text(ROLLING_12, "en") == "over the last 12 months"
    assert window_text(YEAR, "ru") == "с начала года"


def test_every_window_of_a_program_is_listed_once() -> None:
    assert windows_of(WHOLESALE) == [ROLLING_12]
    assert windows_of(METAL) == [YEAR, ROLLING_12]


# --- criteria (seed 004) -------------------------------------------------------------------------------
def test_gold_for_one_purchase_over_500000() -> None:
    assert level_of(METAL, figures(turnover=520_000, orders=1, biggest=520_000)) == "gold"


def test_a_purchase_of_exactly_500000_is_not_over_500000() -> None:
    assert level_of(METAL, figures(turnover=500_000, orders=1, biggest=500_000)) == "bronze"


def test_silver_for_1500000_of_revenue_since_january() -> None:
    assert level_of(METAL, figures(turnover=1_500_000, orders=5, biggest=300_000)) == "silver"
    assert level_of(METAL, figures(turnover=1_499_999, orders=5, biggest=300_000)) == "bronze"


def test_gold_for_5000000_of_revenue_without_a_big_single_purchase() -> None:
    assert level_of(METAL, figures(turnover=5_000_000, orders=20, biggest=250_000)) == "gold"


def test_each_criterion_reads_the_figures_of_its_own_window() -> None:
    gold = METAL.levels[2].qualify
    assert gold is not None
    this_year = figures(turnover=400_000, orders=1, biggest=400_000)
    last_twelve_months = figures(turnover=900_000, orders=2, biggest=510_000)
    assert holds(gold, {YEAR: this_year, ROLLING_12: last_twelve_months})
    assert not holds(gold, {YEAR: this_year, ROLLING_12: this_year})


# --- criteria (seed 002) -------------------------------------------------------------------------------
def test_gold_for_1000000_of_turnover_over_12_months() -> None:
    assert level_of(WHOLESALE, figures(turnover=1_000_000, orders=3, categories=1)) == "gold"
    assert level_of(WHOLESALE, figures(turnover=999_999, orders=3, categories=1)) == "silver"


def test_gold_for_24_orders_and_5_categories_together() -> None:
    assert level_of(WHOLESALE, figures(turnover=360_000, orders=24, categories=5)) == "gold"
    assert level_of(WHOLESALE, figures(turnover=360_000, orders=23, categories=5)) == "silver"
    assert level_of(WHOLESALE, figures(turnover=360_000, orders=40, categories=4)) == "silver"


def test_platinum_needs_5000000_and_8_categories() -> None:
    assert level_of(WHOLESALE, figures(turnover=5_000_000, orders=30, categories=8)) == "platinum"
    assert level_of(WHOLESALE, figures(turnover=5_000_000, orders=30, categories=7)) == "gold"
    assert level_of(WHOLESALE, figures(turnover=4_999_999, orders=30, categories=9)) == "gold"


def test_breadth_by_sku_counts_distinct_skus() -> None:
    criterion = Criterion.model_validate({"breadth": {"min": 3, "by": "sku", "window": {"rolling_months": 6}}})
    six = Window(rolling_months=6)
    assert holds(criterion, {six: figures(categories=1, skus=3)})
    assert not holds(criterion, {six: figures(categories=9, skus=2)})


def test_without_an_entry_level_an_account_may_qualify_for_nothing() -> None:
    tiers = Tiers.model_validate(
        {
            "levels": [
                {
                    "id": "vip",
                    "name": {"ru": "VIP", "en": "VIP"},
                    "qualify": {"orders": {"min": 2, "window": {"rolling_months": 3}}},
                }
            ]
        }
    )
    assert tiers.entry is None
    assert level_of(tiers, figures(orders=1)) is None
    assert level_of(tiers, figures(orders=2)) == "vip"


# --- progress ------------------------------------------------------------------------------------------
def test_progress_shows_turnover_820000_of_1000000_over_the_last_12_months() -> None:
    gold = next_level(WHOLESALE, "silver")
    assert gold is not None and gold.id == "gold" and gold.qualify is not None
    shown = progress(gold.qualify, by_window(WHOLESALE, figures(turnover=820_000, orders=10, categories=6)))
    assert shown.metric == "any" and not shown.met
    turnover, together = shown.parts
    assert (turnover.metric, turnover.have, turnover.need, turnover.window) == (
        "turnover",
        820_000 * RUB,
        1_000_000 * RUB,
        ROLLING_12,
    )
    assert together.metric == "all" and not together.met
    assert [(p.metric, p.have, p.need, p.met) for p in together.parts] == [
        ("orders", 10, 24, False),
        ("breadth", 6, 5, True),
    ]


def test_the_next_level_of_the_top_is_none_and_of_no_tier_is_above_the_entry() -> None:
    assert next_level(WHOLESALE, "platinum") is None
    above_entry = next_level(METAL, None)
    assert above_entry is not None and above_entry.id == "silver"


def test_a_tier_the_program_no_longer_defines_counts_as_the_entry_level() -> None:
    level = current_level(METAL, "diamond")
    assert level is not None and level.id == "bronze"


# --- evaluation and downgrade --------------------------------------------------------------------------
def decide(tiers: Tiers, current: str, qualifies: str, qualified_at: datetime, at: datetime) -> tuple:
    decision = evaluate(tiers, current, tiers.level(qualifies), qualified_at, at, TZ)
    return decision.tier, decision.outcome, decision.qualified, decision.missed


def test_an_account_that_qualifies_higher_is_upgraded() -> None:
    assert decide(METAL, "bronze", "gold", moscow(2026, 1, 1), moscow(2026, 2, 1)) == ("gold", "upgraded", True, 0)


def test_an_account_that_qualifies_again_keeps_its_tier_and_qualifies_anew() -> None:
    assert decide(METAL, "silver", "silver", moscow(2026, 1, 1), moscow(2026, 2, 1)) == ("silver", "kept", True, 0)


def test_metal_gold_is_kept_for_3_monthly_evaluations_after_it_last_qualified() -> None:
    qualified = moscow(2026, 1, 15, 12)  # the 520,000 purchase
    assert decide(METAL, "gold", "bronze", qualified, moscow(2026, 2, 1)) == ("gold", "kept", False, 1)
    assert decide(METAL, "gold", "bronze", qualified, moscow(2026, 4, 1)) == ("gold", "kept", False, 3)


def test_metal_gold_drops_one_level_at_the_fourth_evaluation_and_another_at_the_fifth() -> None:
    qualified = moscow(2026, 1, 15, 12)
    assert decide(METAL, "gold", "bronze", qualified, moscow(2026, 5, 1)) == ("silver", "downgraded", False, 4)
    # still not qualified for silver: the grace is spent, so the next evaluation drops it again
    assert decide(METAL, "silver", "bronze", qualified, moscow(2026, 6, 1)) == ("bronze", "downgraded", True, 5)


def test_a_drop_to_a_level_it_qualifies_for_refreshes_the_qualification() -> None:
    qualified = moscow(2026, 1, 15)
    assert decide(METAL, "gold", "silver", qualified, moscow(2026, 5, 1)) == ("silver", "downgraded", True, 4)


def test_wholesale_keeps_gold_one_quarter_then_drops_to_silver() -> None:
    qualified = moscow(2026, 1, 1)  # qualified at the close of 2025-Q4
    assert decide(WHOLESALE, "gold", "silver", qualified, moscow(2026, 4, 1)) == ("gold", "kept", False, 1)
    assert decide(WHOLESALE, "gold", "silver", qualified, moscow(2026, 7, 1)) == ("silver", "downgraded", True, 2)


def test_step_to_qualified_drops_straight_to_the_level_qualified_for() -> None:
    tiers = METAL.model_copy(update={"downgrade": METAL.downgrade.model_copy(update={"step": "to_qualified"})})
    assert decide(tiers, "gold", "bronze", moscow(2026, 1, 15), moscow(2026, 5, 1)) == (
        "bronze",
        "downgraded",
        True,
        4,
    )


def test_keep_periods_0_drops_at_the_first_evaluation_missed() -> None:
    tiers = METAL.model_copy(update={"downgrade": METAL.downgrade.model_copy(update={"keep_periods": 0})})
    assert decide(tiers, "gold", "bronze", moscow(2026, 1, 15), moscow(2026, 2, 1))[:2] == ("silver", "downgraded")


def test_an_account_without_a_tier_is_evaluated_from_the_entry_level() -> None:
    decision = evaluate(METAL, None, METAL.level("bronze"), None, moscow(2026, 2, 1), TZ)
    assert (decision.tier, decision.outcome) == ("bronze", "kept")


@pytest.mark.parametrize(
    ("qualified_at", "at", "missed"),
    [
        (moscow(2026, 2, 1), moscow(2026, 2, 1), 0),  # qualified at this very evaluation
        (moscow(2026, 1, 31, 23, 59), moscow(2026, 2, 1), 1),
        (moscow(2026, 1, 1), moscow(2026, 4, 1), 3),
        (None, moscow(2026, 4, 1), 100),
    ],
)
def test_evaluations_missed_are_period_ends_after_the_last_qualification(
    qualified_at: datetime | None, at: datetime, missed: int
) -> None:
    assert periods_missed(qualified_at, at, "month", TZ) == missed


def test_quarters_missed_count_quarter_ends_only() -> None:
    assert periods_missed(moscow(2026, 2, 10), moscow(2026, 6, 1), "quarter", TZ) == 1
    assert periods_missed(moscow(2026, 2, 10), moscow(2026, 7, 1), "quarter", TZ) == 2
