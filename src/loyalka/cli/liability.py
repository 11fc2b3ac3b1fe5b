"""`loyalka liability`: the points a live program owes (IFRS 15) — outstanding points by kind and expiry month,
their value, expected breakage, the deferred revenue and its monthly movement. Registered with `roi`
(cli/roi.py)."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Annotated

import typer
from rich.table import Table

from loyalka.cli.analyze import Out, Xlsx
from loyalka.cli.common import DbOption, console, fail, open_database, progress
from loyalka.cli.roi import Charts, finish, money_text, print_table
from loyalka.errors import InvalidInput, LoyaltyError


def liability_cmd(
    db: DbOption = None,
    program: Annotated[str | None, typer.Option(help="The program's code (default: the only one).")] = None,
    at: Annotated[str | None, typer.Option(help="As of the end of this day, YYYY-MM-DD (default: now).")] = None,
    forfeits: Annotated[
        str, typer.Option(help="Forfeited points in the breakage rate: breakage or ignore.")
    ] = "breakage",
    breakage: Annotated[str | None, typer.Option(help="Use this breakage rate instead of the history's.")] = None,
    out: Out = None,
    xlsx: Xlsx = None,
    charts: Charts = None,
) -> None:
    """Outstanding points by kind and expiry month, their value, expected breakage, the deferred revenue (IFRS 15)
    and its monthly movement."""
    from loyalka.analytics.liability import liability, movement
    from loyalka.analytics.liability_db import lots_at, month_snapshots, parse_at, read_ledger
    from loyalka.analytics.liability_report import liability_report
    from loyalka.analytics.roi import parse_rate
    from loyalka.domain.periods import utcnow
    from loyalka.services.programs import active_program, program_by_code

    started = time.perf_counter()
    try:
        if forfeits not in ("breakage", "ignore"):
            raise InvalidInput("--forfeits is breakage or ignore", code="invalid_forfeits", field="forfeits")
        rate = parse_rate(breakage, field="breakage", label="--breakage") if breakage is not None else None
        database = open_database(db)
        with database.unit_of_work() as session:
            rules = active_program(session, program_by_code(session, program).id).rules
            instant = parse_at(at, rules.program.timezone, now=utcnow())
            ledger = read_ledger(session, program)
        with progress() as bar:
            bar.add_task("months", total=None)
            state = liability(lots_at(ledger, instant), instant, forfeits=forfeits, breakage=rate)
            moves = movement(month_snapshots(ledger, instant), forfeits=forfeits, breakage=rate)
        report = liability_report(state, moves, program=ledger.program, currency=rules.program.currency)
    except LoyaltyError as exc:
        fail(exc)
    console.print(
        f"program {ledger.program}, as of {state.at.isoformat(timespec='minutes')} ({rules.program.currency})"
    )
    table = _table("kind", "points outstanding", "not yet spendable", "value", "breakage", "expected breakage",
                   "deferred revenue")  # fmt: skip
    for row in state.by_kind.iter_rows(named=True):
        table.add_row(
            row["kind"], _points(row["outstanding_points"]), _points(row["pending_points"]),
            money_text(row["outstanding_minor"]), f"{row['breakage_rate'] * 100:.1f}%",
            money_text(row["expected_breakage_minor"]), money_text(row["deferred_minor"]),
        )  # fmt: skip
    print_table(table)
    console.print(
        f"total: value {money_text(state.outstanding_minor)}, expected breakage "
        f"{money_text(state.expected_breakage_minor)}, deferred revenue {money_text(state.deferred_minor)}"
    )
    _print_movement(moves)
    finish(report, out, xlsx, charts, "liability", started)


def _print_movement(moves) -> None:  # type: ignore[no-untyped-def]
    if moves.is_empty():
        console.print("no points credited yet: nothing to move")
        return
    names = ("opening", "earned", "spent", "expired", "forfeited", "breakage_change", "closing")
    table = _table("month", *(n.replace("_", " ") for n in names))
    table.title, table.title_justify = "deferred revenue by month (last 12)", "left"
    for row in moves.tail(12).iter_rows(named=True):
        table.add_row(row["month"], *(money_text(row[f"{n}_minor"]) for n in names))
    print_table(table)


def _table(*headers: str) -> Table:
    """Numbers never wrap: a narrow terminal cuts a header rather than splitting a figure over two lines."""
    table = Table()
    for n, header in enumerate(headers):
        table.add_column(header, no_wrap=True, justify="left" if n == 0 else "right")
    return table


def _points(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", " ")
