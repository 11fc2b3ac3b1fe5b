"""The points liability (IFRS 15, formerly IFRIC 13): outstanding points, their value, expected breakage, the
deferred revenue and its monthly movement — pure functions over a frame of lots.

The lots frame has exactly the columns of ``LOTS_COLUMNS``, a row per lot: points in the kind's minor units, the
money value of one whole point in money minor units, and the lot's times (all naive, or all in one time zone).
``storage`` of a live program (liability_db.py) and the backtest both produce it. Each lot satisfies
``earned = remaining + spent + expired + forfeited``.

Breakage is estimated per kind from the points whose fate is known: the share of them that expired (or were
forfeited) rather than spent. A lot's fate is known once nothing is left in it, but lots settle at different
speeds — a spend or a forfeit settles a lot early, an expiry only at its end — so the settled lots of a month whose
other lots are still open would bias the rate (towards the early outcomes). The estimate therefore takes whole
cohorts: the lots of a kind earned in one month count once every one of them is settled. Open lots keep their
month out whole. Forfeits (the balance of a client who left) are points never redeemed: by default they count as
breakage, like expiry (``forfeits="ignore"`` leaves them out of both sides of the rate). Until a month is settled
the rate is zero: the whole value stays a liability until history supports breakage (IFRS 15 recognises
breakage only when it is highly probable not to reverse). Points that never expire may never settle a month;
give their rate (``breakage``) when experience supports one.

Deferred revenue = value of the outstanding points - expected breakage on them (value * rate). Points past their
expiry that the month close has not written off yet can no longer be spent: they count as expired.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import polars as pl

from loyalka.errors import InvalidInput

LOTS_COLUMNS: dict[str, type[pl.DataType] | pl.DataType] = {
    "account": pl.String,
    "kind": pl.String,
    "earned_minor": pl.Int64,
    "remaining_minor": pl.Int64,
    "spent_minor": pl.Int64,
    "expired_minor": pl.Int64,
    "forfeited_minor": pl.Int64,
    "value_per_point_minor": pl.Int64,
    "decimals": pl.Int8,
    "earned_at": pl.Datetime,
    "available_from": pl.Datetime,
    "expires_at": pl.Datetime,
}
POINTS = ("earned_minor", "remaining_minor", "spent_minor", "expired_minor", "forfeited_minor")
FORFEITS = ("breakage", "ignore")


@dataclass(frozen=True, slots=True)
class Liability:
    at: datetime
    by_kind: pl.DataFrame  # a row per kind
    by_expiry: pl.DataFrame  # a row per kind and month of expiry
    breakage: pl.DataFrame  # the basis of each kind's rate
    outstanding_minor: int  # money value of the outstanding points
    expected_breakage_minor: int
    deferred_minor: int  # the contract liability: outstanding - expected breakage


def check_lots(lots: pl.DataFrame) -> pl.DataFrame:
    """The frame with its columns in order, or InvalidInput saying what is wrong with it."""
    have, want = set(lots.columns), set(LOTS_COLUMNS)
    if have != want:
        missing, extra = sorted(want - have), sorted(have - want)
        raise InvalidInput(
            f"the lots frame must have exactly the columns {', '.join(LOTS_COLUMNS)}"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unexpected: {', '.join(extra)}" if extra else ""),
            code="invalid_lots",
            field="lots",
        )
    zones = set()
    for name, dtype in LOTS_COLUMNS.items():
        actual = lots.schema[name]
        if dtype is pl.Datetime:
            if not isinstance(actual, pl.Datetime):
                raise _bad(f"column {name} must be a Datetime, not {actual}")
            zones.add(actual.time_zone)
        elif actual != dtype:
            raise _bad(f"column {name} must be {dtype}, not {actual}")
        if name != "expires_at" and lots[name].null_count():
            raise _bad(f"column {name} has empty values")
    if len(zones) > 1:
        raise _bad("the times must all be naive or all in one time zone")
    lots = lots.select(list(LOTS_COLUMNS))
    if lots.height and lots.select(pl.min_horizontal(*POINTS).min()).item() < 0:
        raise _bad("points must not be negative")
    unbalanced = lots.filter(
        pl.col("earned_minor")
        != pl.col("remaining_minor") + pl.col("spent_minor") + pl.col("expired_minor") + pl.col("forfeited_minor")
    )
    if unbalanced.height:
        raise _bad(f"{unbalanced.height} lot(s) where earned != remaining + spent + expired + forfeited")
    if lots.filter((pl.col("decimals") < 0) | (pl.col("decimals") > 6) | (pl.col("value_per_point_minor") < 0)).height:
        raise _bad("decimals must be 0..6 and the value of a point zero or more")
    return lots


def as_of(lots: pl.DataFrame, at: datetime) -> pl.DataFrame:
    """Points past their expiry at ``at`` but not yet written off count as expired: they cannot be spent."""
    at = align(lots, at)
    lapsed = pl.col("expires_at").is_not_null() & (pl.col("expires_at") <= at) & (pl.col("remaining_minor") > 0)
    return lots.with_columns(
        pl.when(lapsed).then(pl.col("expired_minor") + pl.col("remaining_minor")).otherwise("expired_minor"),
        pl.when(lapsed).then(0).otherwise("remaining_minor").alias("remaining_minor"),
    )


def align(lots: pl.DataFrame, at: datetime) -> datetime:
    """``at`` in the frame's time zone (aware frames), or as given (naive frames and naive ``at``)."""
    zone = lots.schema["earned_at"].time_zone  # type: ignore[attr-defined]
    if zone is None:
        if at.tzinfo is not None:
            raise InvalidInput("the lots' times are naive (local wall clock): give `at` without a zone", field="at")
        return at
    if at.tzinfo is None:
        raise InvalidInput(f"the lots' times are in {zone}: give `at` with a time zone", field="at")
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo(zone))


