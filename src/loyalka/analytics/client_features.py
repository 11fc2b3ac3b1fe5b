"""Client features over a window of the history: what the driver analysis (seed 003) explains sales with.

One row per client who bought in the window ``[start, end)`` (at least one sale invoice), sorted by customer:

    customer            Utf8
    region              Utf8     the country of most of its lines in the window (ties: alphabetical); "unknown"
                                 when none; a client attributes frame's ``region`` overrides it
    industry            Utf8     from the client attributes frame (``industry``), "unknown" when not given there
    orders              Int64    sale invoices in the window
    months_active       Float64  from its first purchase in the window to the window's end, in months of 30.4375
                                 days, at least 1
    orders_per_month    Float64  orders / months active
    breadth             Int64    distinct products (SKUs) bought in the window
    sales_minor         Int64    value of its sale lines
    returns_minor       Int64    value of its returned lines (positive)
    net_revenue_minor   Int64    sales - returns: the purchase volume
    monthly_revenue_minor Int64  net revenue / months active, rounded to the minor unit: its run rate
    cost_minor          Int64    cost of its lines net of returns; null unless every line of the client has a cost
    avg_check_minor     Int64    sales / orders, rounded down to the minor unit
    tenure_months       Float64  months from its first purchase in the whole history before ``end`` to ``end``
    returns_share       Float64  returns / sales (0 when nothing was sold for money)
    recency_days        Int64    days from the date of its last purchase in the window to the window's last day
    first_order, last_order  Date  its first and last purchase in the window
    category_share:<c>  Float64  share of its sales in category c (the 8 biggest categories, the rest in "other"),
                                 only when the history has categories
    late_payment_share  Float64  share of its invoices due by the window's last day paid after the due date or not
    days_late_mean      Float64  mean days late over them (unpaid: days overdue at the window's last day); both only
                                 with a payments frame, NaN for a client it does not cover

``FACTORS`` names the factor each feature column speaks of, so a tree's importances can be summed per factor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl

from loyalka.errors import InvalidInput

MONTH_DAYS = 365.25 / 12
TOP_CATEGORIES = 8
UNKNOWN = "unknown"

# feature column (or its prefix) -> the factor it speaks of; categorical factors are one-hot encoded by the tree
FACTORS: dict[str, str] = {
    "region": "region",
    "industry": "industry",
    "orders_per_month": "order frequency",
    "breadth": "assortment breadth",
    "category_share:": "category mix",
    "avg_check_minor": "average check",
    "tenure_months": "tenure",
    "returns_share": "returns share",
    "recency_days": "recency",
    "late_payment_share": "payment discipline",
    "days_late_mean": "payment discipline",
}
CATEGORICAL = ("region", "industry")
COLUMNS = (
    "customer", "region", "industry", "orders", "months_active", "orders_per_month", "breadth", "sales_minor",
    "returns_minor", "net_revenue_minor", "monthly_revenue_minor", "cost_minor", "avg_check_minor", "tenure_months",
    "returns_share", "recency_days", "first_order", "last_order",
)  # fmt: skip


@dataclass(frozen=True)
class Window:
    """Lines at ``start <= at < end`` (naive local times). ``as_of`` is the window's last day."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidInput(f"the window ends ({self.end:%Y-%m-%d}) before it starts ({self.start:%Y-%m-%d})",
                               code="empty_window", field="window")  # fmt: skip

    @property
    def as_of(self) -> date:
        return (self.end - timedelta(microseconds=1)).date()

    @property
    def middle(self) -> datetime:
        return self.start + timedelta(days=(self.end - self.start).days // 2)  # a day boundary: halves of whole days

    def halves(self) -> tuple[Window, Window]:
        return Window(self.start, self.middle), Window(self.middle, self.end)

    @classmethod
    def of(cls, lines: pl.DataFrame, start: date | None = None, end: date | None = None) -> Window:
        """The window of days ``start..end`` (both included); by default from the first line's day to the last's."""
        if start is None or end is None:
            if lines.height == 0:
                raise InvalidInput("the history has no sales of clients", code="empty_window", field="window")
            start = start or lines["at"].min().date()  # type: ignore[union-attr]
            end = end or lines["at"].max().date()  # type: ignore[union-attr]
        return cls(datetime.combine(start, datetime.min.time()), datetime.combine(end + timedelta(days=1),
                                                                                  datetime.min.time()))  # fmt: skip

    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} to {self.as_of:%Y-%m-%d}"


