"""`loyalka triggers`, `loyalka segment`, `loyalka campaign`, `loyalka messages`: the daily job, segments,
campaigns and the outbox."""

from __future__ import annotations

import csv
import getpass
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from loyalka.cli.common import DbOption, console, err, fail, open_database, say_error
from loyalka.domain.events import in_range
from loyalka.domain.periods import utcnow
from loyalka.errors import InvalidInput, LoyaltyError

triggers_app = typer.Typer(
    help="The daily triggers: birthdays, anniversaries, wake-ups, reminders.", no_args_is_help=True
)
segment_app = typer.Typer(help="Segments: saved filters of client companies.", no_args_is_help=True)
campaign_app = typer.Typer(help="Campaigns: points and a message to every member of a segment.", no_args_is_help=True)
messages_app = typer.Typer(help="The outbox: messages to members, and sending them by SMTP.", no_args_is_help=True)

ProgramOption = Annotated[str | None, typer.Option(help="The program's code (needed when several are loaded).")]
AtOption = Annotated[
    str | None, typer.Option("--at", help="The moment, ISO 8601 with an offset (default: now).", show_default=False)
]


def register(app: typer.Typer) -> None:
    app.add_typer(triggers_app, name="triggers")
    app.add_typer(segment_app, name="segment")
    app.add_typer(campaign_app, name="campaign")
    app.add_typer(messages_app, name="messages")


def _instant(text: str | None, option: str) -> datetime:
    if text is None:
        return utcnow()
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidInput(
            f"{option}: {text!r} is not a date-time; write it like 2026-04-01T10:00:00+03:00",
            code="invalid_datetime",
            field=option.lstrip("-"),
        ) from exc
    if value.tzinfo is None:
        raise InvalidInput(
            f"{option}: {text!r} has no time zone offset; write it like 2026-04-01T10:00:00+03:00",
            code="invalid_datetime",
            field=option.lstrip("-"),
        )
    in_range(value, option.lstrip("-"))
    return value


# --- triggers ------------------------------------------------------------------------------------------------
@triggers_app.command("run")
def triggers_run(
    db: DbOption = None,
    program: ProgramOption = None,
    day: Annotated[str | None, typer.Option("--date", help="The day, YYYY-MM-DD (default: today).")] = None,
    first: Annotated[str | None, typer.Option("--from", help="Catch up from this day (YYYY-MM-DD)...")] = None,
    last: Annotated[str | None, typer.Option("--to", help="...to this day, in order.")] = None,
) -> None:
    """Run the daily triggers for a day, or catch up a range of days. Safe to re-run: nothing happens twice."""
    from loyalka.jobs.daily import parse_day, run_days, today

    try:
        if day is not None and (first or last):
            raise InvalidInput("give --date, or --from and --to, not both", code="invalid_range", field="date")
        if (first is None) != (last is None):
            raise InvalidInput("a range needs both --from and --to", code="invalid_range", field="from")
        database = open_database(db)
        if first is not None and last is not None:
            start, end = parse_day(first, field="from"), parse_day(last, field="to")
        elif day is not None:
            start = end = parse_day(day)
        else:
            with database.unit_of_work() as session:
                start = end = today(session, now=utcnow(), program=program)
        run_days(database, start, end, clock=utcnow, program=program, on_day=_print_day)
    except LoyaltyError as exc:
        fail(exc)


def _print_day(summary: dict[str, Any]) -> None:
    console.print_json(json.dumps(summary, ensure_ascii=False))


# --- segments ------------------------------------------------------------------------------------------------
@segment_app.command("list")
def segment_list(db: DbOption = None, program: ProgramOption = None) -> None:
    """The program's segments and their filters."""
    from loyalka.services.programs import active_program, program_by_code
    from loyalka.services.segments import describe_segments

    try:
        with open_database(db).unit_of_work() as session:
            rules = active_program(session, program_by_code(session, program).id).rules
            segments = describe_segments(rules)
    except LoyaltyError as exc:
        fail(exc)
    table = Table("id", "name", "filter")
    for s in segments:
        table.add_row(s["id"], str(s["name"]), json.dumps(s["filter"], ensure_ascii=False))
    console.print(table)


MEMBER_COLUMNS = ("code", "name", "inn", "region", "industry", "tier", "tags", "status", "last_order_at", "silent_days")


