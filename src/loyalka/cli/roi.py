"""`loyalka roi [economics]` and `loyalka liability`: will the program pay (seed 002), what a discount and a bonus
cost (seed 001), and what the points outstanding owe (IFRS 15). Registered by one line in cli/app.py."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from loyalka.analytics.report import Report
from loyalka.cli.analyze import (
    Currency,
    DateFormat,
    Maps,
    Out,
    Preset,
    Sheet,
    Timezone,
    Xlsx,
    load_history,
    write_report,
)
from loyalka.cli.common import console, fail, progress
from loyalka.domain.money import parse_minor
from loyalka.errors import InvalidInput, LoyaltyError

roi_app = typer.Typer(
    help="ROI of a loyalty program (seed 002) with sensitivity; `roi economics`: discount vs bonus (seed 001).",
    invoke_without_command=True,
)

Charts = Annotated[Path | None, typer.Option(help="Also write the report's charts as PNG files into this folder.")]


def register(app: typer.Typer) -> None:
    app.add_typer(roi_app, name="roi")
    from loyalka.cli.liability import liability_cmd

    app.command("liability")(liability_cmd)


@roi_app.callback()
def roi_cmd(
    ctx: typer.Context,
    z: Annotated[str | None, typer.Option("--z", help="Z: yearly revenue of one large client [100000].")] = None,
    n: Annotated[int, typer.Option("--n", help="N: the horizon in years.")] = 3,
    w: Annotated[str | None, typer.Option("--w", help="W: churn per year, e.g. 10% [10%].")] = None,
    x: Annotated[str, typer.Option("--x", help="X: points of churn the program removes (10% -> 5%: 5%).")] = "5%",
    y: Annotated[str, typer.Option("--y", help="Y: revenue uplift of a client who stays.")] = "10%",
    v: Annotated[str, typer.Option("--v", help="V: the program's cost per year.")] = "20000",
    margin: Annotated[str | None, typer.Option(help="Gross margin: count the gain on it (default: revenue).")] = None,
    discount: Annotated[str | None, typer.Option(help="Yearly discount rate for the NPV (default: none).")] = None,
    setup: Annotated[str, typer.Option(help="A one-off cost at the start (implementation).")] = "0",
    spread: Annotated[str, typer.Option(help="How far each input moves in the sensitivity, ± of its base.")] = "50%",
    vary: Annotated[
        list[str] | None, typer.Option(help="An input's own range, NAME=LOW:HIGH (e.g. x=2%:8%, v=10000:40000).")
    ] = None,
    metric: Annotated[str, typer.Option(help="What the sensitivity shows: roi or npv.")] = "roi",
    grid: Annotated[str, typer.Option(help="The two-way table's inputs, ROWS,COLUMNS.")] = "x,y",
    steps: Annotated[int, typer.Option(help="Values per side of the two-way table.")] = 5,
    history: Annotated[
        Path | None, typer.Option(help="Estimate Z and W from this sales history (CSV or XLSX; see `analyze`).")
    ] = None,
    large_share: Annotated[str, typer.Option(help="With --history: the share of clients counted as large.")] = "20%",
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
    """The seed-002 ROI of a program beside the sound model (every year's cost, compounding churn, margin, NPV,
    payback month), with a tornado and a two-way table. Defaults: the seed's worked example."""
    if ctx.invoked_subcommand is not None:
        return
    from loyalka.analytics import sensitivity as sens
    from loyalka.analytics.roi import RoiInputs, parse_rate, seed_model, sound_model
    from loyalka.analytics.roi_report import roi_report, side_by_side

    started = time.perf_counter()
    notes: list[str] = []
    try:
        revenue = _money(z, "z") if z is not None else Decimal(100000)
        churn = parse_rate(w, field="w", label="--w (churn)") if w is not None else Decimal("0.10")
        if history is not None:
            found = _from_history(history, parse_rate(large_share, field="large_share", label="--large-share"),
                                  preset, maps, date_format, currency, timezone, sheet)  # fmt: skip
            currency, notes = found[2], found[3]
            revenue = revenue if z is not None else found[0]
            churn = churn if w is not None else found[1]
        inputs = RoiInputs(
            revenue=revenue,
            years=n,
            churn=churn,
            churn_cut=parse_rate(x, field="x", label="--x (churn cut)"),
            uplift=parse_rate(y, field="y", label="--y (uplift)", allow_over_100=True),
            cost=_money(v, "v"),
            margin=parse_rate(margin, field="margin", label="--margin") if margin is not None else Decimal(1),
            discount=parse_rate(discount, field="discount", label="--discount") if discount is not None else Decimal(0),
            setup=_money(setup, "setup"),
        )
        ranges = {k: bounds for k, bounds in (_range(item) for item in vary or [])}
        rows_name, cols_name = _grid(grid)
        if metric not in sens.METRICS:
            raise InvalidInput("--metric is roi or npv", code="invalid_metric", field="metric")
        seed, sound = seed_model(inputs), sound_model(inputs)
        with progress() as bar:
            bar.add_task("sensitivity", total=None)
            report = roi_report(
                inputs, spread=parse_rate(spread, field="spread", label="--spread"), ranges=ranges, metric=metric,
                grid=(rows_name, cols_name), steps=steps, currency=currency or "RUB", notes=notes,
            )  # fmt: skip
    except LoyaltyError as exc:
        fail(exc)
    for note in notes:
        console.print(note)
    figures, ratios = side_by_side(inputs, seed, sound)
    _print_side_by_side(figures, ratios, currency or "RUB")
    console.print(
        f"the formula as printed, (Z*Y/100)*N*(1-W+X)/100, gives {money_text(_minor(seed.printed_gain))} "
        f"(ROI {_pct(seed.printed_roi)}) with W, X as percent numbers as the seed substitutes them; "
        f"{money_text(_minor(seed.mixed_gain))} (ROI {_pct(seed.mixed_roi)}) with W, X as fractions"
    )
    finish(report, out, xlsx, charts, "roi", started)


