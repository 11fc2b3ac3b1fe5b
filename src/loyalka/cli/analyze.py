"""`loyalka analyze ...`: analyses of a sales history; the options every analysis command shares (the history
file, its column mapping, the report files) and reading the history with them."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from loyalka.analytics.history import FIELDS, PRESETS, ColumnMap, History, read_history
from loyalka.analytics.report import Report
from loyalka.cli.common import console, fail
from loyalka.errors import InvalidInput, LoyaltyError

analyze_app = typer.Typer(help="Analyses of a sales history: KPIs, RFM, drivers.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(analyze_app, name="analyze")


HistoryFile = Annotated[Path, typer.Argument(help="Invoice lines: CSV (.csv or .csv.gz) or XLSX.")]
Preset = Annotated[
    str | None, typer.Option(help=f"A known layout: {', '.join(PRESETS)} (the --map options override its columns).")
]
Maps = Annotated[
    list[str] | None,
    typer.Option("--map", help=f"FIELD=COLUMN, repeatable; fields: {', '.join(FIELDS)}."),
]
DateFormat = Annotated[
    str | None, typer.Option(help="strptime format of the dates, e.g. '%d.%m.%Y %H:%M' (default ISO).")
]
Currency = Annotated[str | None, typer.Option(help="The history's currency (default: the preset's, else RUB).")]
Timezone = Annotated[
    str | None, typer.Option(help="The zone of its times (default: the preset's, else Europe/Moscow).")
]
Sheet = Annotated[str | None, typer.Option(help="The XLSX sheet (default: the first).")]
Out = Annotated[Path | None, typer.Option(help="Write the report as one HTML page here.")]
Xlsx = Annotated[Path | None, typer.Option(help="Write the report's tables as an XLSX workbook here.")]


def mapping_of(
    preset: str | None,
    maps: list[str] | None,
    *,
    date_format: str | None = None,
    currency: str | None = None,
    timezone: str | None = None,
) -> ColumnMap:
    """The column mapping of a command's options: a preset, changed by --map FIELD=COLUMN and the rest."""
    if preset is not None and preset not in PRESETS:
        raise InvalidInput(f"no preset {preset!r}; known: {', '.join(PRESETS)}", code="unknown_preset", field="preset")
    changes: dict[str, object] = {}
    for item in maps or []:
        name, sep, column = item.partition("=")
        if not sep or name.strip() not in FIELDS or not column.strip():
            raise InvalidInput(
                f"--map {item!r}: write FIELD=COLUMN with FIELD one of {', '.join(FIELDS)}", code="invalid_mapping",
                field="map",
            )  # fmt: skip
        changes[name.strip()] = column.strip()
    for key, value in (("date_format", date_format), ("currency", currency), ("timezone", timezone)):
        if value is not None:
            changes[key] = value
    if preset is not None:
        base = PRESETS[preset]
        if "price" in changes:
            changes.setdefault("amount", None)
        if "amount" in changes:
            changes.setdefault("price", None)
        return dataclasses.replace(base, **changes)  # type: ignore[arg-type]
    required = ("customer", "invoice", "date", "sku")
    absent = [f for f in required if f not in changes]
    if absent:
        raise InvalidInput(
            f"give --preset or map the columns {', '.join(absent)} (--map {absent[0]}=COLUMN)",
            code="invalid_mapping",
            field="map",
        )
    return ColumnMap(**changes)  # type: ignore[arg-type]


def load_history(
    file: Path,
    preset: str | None,
    maps: list[str] | None,
    *,
    date_format: str | None = None,
    currency: str | None = None,
    timezone: str | None = None,
    sheet: str | None = None,
) -> History:
    """Read the history a command names, or end the command with the error (exit 1)."""
    try:
        mapping = mapping_of(preset, maps, date_format=date_format, currency=currency, timezone=timezone)
        return read_history(file, mapping, sheet=sheet)
    except LoyaltyError as exc:
        fail(exc)
        raise  # pragma: no cover - fail() exits


def write_report(report: Report, out: Path | None, xlsx: Path | None) -> None:
    """Write the report where the options say, and say where; without either, say how to get it."""
    try:
        if out is not None:
            console.print(f"report: {report.write_html(out)}")
        if xlsx is not None:
            console.print(f"workbook: {report.write_xlsx(xlsx)}")
    except LoyaltyError as exc:
        fail(exc)
    if out is None and xlsx is None:
        console.print("(give --out FILE.html and/or --xlsx FILE.xlsx to write the report)")


from loyalka.cli import drivers as _drivers  # noqa: E402, F401 - registers `analyze drivers`
from loyalka.cli import kpis as _kpis  # noqa: E402, F401 - registers analyze import | kpis | rfm
