"""`loyalka analyze import | kpis | rfm`: what a history holds, its client KPIs by month or quarter, and its RFM
segments, printed and written as HTML and XLSX reports (registered on the analyze group by cli/analyze.py)."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from loyalka.analytics.history import History
from loyalka.analytics.report import Report, for_display
from loyalka.cli.analyze import (
    Currency,
    DateFormat,
    HistoryFile,
    Maps,
    Out,
    Preset,
    Sheet,
    Timezone,
    Xlsx,
    analyze_app,
    load_history,
    mapping_of,
    write_report,
)
from loyalka.cli.common import console, fail, progress
from loyalka.domain.money import parse_minor
from loyalka.errors import InvalidInput, LoyaltyError

Charts = Annotated[Path | None, typer.Option(help="Also write the report's charts as PNG files into this folder.")]


def _read(file: Path, preset: str | None, maps: list[str] | None, date_format: str | None, currency: str | None,
          timezone: str | None, sheet: str | None) -> History:  # fmt: skip
    with progress() as bar:
        bar.add_task("reading the history", total=None)
        return load_history(file, preset, maps, date_format=date_format, currency=currency, timezone=timezone,
                            sheet=sheet)  # fmt: skip


@analyze_app.command("import")
def analyze_import(
    file: HistoryFile,
    preset: Preset = None,
    maps: Maps = None,
    date_format: DateFormat = None,
    currency: Currency = None,
    timezone: Timezone = None,
    sheet: Sheet = None,
    out: Out = None,
    xlsx: Xlsx = None,
) -> None:
    """Read a history and say what it holds: rows, lines by kind, cancellations and returns, rows without a
    customer, customers, invoices, the period and the value."""
    from loyalka.analytics.history_summary import summarize_history, summary_lines
    from loyalka.analytics.kpis_report import import_report

    started = time.perf_counter()
    history = _read(file, preset, maps, date_format, currency, timezone, sheet)
    prefix = mapping_of(preset, maps).return_prefix
    summary = summarize_history(history, cancellation_prefix=prefix)
    for line in summary_lines(summary):
        console.print(line, markup=False)
    write_report(import_report(history, summary), out, xlsx)
    console.print(f"done in {time.perf_counter() - started:.1f} s")


@analyze_app.command("kpis")
def analyze_kpis(
    file: HistoryFile,
    period: Annotated[str, typer.Option(help="month or quarter.")] = "month",
    threshold: Annotated[
        str | None, typer.Option(help="Monthly purchases threshold in major units (e.g. 600 or 7500.00).")
    ] = None,
    members: Annotated[
        Path | None, typer.Option(help="CSV of members: customer [, period, member] (members vs non-members).")
    ] = None,
    program_figures: Annotated[
        Path | None,
        typer.Option(help="CSV of the program's figures: period, sales, earned, spent, expired (or *_minor)."),
    ] = None,
    preset: Preset = None,
    maps: Maps = None,
    date_format: DateFormat = None,
    currency: Currency = None,
    timezone: Timezone = None,
    sheet: Sheet = None,
    out: Out = None,
    xlsx: Xlsx = None,
    charts: Charts = None,
) -> None:
    """Client KPIs by month or quarter: active clients, monthly purchases, share under a threshold, order
    frequency, average check, retention, churn, breadth, net sales; members vs non-members and the program's
    rates when given."""
    from loyalka.analytics.kpis_history import period_kpis, whole_history
    from loyalka.analytics.kpis_inputs import read_membership, read_program_figures
    from loyalka.analytics.kpis_report import kpis_report, whole_history_lines

    started = time.perf_counter()
    try:
        if period not in ("month", "quarter"):
            raise InvalidInput(f"--period {period!r}: give month or quarter", code="invalid_period", field="period")
        threshold_minor = parse_minor(threshold, field="threshold") if threshold is not None else None
        membership = read_membership(members) if members is not None else None
        figures = read_program_figures(program_figures) if program_figures is not None else None
    except LoyaltyError as exc:
        fail(exc)
    history = _read(file, preset, maps, date_format, currency, timezone, sheet)
    try:
        with progress() as bar:
            bar.add_task("computing the KPIs", total=None)
            computed = {p: period_kpis(history.lines, period=p, threshold_minor=threshold_minor,  # type: ignore[arg-type]
                                       membership=membership, program=figures) for p in ("month", "quarter")}  # fmt: skip
            whole = whole_history(history.lines, threshold_minor=threshold_minor)
            report = kpis_report(history, computed[period], computed["month"], computed["quarter"], whole)
    except LoyaltyError as exc:
        fail(exc)
    chosen = computed[period]
    print_frame(chosen.table, f"KPIs by {period} ({history.currency})")
    for extra, title in ((chosen.by_membership, "members and non-members"), (chosen.program, "the program")):
        if extra is not None:
            print_frame(extra, title)
    for line in whole_history_lines(whole, threshold_minor, history.currency):
        console.print(line, markup=False)
    _finish(report, out, xlsx, charts, "kpis", started)


@analyze_app.command("rfm")
def analyze_rfm(
    file: HistoryFile,
    at: Annotated[
        str | None, typer.Option(help="Reference date YYYY-MM-DD (default: the day after the last line).")
    ] = None,
    segment_csv: Annotated[Path | None, typer.Option(help="Write a CSV of each segment's clients here.")] = None,
    preset: Preset = None,
    maps: Maps = None,
    date_format: DateFormat = None,
    currency: Currency = None,
    timezone: Timezone = None,
    sheet: Sheet = None,
    out: Out = None,
    xlsx: Xlsx = None,
    charts: Charts = None,
) -> None:
    """RFM segments: recency, frequency, monetary scores 1-5, eleven named segments, their sizes and revenue
    shares, and each segment's clients (a sheet each in the workbook; a CSV each with --segment-csv)."""
    from loyalka.analytics.kpis_report import rfm_report
    from loyalka.analytics.rfm import rfm

    started = time.perf_counter()
    try:
        reference = _date(at) if at is not None else None
    except LoyaltyError as exc:
        fail(exc)
    history = _read(file, preset, maps, date_format, currency, timezone, sheet)
    with progress() as bar:
        bar.add_task("scoring clients", total=None)
        result = rfm(history.lines, at=reference)
        if result.clients.height == 0:
            fail(InvalidInput(f"no client has a positive net before {result.at}", code="no_clients", field="at"))
        report = rfm_report(history, result)
    print_frame(result.segments, f"RFM segments as of {result.at} ({history.currency})")
    console.print(f"{result.clients.height:,} clients scored; {result.left_out_clients:,} with a net of zero or less "
                  "left out")  # fmt: skip
    try:
        if segment_csv is not None:
            written = write_segment_csvs(result.clients, segment_csv)
            console.print(f"segment lists: {len(written)} CSV file(s) in {segment_csv}")
    except LoyaltyError as exc:
        fail(exc)
    _finish(report, out, xlsx, charts, "kpis", started)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"--at {text!r} is not a date like 2011-12-10", code="invalid_date", field="at") from exc