def liability(
    lots: pl.DataFrame,
    at: datetime,
    *,
    forfeits: str = "breakage",
    breakage: Decimal | Mapping[str, Decimal] | None = None,
) -> Liability:
    """The liability at ``at`` of a lots frame as it stood then. ``breakage`` replaces the estimate (one rate, or
    a rate per kind) — for a program without history."""
    lots = as_of(check_lots(lots), at)
    at = align(lots, at)
    rates = breakage_rates(lots, forfeits=forfeits, override=breakage)
    kinds = _kind_values(lots, at).join(rates.select("kind", "expired_part", "known_part"), on="kind", how="left")
    rows = [_deferred(row) for row in kinds.iter_rows(named=True)]
    by_kind = pl.DataFrame(rows, schema=_BY_KIND, orient="row") if rows else pl.DataFrame(schema=_BY_KIND)
    by_kind = by_kind.join(rates.select("kind", "breakage_rate"), on="kind", how="left").select(
        "kind", "open_lots", "outstanding_points", "pending_points", "outstanding_minor", "breakage_rate",
        "expected_breakage_minor", "deferred_minor",
    )  # fmt: skip
    return Liability(
        at=at,
        by_kind=by_kind,
        by_expiry=_by_expiry(lots, rates),
        breakage=rates.drop("expired_part", "known_part"),
        outstanding_minor=int(by_kind["outstanding_minor"].sum()),
        expected_breakage_minor=int(by_kind["expected_breakage_minor"].sum()),
        deferred_minor=int(by_kind["deferred_minor"].sum()),
    )


def breakage_rates(
    lots: pl.DataFrame, *, forfeits: str = "breakage", override: Decimal | Mapping[str, Decimal] | None = None
) -> pl.DataFrame:
    """Per kind: the settled cohorts (months of earning whose every lot is settled), their spent, expired and
    forfeited points, and the rate (expired [+ forfeited]) / (spent + expired [+ forfeited]) as the exact parts and
    as a float."""
    if forfeits not in FORFEITS:
        raise InvalidInput(f"forfeits is one of {', '.join(FORFEITS)}", code="invalid_forfeits", field="forfeits")
    counted = pl.col("forfeited_minor") if forfeits == "breakage" else pl.lit(0, pl.Int64)
    cohorts = (
        lots.with_columns(pl.col("earned_at").dt.strftime("%Y-%m").alias("cohort"))
        .group_by("kind", "cohort")
        .agg(
            (pl.col("remaining_minor") > 0).sum().alias("open"),
            pl.len().alias("lots"),
            *(_points(name).sum().alias(f"{name.removesuffix('_minor')}_points") for name in POINTS[2:]),
            pl.col("expired_minor").sum().alias("e"),
            pl.col("spent_minor").sum().alias("s"),
            counted.sum().alias("f"),
        )
    )
    settled = cohorts.filter(pl.col("open") == 0)
    frame = (
        lots.select("kind")
        .unique()
        .join(
            settled.group_by("kind").agg(
                pl.len().cast(pl.Int64).alias("settled_cohorts"),
                pl.col("lots").sum().cast(pl.Int64).alias("settled_lots"),
                pl.col("spent_points", "expired_points", "forfeited_points").sum(),
                (pl.col("e") + pl.col("f")).sum().alias("expired_part"),
                (pl.col("e") + pl.col("f") + pl.col("s")).sum().alias("known_part"),
            ),
            on="kind",
            how="left",
        )
        .with_columns(pl.col("settled_cohorts", "settled_lots", "expired_part", "known_part").fill_null(0))
        .with_columns(pl.col("spent_points", "expired_points", "forfeited_points").fill_null(Decimal(0)))
        .sort("kind")
    )
    if override is not None:
        frame = frame.with_columns(_override(frame["kind"].to_list(), override))
    return frame.with_columns(
        pl.when(pl.col("known_part") > 0)
        .then(pl.col("expired_part") / pl.col("known_part"))
        .otherwise(0.0)
        .alias("breakage_rate"),
        pl.lit("override" if override is not None else f"settled cohorts (forfeits: {forfeits})").alias("basis"),
    )


