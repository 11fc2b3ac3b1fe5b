"""The KPIs' optional inputs read from CSV files (`loyalka analyze kpis --members FILE --program-figures FILE`):
a membership and a program's figures per period, in the frames ``period_kpis`` takes."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from loyalka.analytics.kpis_history import PROGRAM_COLUMNS
from loyalka.domain.money import parse_minor
from loyalka.errors import InvalidInput

_TRUE = ("true", "1", "yes", "y", "t")
_FALSE = ("false", "0", "no", "n", "f", "")


def _read(path: Path, what: str) -> pl.DataFrame:
    if not path.exists():
        raise InvalidInput(f"no such file: {path}", code="file_not_found", field=what)
    try:
        frame = pl.read_csv(path, infer_schema_length=0)
    except pl.exceptions.NoDataError as exc:
        raise InvalidInput(f"{path}: the file is empty", code="empty_file", field=what) from exc
    except (pl.exceptions.ComputeError, OSError, ValueError) as exc:
        raise InvalidInput(f"{path}: cannot be read as CSV: {exc}", code="unreadable_file", field=what) from exc
    if frame.height == 0:
        raise InvalidInput(f"{path}: the file has no rows", code="empty_file", field=what)
    return frame.select(pl.all().str.strip_chars())


def read_membership(path: str | Path) -> pl.DataFrame | set[str]:
    """A CSV with a ``customer`` column, and optionally ``period`` (YYYY-MM or YYYY-Qn) and ``member``
    (true/false, 1/0, yes/no). Without ``period`` its customers are members in every period: the result is then
    the set of their ids."""
    path = Path(path)
    frame = _read(path, "members")
    if "customer" not in frame.columns:
        raise InvalidInput(f"{path}: no customer column; it has {', '.join(frame.columns)}",
                           code="missing_columns", field="members")  # fmt: skip
    member = pl.lit("true") if "member" not in frame.columns else pl.col("member").str.to_lowercase().fill_null("")
    frame = frame.with_columns(member.alias("member_text"))
    bad = frame.filter(~pl.col("member_text").is_in([*_TRUE, *_FALSE]))
    if bad.height:
        raise InvalidInput(f"{path}: member must be true or false, got {bad['member_text'].head(3).to_list()}",
                           code="invalid_membership", field="member")  # fmt: skip
    frame = frame.with_columns(pl.col("member_text").is_in(_TRUE).alias("member"))
    if "period" not in frame.columns:
        return set(frame.filter(pl.col("member"))["customer"].drop_nulls().to_list())
    return frame.select("customer", "period", "member")


def read_program_figures(path: str | Path) -> pl.DataFrame:
    """A CSV with ``period`` and the program's sales, points earned, spent and expired per period: either in minor
    units (``sales_minor``, ``earned_minor``, ``spent_minor``, ``expired_minor``, integers) or in major units
    (``sales``, ``earned``, ``spent``, ``expired``, decimals with at most two places)."""
    path = Path(path)
    frame = _read(path, "program_figures")
    out = [pl.col("period")] if "period" in frame.columns else []
    for column in PROGRAM_COLUMNS:
        major = column.removesuffix("_minor")
        if column in frame.columns:
            out.append(_integers(frame, column, path).alias(column))
        elif major in frame.columns:
            out.append(_minor_of(frame, major, path).alias(column))
        else:
            raise InvalidInput(f"{path}: no {column} (or {major}) column; it has {', '.join(frame.columns)}",
                               code="missing_columns", field="program_figures")  # fmt: skip
    if not out or "period" not in frame.columns:
        raise InvalidInput(f"{path}: no period column", code="missing_columns", field="program_figures")
    return frame.select(out)


def _integers(frame: pl.DataFrame, column: str, path: Path) -> pl.Series:
    values = frame[column].cast(pl.Int64, strict=False)
    _refuse(frame[column], values, column, path)
    return values


def _minor_of(frame: pl.DataFrame, column: str, path: Path) -> pl.Series:
    """Major units, exactly: at most two decimals (a third one is refused, never rounded)."""
    values = []
    for text in frame[column].to_list():
        try:
            values.append(parse_minor(text or "", field=column, allow_negative=True))
        except InvalidInput as exc:
            raise InvalidInput(f"{path}: {exc.message}", code="invalid_number", field=column) from exc
    return pl.Series(values, dtype=pl.Int64)


def _refuse(texts: pl.Series, values: pl.Series, column: str, path: Path) -> None:
    bad = texts.filter(values.is_null())
    if bad.len():
        raise InvalidInput(f"{path}: {column} must be a number, got {bad.head(3).to_list()}",
                           code="invalid_number", field=column)  # fmt: skip
