"""Sales history for analysis without a live program: invoice lines from CSV or XLSX, with a column mapping,
read into one canonical Polars frame that every analysis (KPIs, RFM, drivers, the backtest) starts from.

The canonical frame has a row per invoice line:

    customer      Utf8      the client's account; null when the line has none (left out of per-client figures)
    invoice       Utf8      the document; all its lines share one customer
    at            Datetime  when, as local wall-clock time in ``History.timezone``
    sku           Utf8
    description   Utf8      may be null
    category      Utf8      may be null (the source may have none)
    region        Utf8      the client's region or country; may be null
    quantity      Float64   units (negative on returns); never used for money
    amount_minor  Int64     the line's value in minor units (pence, kopecks), quantity x unit price rounded to
                            the minor unit half away from zero; negative on returns
    cost_minor    Int64     the line's cost in minor units when a cost price is mapped, else null
    kind          Utf8      sale | return | adjustment | non_product

``return``: a line of a cancellation invoice (its number starts with the mapping's prefix, "C" in the UCI data)
or a negative quantity of a client; ``adjustment``: a stock write-off or a bookkeeping line (a negative quantity
without a client outside a cancellation, an invoice with the adjustment prefix); ``non_product``: fees, postage and the like (the mapping's
``non_product`` codes), kept for revenue reconciliation but left out of points and product analytics.
Money is exact: prices are read as decimals, never as floats.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Literal

import polars as pl

from loyalka.errors import InvalidInput

KINDS = ("sale", "return", "adjustment", "non_product")
_ISO = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"  # dates without --date-format
FIELDS = ("customer", "invoice", "date", "sku", "quantity", "price", "amount", "description", "region", "category",
          "cost")  # fmt: skip


@dataclass(frozen=True)
class ColumnMap:
    """Which source column holds each field, and how to read the source. ``price`` is a unit price (the line's
    value is quantity x price); ``amount`` is the line's value itself: give one of the two. ``cost`` is a unit cost
    price when ``price`` is given, else the line's cost."""

    customer: str
    invoice: str
    date: str
    sku: str
    quantity: str | None = None
    price: str | None = None
    amount: str | None = None
    description: str | None = None
    region: str | None = None
    category: str | None = None
    cost: str | None = None
    date_format: str | None = None  # strptime format; None: ISO 8601
    return_prefix: str | None = "C"  # an invoice number starting with it is a cancellation
    adjustment_prefix: str | None = "A"  # an invoice number starting with it is a bookkeeping adjustment
    non_product: frozenset[str] = frozenset()
    currency: str = "RUB"
    timezone: str = "Europe/Moscow"

    def __post_init__(self) -> None:
        if (self.price is None) == (self.amount is None):
            raise InvalidInput("map exactly one of price (a unit price) or amount (the line's value)",
                               code="invalid_mapping", field="price")  # fmt: skip
        if self.price is not None and self.quantity is None:
            raise InvalidInput("a unit price needs the quantity column", code="invalid_mapping", field="quantity")

    def source_columns(self) -> dict[str, str]:
        """Field -> source column, for the fields mapped."""
        return {f: getattr(self, f) for f in FIELDS if getattr(self, f) is not None}


# the UCI "Online Retail" data in ../shared/data (see its README): GBP, UK wall-clock time
ONLINE_RETAIL = ColumnMap(
    customer="customer_id",
    invoice="invoice",
    date="invoice_date",
    sku="stock_code",
    quantity="quantity",
    price="unit_price",
    description="description",
    region="country",
    non_product=frozenset(
        {"POST", "DOT", "M", "m", "C2", "D", "S", "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS", "B"}
        | {f"gift_0001_{n}" for n in (10, 20, 30, 40, 50)}
    ),
    currency="GBP",
    timezone="Europe/London",
)

# Loyalka's own orders CSV with a row per line (loyalka import orders)
LOYALKA_ORDERS = ColumnMap(
    customer="account",
    invoice="order_id",
    date="occurred_at",
    sku="sku",
    quantity="quantity",
    amount="amount",
    category="category",
    cost="cost",
    return_prefix=None,
    adjustment_prefix=None,
)

PRESETS = {"online_retail": ONLINE_RETAIL, "loyalka": LOYALKA_ORDERS}