def _finish(
    report: Report, out: Path | None, xlsx: Path | None, charts: Path | None, prefix: str, started: float
) -> None:
    write_report(report, out, xlsx)
    if charts is not None:
        try:
            for path in write_charts(report, charts, prefix):
                console.print(f"chart: {path}")
        except LoyaltyError as exc:
            fail(exc)
    console.print(f"done in {time.perf_counter() - started:.1f} s")


def _folder(folder: Path, what: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"cannot create {folder}: {exc.strerror}", code="cannot_write", field=what) from exc


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name.replace("'", "")).strip("_")


def write_charts(report: Report, folder: Path, prefix: str) -> list[Path]:
    """Each chart of the report as ``<prefix>_<name>.png`` in ``folder`` (created if need be)."""
    _folder(folder, "charts")
    written = []
    for section in report.sections:
        for chart in section.charts:
            path = folder / f"{prefix}_{_slug(chart.name)}.png"
            path.write_bytes(chart.png)
            written.append(path)
    return written


def write_segment_csvs(clients: pl.DataFrame, folder: Path) -> list[Path]:
    """A CSV per segment (``champions.csv``, ``cant_lose_them.csv``...), money in major units; every segment gets
    its file, an empty one a header only."""
    from loyalka.analytics.rfm import SEGMENTS, segment_slug

    _folder(folder, "segment_csv")
    written = []
    for name in SEGMENTS:
        path = folder / f"{segment_slug(name)}.csv"
        for_display(clients.filter(pl.col("segment") == name)).write_csv(path)
        written.append(path)
    return written


def _text(name: str, value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and (name in ("retention", "churn") or name.endswith(("_share", "_rate"))):
        return f"{100 * value:.1f}%"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def print_frame(frame: pl.DataFrame, title: str) -> None:
    """A frame as a console table, money in major units, shares in percent."""
    shown = for_display(frame)
    table = Table(title=title, title_justify="left")
    for name in shown.columns:
        table.add_column(name.replace("_", " "), justify="left" if shown.schema[name] == pl.Utf8 else "right")
    for row in shown.iter_rows(named=True):
        table.add_row(*(_text(k, v) for k, v in row.items()))
    console.print(table)
