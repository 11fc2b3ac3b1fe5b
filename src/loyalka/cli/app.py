"""`loyalka`: set-up, programs, imports, period closes, accounts, the demo and the server."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from loyalka.cli import catalog
from loyalka.cli import tiers as tiers_cli
from loyalka.cli.analyze import register as register_analyze
from loyalka.cli.audit import attach as attach_audit
from loyalka.cli.b2b import activity_app
from loyalka.cli.common import (
    DbOption,
    Encoding,
    SkipBad,
    close_databases,
    console,
    err,
    fail,
    open_database,
    progress,
    say_error,
    shown,
)
from loyalka.cli.engagement import register as register_engagement
from loyalka.cli.exchange import register as register_exchange
from loyalka.cli.roi import register as register_roi
from loyalka.cli.rules import program_rules
from loyalka.domain.events import in_range
from loyalka.domain.periods import utcnow
from loyalka.errors import LoyaltyError
from loyalka.imports.orders_csv import ImportReport

app = typer.Typer(help="Loyalka: loyalty programs for B2B sellers.", no_args_is_help=True, add_completion=False)
program_app = typer.Typer(help="Program files: validate, load, publish.", no_args_is_help=True)
import_app = typer.Typer(help="Import CSV files.", no_args_is_help=True)
account_app = typer.Typer(help="Client accounts.", no_args_is_help=True)
app.add_typer(program_app, name="program")
app.add_typer(import_app, name="import")
app.add_typer(account_app, name="account")
app.add_typer(tiers_cli.app, name="tiers")
attach_audit(app)
register_engagement(app)
app.add_typer(catalog.stamps_app, name="stamps")
app.add_typer(catalog.rewards_app, name="rewards")
app.add_typer(activity_app, name="activity")
program_app.command("rules")(program_rules)


@app.callback()
def _root(ctx: typer.Context) -> None:
    ctx.call_on_close(close_databases)


@app.command()
def init(db: DbOption = None) -> None:
    """Create the database, or bring its schema up to date."""
    database = open_database(db)
    console.print(f"database ready: {shown(database)}")


@program_app.command("validate")
def program_validate(file: Path) -> None:
    """Check a program file; every mistake is printed with its line."""
    from loyalka.program.loader import load_program_file

    try:
        program, _ = load_program_file(file)
    except LoyaltyError as exc:
        fail(exc)
    console.print(
        f"{file}: valid — program {program.program.code!r}, {len(program.point_kinds)} point kind(s), "
        f"{len(program.earning)} earning rule(s)"
    )


@program_app.command("load")
def program_load(file: Path, db: DbOption = None) -> None:
    """Validate and store a program file as a new version (the same text twice is one version)."""
    from loyalka.program.loader import load_program_file
    from loyalka.services.programs import load_program

    try:
        _, text = load_program_file(file)
        database = open_database(db)
        with database.unit_of_work() as session:
            result = load_program(session, text, now=utcnow(), source=str(file))
    except LoyaltyError as exc:
        fail(exc)
    state = "loaded as" if result.created else "unchanged, already"
    console.print(f"program {result.code!r} {state} version {result.version}")


@import_app.command("orders")
def import_orders_cmd(
    file: Path,
    db: DbOption = None,
    skip_bad: SkipBad = False,
    encoding: Encoding = "utf-8-sig",
) -> None:
    """Import orders from CSV: account, order_id, occurred_at (ISO 8601 with offset), total [, event_id, contact, redeem]."""
    from loyalka.imports.orders_csv import import_orders

    try:
        database = open_database(db)
        with progress() as bar:
            task = bar.add_task("importing orders", total=None)
            report = import_orders(
                database,
                file,
                now=utcnow(),
                skip_bad=skip_bad,
                encoding=encoding,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except LoyaltyError as exc:
        fail(exc)
    _print_report(report, "orders")


@import_app.command("accounts")
def import_accounts_cmd(
    file: Path,
    db: DbOption = None,
    program: str | None = None,
    skip_bad: SkipBad = False,
    encoding: Encoding = "utf-8-sig",
) -> None:
    """Import client companies from CSV: code, name [, inn, region, industry, manager, tags (a;b), referred_by]."""
    from loyalka.imports.orders_csv import import_accounts

    try:
        report = import_accounts(
            open_database(db), file, now=utcnow(), skip_bad=skip_bad, program=program, encoding=encoding
        )
    except LoyaltyError as exc:
        fail(exc)
    _print_report(report, "accounts")


def _print_report(report: ImportReport, what: str) -> None:
    for error in sorted(report.errors, key=lambda e: e.line):
        err.print(f"{report.path}: {error}", markup=False)
    broken = len({error.line for error in report.errors})  # a row may have several messages
    if report.committed:
        console.print(f"{report.imported} {what} imported, {report.replayed} already there, {broken} row(s) rejected")
        return
    say_error(
        "nothing imported:",
        f"{broken} of {report.rows} row(s) are broken (fix them, or pass --skip-bad to import the good rows)",
    )
    raise typer.Exit(1)


@app.command("close-period")
def close_period(
    period: str,
    db: DbOption = None,
    program: str | None = None,
    now: Annotated[str | None, typer.Option(help="Run as of this ISO time (for replays and tests).")] = None,
) -> None:
    """Close a month (YYYY-MM): activate, expire, evaluate who stays, benefits, leaderboards. Safe to re-run."""
    from loyalka.jobs.period_close import close_month

    try:
        at = datetime.fromisoformat(now) if now else utcnow()
        if at.tzinfo is None:
            raise ValueError(f"{now!r} has no time zone offset; write it like 2026-11-01T01:00:00+03:00")
        in_range(at, "now")
        database = open_database(db)
        with database.unit_of_work() as session:
            summary = close_month(session, period, now=at, program=program)
    except ValueError as exc:
        say_error("error (invalid_datetime) [now]:", f"--now: {exc}")
        raise typer.Exit(1) from exc
    except LoyaltyError as exc:
        fail(exc)
    console.print_json(json.dumps(summary, ensure_ascii=False))


@account_app.command("show")
def account_show(
    code: str, db: DbOption = None, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
) -> None:
    """Balance by kind with lots and expiry dates, benefits, contacts."""
    from loyalka.cli.render import account_panel
    from loyalka.services.accounts import describe_account

    try:
        database = open_database(db)
        with database.unit_of_work() as session:
            data = describe_account(session, code, now=utcnow())
    except LoyaltyError as exc:
        fail(exc)
    if as_json:
        console.print_json(json.dumps(data, ensure_ascii=False))
    else:
        console.print(account_panel(data))


@app.command()
def demo(
    db: DbOption = None,
    reset: Annotated[bool, typer.Option(help="Wipe the database first (it must otherwise be empty).")] = False,
    companies: int = 2000,
    months: int = 24,
    seed: int = 2013,
) -> None:
    """Generate a textile distributor's history, replay it through the seed-000 program, print the KPIs."""
    from loyalka.cli.render import demo_report
    from loyalka.demo.replay import run_demo
    from loyalka.storage.database import is_empty, reset_schema

    started = time.perf_counter()
    database = open_database(db, migrate=False)
    if reset:
        reset_schema(database)
    database.migrate()
    if not is_empty(database):
        say_error(
            "error:",
            f"{shown(database)} already holds data; run `loyalka demo --reset` to wipe it, or give another --db",
        )
        raise typer.Exit(1)
    with progress() as bar:
        task = bar.add_task("replaying months", total=None)
        report = run_demo(
            database,
            companies=companies,
            months=months,
            seed=seed,
            progress=lambda _stage, done, total: bar.update(task, completed=done, total=total),
        )
    console.print(demo_report(report))
    console.print(f"done in {time.perf_counter() - started:.1f} s; database: {shown(database)}")
    console.print("next: `loyalka serve` and open /docs, or `loyalka account show C00001`")


@app.command()
def serve(db: DbOption = None, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the HTTP API (OpenAPI at /docs)."""
    import uvicorn

    from loyalka.api.app import create_app

    database = open_database(db)
    api = create_app(database, api_key=os.environ.get("LOYALKA_API_KEY"))
    console.print(f"Loyalka API on http://{host}:{port}  (OpenAPI: http://{host}:{port}/docs)")
    sys.stdout.flush()
    uvicorn.run(api, host=host, port=port, log_level="info")


register_exchange(app)
register_analyze(app)
register_roi(app)


def main() -> None:
    from loyalka.runtime import tune_collector

    tune_collector()
    app()
