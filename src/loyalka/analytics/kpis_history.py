"""Client KPIs of a sales history by month or by quarter: pure functions over the canonical frame of
``loyalka.analytics.history`` (docs/analytics/kpis.md gives every formula).

Per period, over clients' product lines (sales and returns; lines without a customer, adjustments and fees are
left out), with a client's *net* the sum of its lines' values in the period:

- active clients: clients whose net in the period is positive;
- average monthly purchases per client: the mean net of the client-months with a positive net in the period (a
  month: the mean per active client; a quarter: the mean over its active client-months, as seed 000 counts);
- share under the threshold: of those client-months, the share whose net is under the threshold;
- order frequency: sale invoices of active clients per active client; average check: their net per invoice;
- retention: of the clients active in the previous calendar period, the share active in this one; churn = 1 - it;
- assortment breadth: distinct products bought (sale lines) per active client;
- net sales: the net of every client's lines in the period (returns count in the period they are booked in).

Money is integer minor units; averages of money are rounded to the minor unit half away from zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import polars as pl

from loyalka.analytics.history import Period, period_key
from loyalka.errors import InvalidInput

PROGRAM_COLUMNS = ("sales_minor", "earned_minor", "spent_minor", "expired_minor")
_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
_QUARTER = r"^\d{4}-Q[1-4]$"


@dataclass(frozen=True)
class PeriodKpis:
    """The KPIs of a history: ``table`` a row per period over every client; ``by_membership`` a row per period
    and group (member | non_member) when a membership was given; ``program`` the program's figures per period
    when a membership or the program's figures were given."""

    period: Period
    table: pl.DataFrame
    by_membership: pl.DataFrame | None
    program: pl.DataFrame | None
    threshold_minor: int | None


def client_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """The lines per-client figures use: a customer recorded, a sale or a return of a product."""
    return lines.filter(pl.col("customer").is_not_null() & pl.col("kind").is_in(["sale", "return"]))


def calendar_periods(lines: pl.DataFrame, period: Period) -> list[str]:
    """Every calendar month or quarter from the first line to the last, gaps included (a month without sales is
    a period with no active clients, and the next one's retention is then unknown)."""
    if lines.height == 0:
        return []
    first, last = lines["at"].min(), lines["at"].max()
    months = pl.date_range(date(first.year, first.month, 1), date(last.year, last.month, 1), "1mo", eager=True)
    keys = pl.DataFrame({"at": months}).select(period_key(period)).to_series().unique(maintain_order=True)
    return keys.to_list()


def period_kpis(
    lines: pl.DataFrame,
    *,
    period: Period = "month",
    threshold_minor: int | None = None,
    membership: pl.DataFrame | Iterable[str] | None = None,
    program: pl.DataFrame | None = None,
) -> PeriodKpis:
    """The KPIs of the canonical ``lines`` per ``period``.

    ``membership``: the member clients, either a set of customer ids (members in every period) or a frame with
    columns ``customer``, ``period`` ("2011-03", or a date in the month) and ``member`` (bool; absent: True),
    as the backtest gives it; months are pooled into quarters (a member in any month of it). ``program``: the
    program's figures per period, columns ``period``, ``sales_minor``, ``earned_minor``, ``spent_minor`` and
    ``expired_minor`` (money in minor units; months are summed into quarters)."""
    periods = calendar_periods(lines, period)
    per_client, per_month = _per_client(client_lines(lines), period)
    table = _kpi_table(per_client.with_columns(group=pl.lit("all")), per_month.with_columns(group=pl.lit("all")),
                       periods, threshold_minor).drop("group")  # fmt: skip
    table = _coverage(lines, period, periods).join(table, on="period", how="left", maintain_order="left")
    by_membership = programme = None
    if membership is not None:
        members = _membership(membership, period, periods)
        group = pl.when(pl.col("member").fill_null(False)).then(pl.lit("member")).otherwise(pl.lit("non_member"))
        grouped = [frame.join(members, on=["customer", "period"], how="left").with_columns(group=group).drop("member")
                   for frame in (per_client, per_month)]  # fmt: skip
        by_membership = _kpi_table(grouped[0], grouped[1], periods, threshold_minor, groups=("member", "non_member"))
    if membership is not None or program is not None:
        programme = _program_table(table, by_membership, program, period)
    return PeriodKpis(period, table, by_membership, programme, threshold_minor)


