"""Optional inputs of the driver analysis beside the history: client attributes and invoice payments.

Client attributes (``--clients FILE``, CSV or XLSX, one row per client; headers read case-insensitively):

    customer   required  the client's account, as in the history
    industry   optional  its industry (a categorical factor of the tree)
    region     optional  its region; overrides the history's country for that client when not empty
    (any other column is ignored and named in the report)

Payments (``--payments FILE``, CSV or XLSX, one row per invoice):

    customer   required
    due        required  the due date, ISO 8601 (YYYY-MM-DD; a time after it is ignored)
    paid       optional  the payment date, ISO 8601; empty when not paid
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from loyalka.errors import InvalidInput

CLIENT_COLUMNS = ("customer", "industry", "region")
PAYMENT_COLUMNS = ("customer", "due", "paid")
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}([T ].*)?$"


def read_table(path: str | Path) -> pl.DataFrame:
    """A CSV or XLSX file as text columns with trimmed values (empty -> null) and lower-case headers."""
    path = Path(path)
    if not path.exists():
        raise InvalidInput(f"no such file: {path}", code="file_not_found", field="file")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            raw = pl.read_excel(path, engine="openpyxl", infer_schema_length=0)
        else:
            raw = pl.read_csv(path, infer_schema_length=0)
    except pl.exceptions.NoDataError as exc:
        raise InvalidInput(f"{path}: the file is empty", code="empty_file", field="file") from exc
    except (pl.exceptions.ComputeError, OSError, ValueError) as exc:
        raise InvalidInput(f"{path}: cannot be read: {exc}", code="unreadable_file", field="file") from exc
    raw = raw.select(pl.all().cast(pl.Utf8))
    return raw.rename({c: c.strip().lower() for c in raw.columns}).with_columns(
        pl.all().str.strip_chars().replace("", None)
    )


def read_clients(path: str | Path) -> pl.DataFrame:
    """Client attributes: ``customer`` and whichever of ``industry``, ``region`` the file has (see the module)."""
    frame = read_table(path)
    _require(frame, path, ("customer",))
    frame = frame.filter(pl.col("customer").is_not_null())
    _no_duplicates(frame, path)
    return frame.select([c for c in CLIENT_COLUMNS if c in frame.columns])


def ignored_client_columns(path: str | Path) -> list[str]:
    return [c for c in read_table(path).columns if c not in CLIENT_COLUMNS]


def read_payments(path: str | Path) -> pl.DataFrame:
    """Payments: ``customer``, ``due`` (Date), ``paid`` (Date, null when unpaid)."""
    frame = read_table(path)
    _require(frame, path, ("customer", "due"))
    if "paid" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias("paid"))
    frame = frame.with_row_index("line", offset=2).filter(pl.col("customer").is_not_null())
    for column in ("due", "paid"):
        text = pl.col(column)
        parsed = pl.when(text.str.contains(_ISO_DATE)).then(text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))
        frame = frame.with_columns(parsed.alias(f"{column}_date"))
        bad = frame.filter((text.is_not_null() | (column == "due")) & pl.col(f"{column}_date").is_null())
        if bad.height:
            sample = ", ".join(f"line {r} ({v!r})" for r, v in bad.select("line", column).head(3).iter_rows())
            raise InvalidInput(f"{path}: {bad.height} row(s) have a {column} date that is not YYYY-MM-DD: {sample}",
                               code="invalid_date", field=column)  # fmt: skip
    frame = frame.select("customer", pl.col("due_date").alias("due"), pl.col("paid_date").alias("paid"))
    return frame.select(PAYMENT_COLUMNS)


def _require(frame: pl.DataFrame, path: str | Path, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidInput(
            f"{path}: the file lacks the column(s) {', '.join(missing)}; it has {', '.join(frame.columns) or 'none'}",
            code="missing_columns",
            field=missing[0],
        )


def _no_duplicates(frame: pl.DataFrame, path: str | Path) -> None:
    twice = frame.group_by("customer").len().filter(pl.col("len") > 1).sort("customer")
    if twice.height:
        names = ", ".join(twice["customer"].head(3).to_list())
        raise InvalidInput(f"{path}: {twice.height} client(s) appear on more than one row: {names}",
                           code="duplicate_client", field="customer")  # fmt: skip