@segment_app.command("show")
def segment_show(
    segment_id: Annotated[str, typer.Argument(metavar="ID")],
    db: DbOption = None,
    program: ProgramOption = None,
    at: AtOption = None,
    to_csv: Annotated[Path | None, typer.Option("--csv", help="Write the members to this CSV file.")] = None,
) -> None:
    """The members of a segment now (or --at a moment); --csv writes them to a file."""
    from loyalka.services.programs import active_program, program_by_code
    from loyalka.services.segments import members

    try:
        moment = _instant(at, "--at")
        with open_database(db).unit_of_work() as session:
            active = active_program(session, program_by_code(session, program).id)
            rows = [_member_row(m) for m in members(session, active, segment_id, moment)]
    except LoyaltyError as exc:
        fail(exc)
    if to_csv is not None:
        try:
            with to_csv.open("w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(MEMBER_COLUMNS)
                writer.writerows([row[c] for c in MEMBER_COLUMNS] for row in rows)
        except OSError as exc:
            say_error("error (cannot_write) [csv]:", f"cannot write {to_csv}: {exc.strerror or exc}")
            raise typer.Exit(1) from exc
        console.print(f"{len(rows)} member(s) of {segment_id} written to {to_csv}")
        return
    table = Table(*MEMBER_COLUMNS, title=f"{segment_id}: {len(rows)} member(s)", title_justify="left")
    for row in rows:
        table.add_row(*(str(row[c]) for c in MEMBER_COLUMNS))
    console.print(table)


def _member_row(member: Any) -> dict[str, Any]:
    account, facts = member.account, member.facts
    return {
        "code": account.code,
        "name": account.name,
        "inn": account.inn or "",
        "region": account.region or "",
        "industry": account.industry or "",
        "tier": account.tier or "",
        "tags": ";".join(account.tags or ()),
        "status": account.status,
        "last_order_at": facts.last_order_at.isoformat() if facts.last_order_at else "",
        "silent_days": facts.days_since_last_order,
    }


# --- campaigns -----------------------------------------------------------------------------------------------
@campaign_app.command("list")
def campaign_list(db: DbOption = None, program: ProgramOption = None) -> None:
    """The program's campaigns with their runs so far."""
    from loyalka.services.campaigns import list_campaigns

    try:
        with open_database(db).unit_of_work() as session:
            campaigns = list_campaigns(session, program=program)
    except LoyaltyError as exc:
        fail(exc)
    table = Table("id", "name", "segment", "grant", "message", "runs", "last run", "credited")
    for c in campaigns:
        grant = f"{c['points']} {c['kind']}" if c["kind"] else "—"
        table.add_row(
            c["id"],
            c["name"],
            c["segment"],
            grant,
            c["message"] or "—",
            str(c["runs"]),
            c["last_run_at"] or "—",
            str(c["credited"]),
        )
    console.print(table)


@campaign_app.command("run")
def campaign_run(
    campaign_id: Annotated[str, typer.Argument(metavar="ID")],
    db: DbOption = None,
    program: ProgramOption = None,
    at: AtOption = None,
    by: Annotated[str | None, typer.Option(help="Who runs it (default: the system user).")] = None,
) -> None:
    """Credit the campaign's points once to every member of its segment and queue its message. Safe to re-run."""
    from loyalka.services.campaigns import run_campaign

    try:
        now = utcnow()
        moment = _instant(at, "--at") if at else now
        with open_database(db).unit_of_work() as session:
            summary = run_campaign(session, campaign_id, at=moment, now=now, run_by=by or _user(), program=program)
    except LoyaltyError as exc:
        fail(exc)
    console.print_json(json.dumps(summary, ensure_ascii=False))


def _user() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


# --- messages ------------------------------------------------------------------------------------------------
@messages_app.command("list")
def messages_list(
    db: DbOption = None,
    status: Annotated[str | None, typer.Option(help="queued, sending, sent, failed or no_recipient.")] = None,
    account: Annotated[str | None, typer.Option(help="Only this account's messages (its code).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 100,
) -> None:
    """The outbox, newest first."""
    from loyalka.services.outbox import list_messages

    try:
        with open_database(db).unit_of_work() as session:
            rows = list_messages(session, account=account, status=status, limit=limit)
    except LoyaltyError as exc:
        fail(exc)
    table = Table("id", "account", "template", "status", "to", "subject", "created", "attempts", "error")
    for m in rows:
        table.add_row(
            str(m["id"]),
            m["account"],
            m["template"],
            m["status"],
            ", ".join(m["recipients"]) or "—",
            m["subject"],
            m["created_at"][:16],
            str(m["attempts"]),
            m["last_error"] or "",
        )
    console.print(table)


@messages_app.command("send")
def messages_send(
    smtp_host: Annotated[str, typer.Option(help="The SMTP server.")],
    smtp_port: Annotated[int, typer.Option(help="Its port (25, 587...).")],
    sender: Annotated[str, typer.Option(help="The From address.")],
    db: DbOption = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Send at most this many.")] = None,
    smtp_user: Annotated[
        str | None, typer.Option(help="Log in as this user (password: LOYALKA_SMTP_PASSWORD).")
    ] = None,
    starttls: Annotated[bool, typer.Option(help="Switch to TLS with STARTTLS before logging in.")] = False,
    smtp_ca_file: Annotated[
        Path | None, typer.Option(help="Trust this CA certificate (PEM) for STARTTLS (default: the system's).")
    ] = None,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds to wait for the server.")] = 30.0,
) -> None:
    """Send the queued messages by SMTP; each is marked sent or failed, and none is ever sent twice."""
    from loyalka.services.outbox import SmtpSettings, send_queued

    try:
        settings = SmtpSettings(
            smtp_host,
            smtp_port,
            sender,
            user=smtp_user,
            password=os.environ.get("LOYALKA_SMTP_PASSWORD"),
            starttls=starttls,
            ca_file=str(smtp_ca_file) if smtp_ca_file else None,
            timeout_s=timeout,
        )
        report = send_queued(open_database(db), settings, clock=utcnow, limit=limit)
    except LoyaltyError as exc:
        fail(exc)
    for error in report.errors:
        err.print(error, markup=False)
    console.print(f"{report.sent} sent, {report.failed} failed, {report.retry_later} to retry later")
    if report.stopped:
        err.print(f"stopped: {report.stopped}", markup=False)
        raise typer.Exit(1)