@roi_app.command("economics")
def economics_cmd(
    markup: Annotated[str, typer.Option(help="The markup on cost: price = cost x (1 + markup).")] = "30%",
    rate: Annotated[str, typer.Option(help="The discount rate, and the bonus rate (points per 1 of sale).")] = "10%",
    redemption: Annotated[str | None, typer.Option(help="Share of the points eventually spent [70%].")] = None,
    breakage: Annotated[
        str | None, typer.Option(help="Share of the points never spent (instead of --redemption).")
    ] = None,
    max_rate: Annotated[
        str | None, typer.Option(help="The chart's highest rate (default 25% or twice --rate).")
    ] = None,
    out: Out = None,
    xlsx: Xlsx = None,
    charts: Charts = None,
) -> None:
    """Discount vs bonus: what each costs as a share of the sale and of the gross margin (seed 001)."""
    from loyalka.analytics import economics as econ
    from loyalka.analytics.roi import parse_rate
    from loyalka.analytics.roi_report import economics_report

    started = time.perf_counter()
    try:
        if redemption is not None and breakage is not None:
            raise InvalidInput("give --redemption or --breakage, not both", code="invalid_rate", field="redemption")
        spent = (
            parse_rate(redemption, field="redemption", label="--redemption") if redemption is not None
            else 1 - parse_rate(breakage, field="breakage", label="--breakage") if breakage is not None
            else Decimal("0.7")
        )  # fmt: skip
        offer = econ.Offer(
            parse_rate(markup, field="markup", label="--markup", allow_over_100=True),
            parse_rate(rate, field="rate", label="--rate"),
            spent,
        )
        report = economics_report(
            offer, parse_rate(max_rate, field="max_rate", label="--max-rate") if max_rate else None
        )
    except LoyaltyError as exc:
        fail(exc)
    table = Table("mechanic", "cost, % of sale", "cost, % of gross margin", "margin left, % of sale")
    for row in econ.costs(offer):
        table.add_row(row.mechanic, _pct(row.of_sale), _pct(row.of_margin), _pct(row.margin_left))
    print_table(table)
    equivalent = econ.equivalent_bonus_rate(offer)
    if equivalent is not None:
        console.print(f"a bonus of {_pct(equivalent)} costs (at face value) what a {_pct(offer.rate)} discount costs")
    for reading, formula, share in econ.seed_001_readings(offer.markup, offer.rate):
        console.print(f"seed 001, {reading}: {formula} = {_pct(share)}")
    finish(report, out, xlsx, charts, "roi", started)