@dataclass(frozen=True)
class WholeHistory:
    """Seed 000's single figures over the whole history: the mean net of every client-month with purchases, the
    share of those under the threshold, and the quarterly retention pooled over each pair of consecutive quarters
    (kept clients / previous quarters' clients, summed)."""

    client_months: int
    avg_monthly_purchases_minor: int | None
    under_threshold_share: float | None
    quarterly_retention: float | None


def whole_history(lines: pl.DataFrame, *, threshold_minor: int | None = None) -> WholeHistory:
    own = client_lines(lines)
    _, per_month = _per_client(own, "month")
    bought = per_month.filter(pl.col("net_minor") > 0)["net_minor"]
    count, total = bought.len(), int(bought.sum())
    mean = (2 * abs(total) + count) // (2 * count) * (1 if total >= 0 else -1) if count else None
    under = float((bought < threshold_minor).sum()) / count if count and threshold_minor is not None else None
    quarters, _ = _per_client(own, "quarter")
    active = quarters.filter(pl.col("net_minor") > 0).with_columns(group=pl.lit("all"))
    pairs = _retention(active, calendar_periods(lines, "quarter"))
    base, kept = int(pairs["base"].sum()), int(pairs["kept"].sum())
    return WholeHistory(count, mean, under, kept / base if base else None)


def _per_client(lines: pl.DataFrame, period: Period) -> tuple[pl.DataFrame, pl.DataFrame]:
    keyed = lines.with_columns(period_key(period).alias("period"), period_key("month").alias("month"))
    sale = pl.col("kind") == "sale"
    per_client = keyed.group_by("customer", "period").agg(
        pl.col("amount_minor").sum().alias("net_minor"),
        pl.col("invoice").filter(sale).n_unique().alias("invoices"),
        pl.col("sku").filter(sale).n_unique().alias("products"),
    )
    per_month = keyed.group_by("customer", "period", "month").agg(pl.col("amount_minor").sum().alias("net_minor"))
    return per_client, per_month


def _kpi_table(
    per_client: pl.DataFrame,
    per_month: pl.DataFrame,
    periods: list[str],
    threshold_minor: int | None,
    groups: tuple[str, ...] = ("all",),
) -> pl.DataFrame:
    grid = pl.DataFrame({"group": groups}).join(pl.DataFrame({"period": periods}), how="cross")
    active = per_client.filter(pl.col("net_minor") > 0)
    counts = active.group_by("group", "period").agg(
        pl.len().alias("active_clients"),
        pl.col("net_minor").sum().alias("active_net_minor"),
        pl.col("invoices").sum().alias("invoices"),
        pl.col("products").sum().alias("products"),
    )
    under = pl.col("net_minor") < threshold_minor if threshold_minor is not None else pl.lit(False)
    months = (
        per_month.filter(pl.col("net_minor") > 0)
        .group_by("group", "period")
        .agg(
            pl.len().alias("client_months"),
            pl.col("net_minor").sum().alias("month_net_minor"),
            under.sum().alias("under"),
        )
    )
    sales = per_client.group_by("group", "period").agg(pl.col("net_minor").sum().alias("net_sales_minor"))
    frame = grid
    for part in (counts, months, sales, _retention(active, periods).drop("base", "kept")):
        frame = frame.join(part, on=["group", "period"], how="left", maintain_order="left")
    frame = frame.with_columns(pl.col("active_clients", "invoices", "products", "client_months", "under",
                                      "active_net_minor", "month_net_minor", "net_sales_minor").fill_null(0))  # fmt: skip
    clients = pl.col("active_clients")
    columns = [
        pl.col("group"),
        pl.col("period"),
        clients.cast(pl.Int64),
        _mean_minor(pl.col("month_net_minor"), pl.col("client_months")).alias("avg_monthly_purchases_minor"),
    ]
    if threshold_minor is not None:
        columns.append(_ratio(pl.col("under"), pl.col("client_months")).alias("under_threshold_share"))
    columns += [
        pl.col("invoices").cast(pl.Int64),
        _ratio(pl.col("invoices"), clients).alias("orders_per_client"),
        _mean_minor(pl.col("active_net_minor"), pl.col("invoices")).alias("avg_check_minor"),
        pl.col("retention"),
        (1 - pl.col("retention")).alias("churn"),
        _ratio(pl.col("products"), clients).alias("breadth"),
        pl.col("net_sales_minor").cast(pl.Int64),
    ]
    return frame.select(columns)