def _override(kinds: list[str], override: Decimal | Mapping[str, Decimal]) -> list[pl.Series]:
    """A given rate as the exact parts expired/known: a decimal p/10^n."""
    parts, wholes = [], []
    for kind in kinds:
        rate = override.get(kind) if isinstance(override, Mapping) else override
        if rate is None:
            raise InvalidInput(f"no breakage rate given for the kind {kind!r}", field="breakage")
        if not 0 <= rate <= 1:
            raise InvalidInput("a breakage rate is from 0% to 100%", code="invalid_rate", field="breakage")
        numerator, denominator = rate.as_integer_ratio()
        parts.append(numerator)
        wholes.append(denominator)
    return [pl.Series("expired_part", parts, pl.Int64), pl.Series("known_part", wholes, pl.Int64)]


def _points(name: str) -> pl.Expr:
    """Points as a decimal of whole points (the kind's minor units / 10^decimals)."""
    return pl.col(name).cast(pl.Decimal(38, 6)) / pl.lit(10, pl.Int64).pow(pl.col("decimals").cast(pl.Int64))


def _centi(name: str) -> pl.Expr:
    """The money value of points in hundredths of a minor unit: exact for up to two point decimals."""
    scale = pl.lit(10, pl.Int64).pow((2 - pl.col("decimals").cast(pl.Int64)).clip(0, None))
    shrink = pl.lit(10, pl.Int64).pow((pl.col("decimals").cast(pl.Int64) - 2).clip(0, None))
    return pl.col(name) * pl.col("value_per_point_minor") * scale // shrink


def _minor(centi: int) -> int:
    return (centi + 50) // 100  # half up; values are never negative


def _kind_values(lots: pl.DataFrame, at: datetime) -> pl.DataFrame:
    open_lot = pl.col("remaining_minor") > 0
    return (
        lots.group_by("kind")
        .agg(
            open_lot.sum().cast(pl.Int64).alias("open_lots"),
            _points("remaining_minor").sum().alias("outstanding_points"),
            _points("remaining_minor").filter(pl.col("available_from") > at).sum().alias("pending_points"),
            *(
                _centi(name).sum().alias(name.replace("_minor", "_centi"))
                for name in POINTS
                if name != "remaining_minor"
            ),
        )
        .sort("kind")
    )


_BY_KIND = {
    "kind": pl.String,
    "open_lots": pl.Int64,
    "outstanding_points": pl.Decimal(38, 6),
    "pending_points": pl.Decimal(38, 6),
    "outstanding_minor": pl.Int64,
    "expected_breakage_minor": pl.Int64,
    "deferred_minor": pl.Int64,
}


def _deferred(row: Mapping[str, object]) -> tuple[object, ...]:
    """One kind's value, expected breakage and deferred revenue in minor units. The outstanding value is the
    rounded earned less the rounded spent, expired and forfeited values, so the movement adds up to it exactly."""
    outstanding = _minor(row["earned_centi"]) - sum(  # type: ignore[arg-type]
        _minor(row[f"{name}_centi"])
        for name in ("spent", "expired", "forfeited")  # type: ignore[arg-type]
    )
    expected = _share(outstanding, row["expired_part"] or 0, row["known_part"] or 0)  # type: ignore[arg-type]
    return (
        row["kind"], row["open_lots"], row["outstanding_points"], row["pending_points"] or Decimal(0), outstanding,
        expected, outstanding - expected,
    )  # fmt: skip