# --- helpers -------------------------------------------------------------------------------------------------
def _from_history(  # type: ignore[no-untyped-def]
    file: Path, share: Decimal, preset, maps, date_format, currency, timezone, sheet
) -> tuple[Decimal, Decimal, str, list[str]]:
    """Z and W estimated from a history, its currency, and what the estimate rests on (printed and reported)."""
    from loyalka.analytics.roi_history import estimate

    with progress() as bar:
        bar.add_task("reading the history", total=None)
        found = load_history(file, preset, maps, date_format=date_format, currency=currency, timezone=timezone,
                             sheet=sheet)  # fmt: skip
    guess = estimate(found, large_share=share)
    (a, b), (_, c) = guess.first_half, guess.second_half
    note = (
        f"from {file.name}: the top {_pct(share)} of the {guess.clients} clients of {a:%Y-%m-%d}..{b:%Y-%m-%d} "
        f"({guess.large} clients) bought {money_text(_minor(guess.revenue))} {found.currency} a year each (Z); "
        f"{_pct(guess.half_churn)} of them bought nothing in {b:%Y-%m-%d}..{c:%Y-%m-%d}: W = {_pct(guess.churn)} a year"
    )
    return guess.revenue, guess.churn, found.currency, [note]


def money_text(minor: int) -> str:
    """12345678 -> "123 456.78": money for people, grouped by thousands."""
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 100)
    return f"{sign}{whole:,}.{frac:02d}".replace(",", " ")


def _money(text: str, field: str) -> Decimal:
    return Decimal(parse_minor(text, field=field)) / 100


def _minor(amount: Decimal) -> int:
    from loyalka.analytics.roi import to_minor

    return to_minor(amount)


def _pct(value: Decimal) -> str:
    from loyalka.analytics.roi import percent

    return f"{percent(value)}%"


def _range(item: str) -> tuple[str, tuple[Decimal, Decimal]]:
    """NAME=LOW:HIGH, rates with %, money as amounts, years as whole numbers."""
    from loyalka.analytics.roi import parse_rate
    from loyalka.analytics.sensitivity import RATES, parameter

    name, sep, rest = item.partition("=")
    low, colon, high = rest.partition(":")
    if not sep or not colon:
        raise InvalidInput(f"--vary {item!r}: write NAME=LOW:HIGH, e.g. x=2%:8%", code="invalid_range", field="vary")
    key = parameter(name)
    if key in RATES:
        return key, (parse_rate(low, field=key, allow_over_100=True), parse_rate(high, field=key, allow_over_100=True))
    if key == "years":
        if not (low.strip().isdigit() and high.strip().isdigit()):
            raise InvalidInput(f"--vary {item!r}: years are whole numbers", code="invalid_range", field="vary")
        return key, (Decimal(low.strip()), Decimal(high.strip()))
    return key, (_money(low, key), _money(high, key))


def _grid(text: str) -> tuple[str, str]:
    from loyalka.analytics.sensitivity import parameter

    parts = [p for p in text.split(",") if p.strip()]
    if len(parts) != 2:
        raise InvalidInput(f"--grid {text!r}: write two inputs, e.g. x,y", code="invalid_grid", field="grid")
    return parameter(parts[0]), parameter(parts[1])


def _print_side_by_side(figures, ratios, currency: str) -> None:  # type: ignore[no-untyped-def]
    table = Table("", "seed 002", "sound model", "", title=f"ROI per large client ({currency})", title_justify="left")
    for row in figures.iter_rows(named=True):
        seed = "—" if row["seed_minor"] is None else money_text(row["seed_minor"])
        sound = "—" if row["sound_minor"] is None else money_text(row["sound_minor"])
        table.add_row(row["figure"], seed, sound, row["note"])
    for row in ratios.iter_rows(named=True):
        table.add_row(row["figure"], row["seed"], row["sound"], "")
    print_table(table)


def finish(
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


def write_charts(report: Report, folder: Path, prefix: str) -> list[Path]:
    """Each chart of the report as ``<prefix>_<name>.png`` in ``folder`` (created if need be)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for section in report.sections:
            for chart in section.charts:
                path = folder / f"{prefix}_{chart.name.replace(' ', '_')}.png"
                path.write_bytes(chart.png)
                written.append(path)
    except OSError as exc:
        raise InvalidInput(
            f"cannot write charts into {folder}: {exc.strerror}", code="cannot_write", field="charts"
        ) from exc
    return written


def print_table(table: Table) -> None:
    """A table at its full width even in a narrow terminal or a pipe (80 columns): figures are never cut."""
    wide = console.measure(table, options=console.options.update_width(1000)).maximum
    if wide <= console.width:
        console.print(table)
    else:  # Console.print caps its width at the console's: a console of the table's width writes it whole
        Console(file=console.file, width=wide, highlight=False, no_color=console.no_color).print(table)