def _retention(active: pl.DataFrame, periods: list[str]) -> pl.DataFrame:
    """Per group and period: of the clients active in the previous period (in that group then), the share
    active now (in any group). Null for the first period and after a period without active clients."""
    following = pl.DataFrame({"period": periods[:-1], "next": periods[1:]}, schema={"period": pl.Utf8, "next": pl.Utf8})
    before = active.select("group", "customer", "period").join(following, on="period")
    now = active.select("customer", pl.col("period").alias("next")).unique()
    kept = before.join(now, on=["customer", "next"], how="semi")
    base = before.group_by("group", "next").agg(pl.len().alias("base"))
    stayed = kept.group_by("group", "next").agg(pl.len().alias("kept"))
    joined = base.join(stayed, on=["group", "next"], how="left").with_columns(pl.col("kept").fill_null(0))
    ratio = _ratio(pl.col("kept"), pl.col("base")).alias("retention")
    return joined.select("group", pl.col("next").alias("period"), ratio, "base", "kept")


def _coverage(lines: pl.DataFrame, period: Period, periods: list[str]) -> pl.DataFrame:
    """``complete``: the history covers the whole period (from its first day to its last)."""
    frame = pl.DataFrame({"period": periods}, schema={"period": pl.Utf8})
    if not periods:
        return frame.with_columns(complete=pl.lit(True))
    first, last = lines["at"].min().date(), lines["at"].max().date()
    starts, ends = zip(*(_bounds(key) for key in periods), strict=True)
    return frame.with_columns(complete=pl.Series([first <= s and e <= last for s, e in zip(starts, ends, strict=True)]))


def _bounds(key: str) -> tuple[date, date]:
    year = int(key[:4])
    first_month = (int(key[-1]) - 1) * 3 + 1 if "Q" in key else int(key[5:7])
    last_month = first_month + (2 if "Q" in key else 0)
    after = date(year + 1, 1, 1) if last_month == 12 else date(year, last_month + 1, 1)
    return date(year, first_month, 1), date.fromordinal(after.toordinal() - 1)


def _mean_minor(total: pl.Expr, count: pl.Expr) -> pl.Expr:
    """total / count in integer minor units, half away from zero; null when count is 0."""
    rounded = (2 * total.abs() + count) // (2 * count) * total.sign()
    return pl.when(count > 0).then(rounded).otherwise(None).cast(pl.Int64)