def _share(amount: int, part: int, whole: int) -> int:
    """amount * part / whole, rounded half up (0 without a whole)."""
    if whole == 0:
        return 0
    return (2 * amount * part + whole) // (2 * whole)


def _by_expiry(lots: pl.DataFrame, rates: pl.DataFrame) -> pl.DataFrame:
    """Outstanding points by kind and the month of their last spendable moment ('never' when they do not expire)."""
    last = (pl.col("expires_at") - timedelta(microseconds=1)).dt.strftime("%Y-%m")
    grouped = (
        lots.filter(pl.col("remaining_minor") > 0)
        .with_columns(pl.when(pl.col("expires_at").is_null()).then(pl.lit("never")).otherwise(last).alias("expires_in"))
        .group_by("kind", "expires_in")
        .agg(_points("remaining_minor").sum().alias("outstanding_points"), _centi("remaining_minor").sum().alias("c"))
        .join(rates.select("kind", "expired_part", "known_part"), on="kind", how="left")
        .sort("kind", pl.col("expires_in").replace("never", "9999"))
    )
    value = [_minor(c) for c in grouped["c"]]
    expected = [
        _share(v, p or 0, w or 0) for v, p, w in zip(value, grouped["expired_part"], grouped["known_part"], strict=True)
    ]
    return grouped.select("kind", "expires_in", "outstanding_points").with_columns(
        pl.Series("outstanding_minor", value, pl.Int64),
        pl.Series("expected_breakage_minor", expected, pl.Int64),
        pl.Series("deferred_minor", [v - e for v, e in zip(value, expected, strict=True)], pl.Int64),
    )


_FLOWS = ("earned", "spent", "expired", "forfeited")


def movement(
    snapshots: Iterable[tuple[str, datetime, pl.DataFrame]],
    *,
    forfeits: str = "breakage",
    breakage: Decimal | Mapping[str, Decimal] | None = None,
) -> pl.DataFrame:
    """The deferred revenue's movement month by month from snapshots (month key, its end, the lots frame as it
    stood then), the first from the program's start. Per month, in money minor units:

        closing = opening + earned - spent - expired - forfeited - breakage_change

    where earned, spent, expired and forfeited are the face values of the month's points (earned net of returns)
    and breakage_change is the change of the expected breakage on the outstanding points (a new rate, or more or
    fewer points outstanding)."""
    rows = []
    before = {f: 0 for f in _FLOWS} | {"expected": 0, "deferred": 0}
    for month, end, lots in snapshots:
        state = liability(lots, end, forfeits=forfeits, breakage=breakage)
        totals = _cumulative(as_of(check_lots(lots), end))
        flows = {f: totals[f] - before[f] for f in _FLOWS}
        rate = state.expected_breakage_minor / state.outstanding_minor if state.outstanding_minor else 0.0
        rows.append(
            {
                "month": month,
                "opening_minor": before["deferred"],
                **{f"{f}_minor": flows[f] for f in _FLOWS},
                "breakage_change_minor": state.expected_breakage_minor - before["expected"],
                "closing_minor": state.deferred_minor,
                "outstanding_minor": state.outstanding_minor,
                "expected_breakage_minor": state.expected_breakage_minor,
                "breakage_rate": rate,
            }
        )
        before = {**totals, "expected": state.expected_breakage_minor, "deferred": state.deferred_minor}
    return pl.DataFrame(rows, schema=_MOVEMENT, orient="row") if rows else pl.DataFrame(schema=_MOVEMENT)


_MOVEMENT = {
    "month": pl.String,
    "opening_minor": pl.Int64,
    **{f"{f}_minor": pl.Int64 for f in _FLOWS},
    "breakage_change_minor": pl.Int64,
    "closing_minor": pl.Int64,
    "outstanding_minor": pl.Int64,
    "expected_breakage_minor": pl.Int64,
    "breakage_rate": pl.Float64,
}


def _cumulative(lots: pl.DataFrame) -> dict[str, int]:
    """Each flow's value to date, rounded per kind as ``_deferred`` rounds it."""
    sums = lots.group_by("kind").agg(_centi(f"{f}_minor").sum().alias(f) for f in _FLOWS)
    return {f: sum(_minor(int(v)) for v in sums[f]) for f in _FLOWS}


def _bad(message: str) -> InvalidInput:
    return InvalidInput(f"lots frame: {message}", code="invalid_lots", field="lots")
