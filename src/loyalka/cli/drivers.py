"""`loyalka analyze drivers FILE`: the B2B driver analysis of seed 003 (analytics.drivers) from the command line."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from loyalka.analytics.client_inputs import ignored_client_columns, read_clients, read_payments
from loyalka.analytics.client_lists import LIST_SIZE, LOST_DAYS, POTENTIAL_FACTOR, SLEEPING_DAYS
from loyalka.analytics.driver_tree import DEFAULT_DEPTH, DEPTHS
from loyalka.analytics.drivers import DriversResult, analyze_drivers
from loyalka.analytics.drivers_report import drivers_report, write_chart
from loyalka.analytics.report import Report
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
    write_report,
)
from loyalka.cli.common import console, fail, progress
from loyalka.errors import InvalidInput, LoyaltyError

TargetOption = Annotated[str, typer.Option(help="volume (net revenue in the window) or growth (second half vs first).")]
ScaleOption = Annotated[
    str, typer.Option(help="log (relative differences; default) or money (the biggest clients weigh most).")
]
DepthOption = Annotated[
    int, typer.Option(help=f"The tree's depth, {DEPTHS.start} to {DEPTHS.stop - 1} (at most 2^N rules).")
]
FromOption = Annotated[str | None, typer.Option("--from", help="First day of the window, YYYY-MM-DD.")]
ToOption = Annotated[str | None, typer.Option("--to", help="Last day of the window (the as-of day), YYYY-MM-DD.")]
SleepingOption = Annotated[int, typer.Option(help="Days without an order after which a repeat client is sleeping.")]
LostOption = Annotated[int, typer.Option(help="Days without an order after which a client is lost.")]
ClientsOption = Annotated[
    Path | None, typer.Option(help="Client attributes, CSV or XLSX: customer [, industry, region].")
]
PaymentsOption = Annotated[Path | None, typer.Option(help="Invoice payments, CSV or XLSX: customer, due [, paid].")]
TopOption = Annotated[int, typer.Option(help="Clients in each gross-profit list.")]
PotentialOption = Annotated[
    float, typer.Option(help="High potential: peers' median monthly revenue at least this many times a client's.")
]
SeedOption = Annotated[int, typer.Option(help="Random seed of the held-out split and the tree.")]
ChartOption = Annotated[Path | None, typer.Option(help="Also write the importances chart as a PNG here.")]


@analyze_app.command("drivers")
def drivers(
    file: HistoryFile,
    target: TargetOption = "volume",
    scale: ScaleOption = "log",
    depth: DepthOption = DEFAULT_DEPTH,
    start: FromOption = None,
    end: ToOption = None,
    sleeping_days: SleepingOption = SLEEPING_DAYS,
    lost_days: LostOption = LOST_DAYS,
    clients: ClientsOption = None,
    payments: PaymentsOption = None,
    top: TopOption = LIST_SIZE,
    potential_factor: PotentialOption = POTENTIAL_FACTOR,
    seed: SeedOption = 0,
    preset: Preset = None,
    maps: Maps = None,
    date_format: DateFormat = None,
    currency: Currency = None,
    timezone: Timezone = None,
    sheet: Sheet = None,
    out: Out = None,
    xlsx: Xlsx = None,
    chart: ChartOption = None,
) -> None:
    """Which client factors drive sales (a decision tree), the highest and lowest gross profit, high-potential,
    sleeping and lost clients (seed 003)."""
    began = time.perf_counter()
    with progress() as bar:
        task = bar.add_task("reading the history", total=3)
        history = load_history(file, preset, maps, date_format=date_format, currency=currency, timezone=timezone,
                               sheet=sheet)  # fmt: skip
        bar.update(task, advance=1, description="fitting the tree, building the lists")
        try:
            attributes = read_clients(clients) if clients else None
            paid = read_payments(payments) if payments else None
            result = analyze_drivers(
                history, target=target, scale=scale, depth=depth, start=_day(start, "from"), end=_day(end, "to"),  # type: ignore[arg-type]
                clients=attributes, payments=paid, sleeping_days=sleeping_days, lost_days=lost_days, list_size=top,
                potential_factor=potential_factor, seed=seed,
            )  # fmt: skip
            bar.update(task, advance=1, description="writing the report")
            report = drivers_report(result, str(file))
            if clients:
                _say_ignored(report, clients)
            if chart is not None:
                console.print(f"chart: {write_chart(result, chart)}")
        except LoyaltyError as exc:
            fail(exc)
        write_report(report, out, xlsx)
        bar.update(task, advance=1)
    _summary(result, time.perf_counter() - began)


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"--{option} {text!r}: write the day as YYYY-MM-DD", code="invalid_date",
                           field=option) from exc  # fmt: skip


def _say_ignored(report: Report, clients: Path) -> None:
    ignored = ignored_client_columns(clients)
    if ignored:
        report.sections[0].paragraphs.append(f"Columns of {clients} not used: {', '.join(ignored)}.")


def _summary(result: DriversResult, seconds: float) -> None:
    fit = result.fit
    r2 = "undefined" if fit.r2_held_out is None else f"{fit.r2_held_out:.3f}"
    console.print(
        f"drivers of {result.target} ({result.scale} scale), {result.window.label()}: {result.features.height:,} "
        f"clients, depth {fit.depth}, held-out R² {r2}"
    )
    for factor, share in fit.factors.filter(fit.factors["importance_share"] > 0).iter_rows():
        console.print(f"  {factor}: {share * 100:.1f}%")
    console.print(
        f"lists: {result.top_profit.height} highest and {result.bottom_profit.height} lowest {result.basis}, "
        f"{result.high_potential.height:,} high potential, {result.sleeping.height:,} sleeping "
        f"({result.sleeping_days}+ days), {result.lost.height:,} lost ({result.lost_days}+ days), as of "
        f"{result.window.as_of:%Y-%m-%d}"
    )
    console.print(f"time: {seconds:.1f} s")