@dataclass
class History:
    """The canonical frame and what reading it found."""

    lines: pl.DataFrame
    currency: str
    timezone: str
    source: str
    rows: int = 0
    rows_without_customer: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def client_lines(self) -> pl.DataFrame:
        """Lines of clients (a customer recorded), sales and returns of products: what per-client figures use."""
        return self.lines.filter(pl.col("customer").is_not_null() & pl.col("kind").is_in(["sale", "return"]))

    @property
    def customers(self) -> int:
        """Clients with product lines (those the per-client figures are about)."""
        return self.client_lines.select(pl.col("customer").n_unique()).item()

    @property
    def all_customers(self) -> int:
        """Every client the file names, on any line."""
        return self.lines.select(pl.col("customer").drop_nulls().n_unique()).item()


def read_history(path: str | Path, mapping: ColumnMap, *, sheet: str | None = None) -> History:
    """Read a CSV (plain or .gz) or an XLSX file of invoice lines into the canonical frame.

    Missing columns, an empty file, dates that do not parse and amounts that are not numbers are refused with
    a message naming the column and the first rows at fault."""
    path = Path(path)
    raw = _read_raw(path, mapping, sheet)
    if raw.height == 0:
        raise InvalidInput(f"{path}: the file has no rows", code="empty_file", field="file")
    missing = [f"{name} (column {column!r})" for name, column in mapping.source_columns().items()
               if column not in raw.columns]  # fmt: skip
    if missing:
        raise InvalidInput(
            f"{path}: the file lacks the mapped column(s) {', '.join(missing)}; it has {', '.join(raw.columns)}",
            code="missing_columns",
            field="header",
        )
    lines = _canonical(raw, mapping, path)
    counts = dict(lines.group_by("kind").len().iter_rows())
    return History(
        lines=lines,
        currency=mapping.currency,
        timezone=mapping.timezone,
        source=str(path),
        rows=raw.height,
        rows_without_customer=lines.filter(pl.col("customer").is_null()).height,
        by_kind={kind: int(counts.get(kind, 0)) for kind in KINDS},
    )


def _read_raw(path: Path, mapping: ColumnMap, sheet: str | None) -> pl.DataFrame:
    text_columns = {column: pl.Utf8 for column in mapping.source_columns().values()}
    if not path.exists():
        raise InvalidInput(f"no such file: {path}", code="file_not_found", field="file")
    suffixes = "".join(path.suffixes).lower()
    try:
        if suffixes.endswith((".xlsx", ".xlsm")):
            frame = pl.read_excel(path, sheet_name=sheet, engine="openpyxl", infer_schema_length=0)
            return frame.select(pl.all().cast(pl.Utf8))
        if suffixes.endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                data = handle.read()
            return pl.read_csv(data, schema_overrides=text_columns, infer_schema_length=0)
        return pl.read_csv(path, schema_overrides=text_columns, infer_schema_length=0)
    except pl.exceptions.NoDataError as exc:
        raise InvalidInput(f"{path}: the file is empty", code="empty_file", field="file") from exc
    except (pl.exceptions.ComputeError, OSError, ValueError) as exc:
        raise InvalidInput(f"{path}: cannot be read as {_format(path)}: {exc}", code="unreadable_file",
                           field="file") from exc  # fmt: skip


def _format(path: Path) -> str:
    return "XLSX" if path.suffix.lower() in (".xlsx", ".xlsm") else "CSV"


def _canonical(raw: pl.DataFrame, m: ColumnMap, path: Path) -> pl.DataFrame:
    def text(name: str | None) -> pl.Expr:
        return pl.col(name).str.strip_chars().replace("", None) if name else pl.lit(None, dtype=pl.Utf8)

    frame = raw.with_row_index("row", offset=2).select(
        "row",
        text(m.customer).alias("customer"),
        text(m.invoice).alias("invoice"),
        text(m.date).alias("date_text"),
        pl.col(m.sku).str.strip_chars().alias("sku"),
        text(m.description).alias("description"),
        text(m.category).alias("category"),
        text(m.region).alias("region"),
        text(m.quantity).alias("quantity_text") if m.quantity else pl.lit("1").alias("quantity_text"),
        text(m.price or m.amount).alias("value_text"),
        text(m.cost).alias("cost_text"),
    )
    frame = frame.with_columns(_dates(frame, m, path), *_numbers(frame, path))
    value = pl.col("value") * pl.col("quantity_dec") if m.price else pl.col("value")
    cost = pl.col("cost") * pl.col("quantity_dec") if m.price else pl.col("cost")
    frame = frame.with_columns(
        _minor(value).alias("amount_minor"),
        _minor(cost).alias("cost_minor"),
        pl.col("quantity_dec").cast(pl.Float64).alias("quantity"),
    )
    return frame.with_columns(_kind(m)).select(
        "customer", "invoice", "at", "sku", "description", "category", "region", "quantity", "amount_minor",
        "cost_minor", "kind",
    )  # fmt: skip