def _ratio(part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    return pl.when(whole > 0).then(part.cast(pl.Float64) / whole).otherwise(None)


def period_of_keys(keys: pl.Expr, period: Period) -> pl.Expr:
    """Month keys ("2011-03") -> the period's keys; quarter keys stay."""
    if period == "month":
        return keys
    month = keys.str.slice(5, 2).cast(pl.Int32, strict=False)
    quarter = keys.str.slice(0, 4) + "-Q" + ((month - 1) // 3 + 1).cast(pl.Utf8)
    return pl.when(keys.str.contains(_QUARTER)).then(keys).otherwise(quarter)


def _period_keys(frame: pl.DataFrame, period: Period, what: str) -> pl.DataFrame:
    """The frame's ``period`` column as text keys of ``period``: dates become their month, months pool into
    quarters; anything else is refused."""
    if "period" not in frame.columns:
        raise InvalidInput(f"the {what} frame has no period column", code=f"invalid_{what}", field="period")
    column = frame.schema["period"]
    text = pl.col("period").cast(pl.Utf8).str.strip_chars()
    dated = text.str.contains(r"^\d{4}-\d{2}-\d{2}")  # a date as text: its month
    keys = pl.col("period").dt.strftime("%Y-%m") if column.is_temporal() else pl.when(dated).then(
        text.str.slice(0, 7)).otherwise(text)  # fmt: skip
    frame = frame.with_columns(keys.alias("period"))
    wrong = frame.filter(~pl.col("period").str.contains(_MONTH) & ~pl.col("period").str.contains(_QUARTER))
    quarterly = frame.filter(pl.col("period").str.contains(_QUARTER)).height
    if wrong.height or (period == "month" and quarterly):
        sample = (wrong["period"] if wrong.height else frame["period"]).head(3).to_list()
        raise InvalidInput(f"{what} periods must be months like 2011-03 (or quarters like 2011-Q1 for quarterly "
                           f"KPIs), got {sample}", code=f"invalid_{what}", field="period")  # fmt: skip
    return frame.with_columns(period_of_keys(pl.col("period"), period))


def _membership(membership: pl.DataFrame | Iterable[str], period: Period, periods: list[str]) -> pl.DataFrame:
    if not isinstance(membership, pl.DataFrame):
        ids = pl.DataFrame({"customer": sorted({str(c) for c in membership})}, schema={"customer": pl.Utf8})
        return ids.join(pl.DataFrame({"period": periods}, schema={"period": pl.Utf8}), how="cross").with_columns(
            member=pl.lit(True)
        )
    if "customer" not in membership.columns:
        raise InvalidInput("the membership frame has no customer column", code="invalid_membership", field="customer")
    frame = membership if "member" in membership.columns else membership.with_columns(member=pl.lit(True))
    frame = _period_keys(frame.select("customer", "period", "member"), period, "membership")
    return frame.group_by(pl.col("customer").cast(pl.Utf8), "period").agg(pl.col("member").cast(pl.Boolean).any())


def _program_table(
    table: pl.DataFrame,
    by_membership: pl.DataFrame | None,
    program: pl.DataFrame | None,
    period: Period,
) -> pl.DataFrame:
    """Participation (active members / active clients) and the program's rates per period."""
    frame = table.select("period", "active_clients")
    if by_membership is not None:
        members = by_membership.filter(pl.col("group") == "member").select(
            "period", pl.col("active_clients").alias("members")
        )
        frame = frame.join(members, on="period", how="left", maintain_order="left")
    else:
        frame = frame.with_columns(members=pl.lit(None, dtype=pl.Int64))
    frame = frame.with_columns(_ratio(pl.col("members"), pl.col("active_clients")).alias("participation_rate"))
    if program is None:
        return frame
    missing = [c for c in PROGRAM_COLUMNS if c not in program.columns]
    if missing:
        raise InvalidInput(f"the program figures lack the column(s) {', '.join(missing)}",
                           code="invalid_program", field=missing[0])  # fmt: skip
    figures = _period_keys(program.select("period", *PROGRAM_COLUMNS), period, "program")
    figures = figures.group_by("period").agg(pl.col(c).cast(pl.Int64).sum() for c in PROGRAM_COLUMNS)
    frame = frame.join(figures, on="period", how="left", maintain_order="left")
    return frame.with_columns(
        _ratio(pl.col("earned_minor"), pl.col("sales_minor")).alias("earn_rate"),
        _ratio(pl.col("spent_minor"), pl.col("earned_minor")).alias("burn_rate"),
        _ratio(pl.col("expired_minor"), pl.col("earned_minor")).alias("expiry_rate"),
        _ratio(pl.col("spent_minor"), pl.col("sales_minor")).alias("program_cost_share"),
    )
