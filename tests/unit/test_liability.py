"""The points liability on a small ledger written by hand (tests/liability_support.py tells its story): values,
breakage, deferred revenue and the monthly movement, every figure checked by hand."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal as D

import polars as pl
import pytest

from loyalka.analytics.liability import LOTS_COLUMNS, as_of, check_lots, liability, movement
from loyalka.errors import InvalidInput

NOV_1, DEC_1, JAN_1, FEB_1 = datetime(2026, 11, 1), datetime(2026, 12, 1), datetime(2027, 1, 1), datetime(2027, 2, 1)


def lot(account, kind, earned, remaining, spent, expired, forfeited, at, available, expires, decimals=2, value=100):  # type: ignore[no-untyped-def]
    return {
        "account": account, "kind": kind, "earned_minor": earned, "remaining_minor": remaining,
        "spent_minor": spent, "expired_minor": expired, "forfeited_minor": forfeited,
        "value_per_point_minor": value, "decimals": decimals, "earned_at": at, "available_from": available,
        "expires_at": expires,
    }  # fmt: skip


def frame(*lots: dict) -> pl.DataFrame:
    return pl.DataFrame(list(lots), schema=LOTS_COLUMNS)


# the ledger at the end of October (nothing spent yet), November and December (after their closes)
OCTOBER = frame(
    lot("SALON-1", "bonus", 50000, 50000, 0, 0, 0, datetime(2026, 10, 5, 12), NOV_1, DEC_1),
    lot("SALON-1", "bonus", 70000, 70000, 0, 0, 0, datetime(2026, 10, 20, 15), NOV_1, DEC_1),
    lot("SALON-2", "bonus", 100000, 100000, 0, 0, 0, datetime(2026, 10, 10, 12), NOV_1, DEC_1),
)
NOVEMBER = frame(
    lot("SALON-1", "bonus", 50000, 0, 50000, 0, 0, datetime(2026, 10, 5, 12), NOV_1, DEC_1),
    lot("SALON-1", "bonus", 70000, 0, 40000, 30000, 0, datetime(2026, 10, 20, 15), NOV_1, DEC_1),
    lot("SALON-2", "bonus", 100000, 0, 0, 100000, 0, datetime(2026, 10, 10, 12), NOV_1, DEC_1),
    lot("SALON-1", "bonus", 51000, 0, 0, 0, 51000, datetime(2026, 11, 10, 11), DEC_1, JAN_1),
    lot("SALON-2", "bonus", 90000, 90000, 0, 0, 0, datetime(2026, 11, 15, 12), DEC_1, JAN_1),
)
DECEMBER = pl.concat(
    [
        NOVEMBER.head(4),
        frame(
            lot("SALON-2", "bonus", 90000, 0, 50000, 40000, 0, datetime(2026, 11, 15, 12), DEC_1, JAN_1),
            lot("SALON-2", "bonus", 85000, 85000, 0, 0, 0, datetime(2026, 12, 10, 12), JAN_1, FEB_1),
        ),
    ]
)


def test_breakage_is_the_share_of_settled_points_that_expired_or_were_forfeited() -> None:
    # settled cohorts: October (A, B, C) and November (D forfeited, E 500 spent and 400 expired)
    state = liability(DECEMBER, JAN_1)
    basis = state.breakage.row(0, named=True)
    assert (basis["settled_cohorts"], basis["settled_lots"]) == (2, 5)
    assert (basis["spent_points"], basis["expired_points"], basis["forfeited_points"]) == (D(1400), D(1700), D(510))
    assert basis["breakage_rate"] == pytest.approx(2210 / 3610)
    # 850.00 outstanding; expected breakage 850 * 2 210/3 610 = 520.360 -> 520.36; deferred 329.64
    assert (state.outstanding_minor, state.expected_breakage_minor, state.deferred_minor) == (85000, 52036, 32964)


def test_a_month_of_earning_counts_only_once_every_lot_of_it_is_settled() -> None:
    # at the end of November the November lots are not all settled (E is open): D's forfeit waits for them
    state = liability(NOVEMBER, DEC_1)
    basis = state.breakage.row(0, named=True)
    assert (basis["settled_cohorts"], basis["forfeited_points"]) == (1, D(0))
    assert basis["breakage_rate"] == pytest.approx(1300 / 2200)
    assert (state.outstanding_minor, state.expected_breakage_minor, state.deferred_minor) == (90000, 53182, 36818)


def test_forfeits_may_be_left_out_of_the_rate() -> None:
    state = liability(DECEMBER, JAN_1, forfeits="ignore")
    assert state.by_kind["breakage_rate"][0] == pytest.approx(1700 / 3100)
    assert state.expected_breakage_minor == 46613  # 850 * 17/31 = 466.129
    assert state.deferred_minor == 38387


def test_a_given_rate_replaces_the_estimate() -> None:
    state = liability(NOVEMBER, DEC_1, breakage=D("0.25"))
    assert (state.expected_breakage_minor, state.deferred_minor) == (22500, 67500)
    assert state.breakage["basis"][0] == "override"


def test_without_settled_lots_there_is_no_breakage_yet_and_the_whole_value_is_deferred() -> None:
    state = liability(OCTOBER, NOV_1)
    assert (state.outstanding_minor, state.expected_breakage_minor, state.deferred_minor) == (220000, 0, 220000)
    assert state.by_kind["pending_points"][0] == 0  # spendable from Nov 1 00:00, which is `at`
    assert liability(OCTOBER, datetime(2026, 10, 31)).by_kind["pending_points"][0] == D(2200)


def test_open_lots_keep_their_whole_month_out_of_the_estimate() -> None:
    partly = frame(
        lot("A", "bonus", 10000, 4000, 6000, 0, 0, datetime(2026, 10, 5), NOV_1, JAN_1),  # open: October left out
        lot("B", "bonus", 10000, 0, 10000, 0, 0, datetime(2026, 10, 9), NOV_1, JAN_1),  # settled, but in October
        lot("A", "bonus", 10000, 0, 2000, 8000, 0, datetime(2026, 9, 5), datetime(2026, 10, 1), NOV_1),
    )
    state = liability(partly, datetime(2026, 11, 15))
    assert state.by_kind["breakage_rate"][0] == pytest.approx(0.8)  # September alone: 8 000 of 10 000 expired
    assert state.expected_breakage_minor == 3200 and state.deferred_minor == 800


def test_points_past_their_expiry_count_as_expired_before_the_close_writes_them_off() -> None:
    lapsed = as_of(OCTOBER, DEC_1)
    assert lapsed["remaining_minor"].sum() == 0 and lapsed["expired_minor"].sum() == 220000
    state = liability(OCTOBER, DEC_1)
    assert state.outstanding_minor == 0 and state.by_kind["breakage_rate"][0] == 1.0


def test_outstanding_points_by_expiry_month_and_kinds_with_other_units() -> None:
    stamps = lot("SALON-2", "stamps", 7, 7, 0, 0, 0, datetime(2026, 11, 15), datetime(2026, 11, 15), None, 0, 5000)
    state = liability(pl.concat([NOVEMBER, frame(stamps)]), DEC_1)
    rows = state.by_expiry.rows(named=True)
    assert [(r["kind"], r["expires_in"], r["outstanding_points"], r["outstanding_minor"]) for r in rows] == [
        ("bonus", "2026-12", D(900), 90000),  # expires at Jan 1 00:00: spendable through December
        ("stamps", "never", D(7), 35000),  # 7 whole stamps worth 50.00 each
    ]
    assert state.outstanding_minor == 125000


def test_a_point_worth_a_fraction_of_a_kopeck_is_valued_exactly_and_rounded_half_up() -> None:
    odd = lot("A", "bonus", 3, 3, 0, 0, 0, datetime(2026, 10, 5), NOV_1, None, 2, 150)  # 0.03 points at 1.50
    assert liability(frame(odd), NOV_1).outstanding_minor == 5  # 4.5 kopecks


def test_the_movement_adds_up_month_by_month() -> None:
    moves = movement([("2026-10", NOV_1, OCTOBER), ("2026-11", DEC_1, NOVEMBER), ("2026-12", JAN_1, DECEMBER)])
    october, november, december = moves.rows(named=True)
    assert october == {
        "month": "2026-10", "opening_minor": 0, "earned_minor": 220000, "spent_minor": 0, "expired_minor": 0,
        "forfeited_minor": 0, "breakage_change_minor": 0, "closing_minor": 220000, "outstanding_minor": 220000,
        "expected_breakage_minor": 0, "breakage_rate": 0.0,
    }  # fmt: skip
    assert november["opening_minor"] == 220000
    assert (november["earned_minor"], november["spent_minor"]) == (141000, 90000)
    assert (november["expired_minor"], november["forfeited_minor"]) == (130000, 51000)
    assert (november["breakage_change_minor"], november["closing_minor"]) == (53182, 36818)
    assert (december["earned_minor"], december["spent_minor"], december["expired_minor"]) == (85000, 50000, 40000)
    assert (december["breakage_change_minor"], december["closing_minor"]) == (52036 - 53182, 32964)
    for row in (october, november, december):
        flows = row["earned_minor"] - row["spent_minor"] - row["expired_minor"] - row["forfeited_minor"]
        assert row["closing_minor"] == row["opening_minor"] + flows - row["breakage_change_minor"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda f: f.drop("decimals"), "missing: decimals"),
        (lambda f: f.with_columns(pl.lit(1).alias("extra")), "unexpected: extra"),
        (lambda f: f.with_columns(pl.col("earned_minor").cast(pl.Float64)), "earned_minor must be Int64"),
        (lambda f: f.with_columns(pl.col("earned_minor") + 1), "earned != remaining + spent"),
        (lambda f: f.with_columns(pl.col("earned_at").cast(pl.String)), "earned_at must be a Datetime"),
        (lambda f: f.with_columns(pl.col("earned_at").dt.replace_time_zone("UTC")), "must all be naive or all in one"),
        (lambda f: f.with_columns(pl.lit(None, pl.String).alias("kind")), "kind has empty values"),
    ],
)
def test_a_malformed_lots_frame_is_refused_with_what_is_wrong(change, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as refused:
        check_lots(change(NOVEMBER))
    assert refused.value.code == "invalid_lots" and words in refused.value.message


def test_at_must_match_the_frames_times() -> None:
    from datetime import UTC

    with pytest.raises(InvalidInput, match="naive"):
        liability(NOVEMBER, DEC_1.replace(tzinfo=UTC))
    with pytest.raises(InvalidInput, match="forfeits"):
        liability(NOVEMBER, DEC_1, forfeits="maybe")