def client_features(
    client_lines: pl.DataFrame,
    window: Window,
    *,
    clients: pl.DataFrame | None = None,
    payments: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The features of every client who bought in the window (see the module's docstring).

    ``client_lines`` are ``History.client_lines`` (sales and returns of clients); ``clients`` an attributes frame
    (``customer`` and optionally ``industry``, ``region``: see ``read_clients``); ``payments`` a frame of
    ``customer``, ``due`` (Date), ``paid`` (Date, null when unpaid) — see ``read_payments``."""
    inside = client_lines.filter((pl.col("at") >= window.start) & (pl.col("at") < window.end))
    sale = pl.col("kind") == "sale"
    features = (
        inside.group_by("customer")
        .agg(
            pl.col("invoice").filter(sale).n_unique().cast(pl.Int64).alias("orders"),
            pl.col("sku").filter(sale).n_unique().cast(pl.Int64).alias("breadth"),
            pl.col("amount_minor").filter(sale).sum().alias("sales_minor"),
            (-pl.col("amount_minor").filter(~sale).sum()).alias("returns_minor"),
            pl.col("amount_minor").sum().alias("net_revenue_minor"),
            pl.when(pl.col("cost_minor").is_not_null().all()).then(pl.col("cost_minor").sum()).alias("cost_minor"),
            pl.col("at").filter(sale).min().alias("first_at"),
            pl.col("at").filter(sale).max().alias("last_at"),
        )
        .filter(pl.col("orders") > 0)
    )
    first_ever = (
        client_lines.filter((pl.col("kind") == "sale") & (pl.col("at") < window.end))
        .group_by("customer")
        .agg(pl.col("at").min().alias("first_ever"))
    )
    end, as_of = pl.lit(window.end), pl.lit(window.as_of)
    features = features.join(first_ever, on="customer", how="left").with_columns(
        _months(end - pl.col("first_at")).clip(lower_bound=1.0).alias("months_active"),
        (pl.col("sales_minor") // pl.col("orders")).alias("avg_check_minor"),
        _months(end - pl.col("first_ever")).alias("tenure_months"),
        pl.when(pl.col("sales_minor") > 0)
        .then(pl.col("returns_minor") / pl.col("sales_minor"))
        .otherwise(0.0)
        .alias("returns_share"),
        (as_of - pl.col("last_at").dt.date()).dt.total_days().cast(pl.Int64).alias("recency_days"),
        pl.col("first_at").dt.date().alias("first_order"),
        pl.col("last_at").dt.date().alias("last_order"),
    )
    features = features.with_columns(
        (pl.col("orders") / pl.col("months_active")).alias("orders_per_month"),
        (pl.col("net_revenue_minor") / pl.col("months_active")).round().cast(pl.Int64).alias("monthly_revenue_minor"),
    ).join(regions(inside), on="customer", how="left")
    features = _with_attributes(features, clients)
    features = features.join(category_shares(inside), on="customer", how="left")
    if payments is not None:
        features = features.join(payment_discipline(payments, window.as_of), on="customer", how="left")
        features = features.with_columns(pl.col("late_payment_share", "days_late_mean").fill_null(float("nan")))
    shares = [c for c in features.columns if c.startswith("category_share:")]
    paying = [c for c in ("late_payment_share", "days_late_mean") if c in features.columns]
    return features.with_columns(pl.col(shares).fill_null(0.0)).select(*COLUMNS, *shares, *paying).sort("customer")


def _months(span: pl.Expr) -> pl.Expr:
    return span.dt.total_seconds(fractional=True) / (MONTH_DAYS * 86_400)


def regions(inside: pl.DataFrame) -> pl.DataFrame:
    """Each client's region: the one of most of its lines (8 UCI clients appear with two countries)."""
    counted = inside.with_columns(pl.col("region").fill_null(UNKNOWN)).group_by("customer", "region").len()
    return (
        counted.sort(["customer", "len", "region"], descending=[False, True, False])
        .group_by("customer", maintain_order=True)
        .first()
        .select("customer", "region")
    )


def _with_attributes(features: pl.DataFrame, clients: pl.DataFrame | None) -> pl.DataFrame:
    if clients is None:
        return features.with_columns(pl.lit(UNKNOWN).alias("industry"))
    columns = [c for c in ("industry", "region") if c in clients.columns]
    given = clients.select("customer", *[pl.col(c).alias(f"given_{c}") for c in columns])
    joined = features.join(given, on="customer", how="left")
    industry = pl.col("given_industry") if "industry" in columns else pl.lit(None, dtype=pl.Utf8)
    region = pl.coalesce("given_region", "region") if "region" in columns else pl.col("region")
    return joined.with_columns(industry.fill_null(UNKNOWN).alias("industry"), region.alias("region")).drop(
        [f"given_{c}" for c in columns]
    )


def category_shares(inside: pl.DataFrame) -> pl.DataFrame:
    """``category_share:<c>`` per client: the share of its sales in each of the biggest categories (and "other",
    lines without a category included). Empty (only ``customer``) when the history has no categories."""
    sales = inside.filter(pl.col("kind") == "sale")
    if sales["category"].null_count() == sales.height:
        return sales.select("customer").unique()
    ranked = (
        sales.drop_nulls("category").group_by("category").agg(pl.col("amount_minor").sum())
        .sort(["amount_minor", "category"], descending=[True, False])
    )  # fmt: skip
    top = ranked["category"].head(TOP_CATEGORIES).to_list()
    bucket = pl.when(pl.col("category").is_in(top)).then(pl.col("category")).otherwise(pl.lit("other"))
    shares = (
        sales.with_columns(bucket.alias("bucket"))
        .group_by("customer", "bucket")
        .agg(pl.col("amount_minor").sum())
        .with_columns((pl.col("amount_minor") / pl.col("amount_minor").sum().over("customer")).alias("share"))
        .with_columns(pl.col("share").fill_nan(0.0))
        .pivot(on="bucket", index="customer", values="share")
    )
    ordered = [b for b in [*top, "other"] if b in shares.columns]
    return shares.select("customer", *[pl.col(b).alias(f"category_share:{b}") for b in ordered])


def payment_discipline(payments: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Per client, over its invoices due by ``as_of``: the share paid late (after the due date, or not yet paid)
    and the mean days late (0 for one paid on time; an unpaid one counts its days overdue at ``as_of``)."""
    due = payments.filter(pl.col("due") <= as_of)
    settled = pl.when(pl.col("paid").is_null() | (pl.col("paid") > as_of)).then(pl.lit(as_of)).otherwise("paid")
    late_days = (settled - pl.col("due")).dt.total_days().clip(lower_bound=0)
    return due.group_by("customer").agg(
        (late_days > 0).mean().alias("late_payment_share"),
        late_days.mean().cast(pl.Float64).alias("days_late_mean"),
    )


def factor_of(column: str) -> str:
    """The factor a feature column (or a one-hot column ``region=France``) speaks of."""
    name = column.split("=", 1)[0]
    for key, factor in FACTORS.items():
        if name == key or (key.endswith(":") and name.startswith(key)):
            return factor
    raise KeyError(column)