def _dates(frame: pl.DataFrame, m: ColumnMap, path: Path) -> pl.Series:
    texts = frame["date_text"]
    if m.date_format:
        parsed = texts.str.strptime(pl.Datetime("us"), m.date_format, strict=False)
    else:  # ISO 8601 only: a guessed format could read 05/01 as May the 1st
        iso = texts.str.contains(_ISO)
        parsed = pl.Series([None] * len(texts), dtype=pl.Datetime("us"))
        if iso.any():
            read = texts.filter(iso).str.to_datetime(strict=False, time_unit="us")
            if read.dtype != pl.Datetime("us"):  # an offset in the text: its wall-clock time in the program's zone
                read = read.dt.convert_time_zone(m.timezone).dt.replace_time_zone(None)
            parsed = parsed.scatter(iso.arg_true(), read)
    bad = frame.filter(parsed.is_null())
    if bad.height:
        sample = ", ".join(f"line {r} ({v!r})" for r, v in bad.select("row", "date_text").head(3).iter_rows())
        hint = f"the format {m.date_format!r}" if m.date_format else "ISO 8601 (give --date-format otherwise)"
        raise InvalidInput(
            f"{path}: {bad.height} row(s) have a date that does not read as {hint}: {sample}",
            code="invalid_date",
            field="date",
        )
    return parsed.alias("at")


def _numbers(frame: pl.DataFrame, path: Path) -> list[pl.Series]:
    out = []
    for source, name in (("value_text", "value"), ("cost_text", "cost"), ("quantity_text", "quantity_dec")):
        texts = frame[source].str.replace_all(" ", "").str.replace(",", ".", literal=True)
        numbers = texts.str.to_decimal(scale=6)
        bad = frame.filter(texts.is_not_null() & numbers.is_null())
        if bad.height:
            what = {"value": "price or amount", "cost": "cost", "quantity_dec": "quantity"}[name]
            sample = ", ".join(f"line {r} ({v!r})" for r, v in bad.select("row", source).head(3).iter_rows())
            raise InvalidInput(f"{path}: {bad.height} row(s) have a {what} that is not a number: {sample}",
                               code="invalid_number", field=what)  # fmt: skip
        out.append(numbers.alias(name))
    if frame["value_text"].null_count():
        row = frame.filter(pl.col("value_text").is_null())["row"][0]
        raise InvalidInput(f"{path}: line {row} has no price or amount", code="missing_value", field="price")
    return out


def _minor(value: pl.Expr) -> pl.Expr:
    """Decimal money -> integer minor units, half away from zero (exact: decimals all the way)."""
    cents = value * pl.lit(Decimal(100))
    return (cents.abs() + pl.lit(Decimal("0.5"))).floor().cast(pl.Int64) * cents.sign().cast(pl.Int64)


def _kind(m: ColumnMap) -> pl.Expr:
    invoice = pl.col("invoice")
    cancelled = invoice.str.starts_with(m.return_prefix) if m.return_prefix else pl.lit(False)
    adjusted = invoice.str.starts_with(m.adjustment_prefix) if m.adjustment_prefix else pl.lit(False)
    negative = pl.col("quantity") < 0
    no_client = pl.col("customer").is_null()
    return (
        pl.when(adjusted | (negative & no_client & ~cancelled))
        .then(pl.lit("adjustment"))
        .when(pl.col("sku").is_in(list(m.non_product)))
        .then(pl.lit("non_product"))
        .when(cancelled | negative)
        .then(pl.lit("return"))
        .otherwise(pl.lit("sale"))
        .alias("kind")
    )


Period = Literal["month", "quarter"]


def period_key(period: Period) -> pl.Expr:
    """ "2011-03" or "2011-Q1" of each line's date."""
    if period == "month":
        return pl.col("at").dt.strftime("%Y-%m")
    return pl.col("at").dt.year().cast(pl.Utf8) + "-Q" + pl.col("at").dt.quarter().cast(pl.Utf8)
