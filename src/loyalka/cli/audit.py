"""`loyalka staff`, `loyalka adjust`, `loyalka audit`: the seller's staff, manual adjustments, the audit log."""

from __future__ import annotations

import getpass
import json
import uuid
from typing import Annotated, Any

import click
import typer
from rich.table import Table
from typer.core import TyperGroup

from loyalka.cli.common import MAX_ID, DbOption, console, fail, open_database
from loyalka.domain.periods import utcnow
from loyalka.errors import LoyaltyError


class _AdjustGroup(TyperGroup):
    """`loyalka adjust ACCOUNT POINTS ...` asks for an adjustment; `approve`, `reject`, `list` are subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["request", *args]
        return super().parse_args(ctx, args)


staff_app = typer.Typer(help="The seller's staff who may adjust balances.", no_args_is_help=True)
adjust_app = typer.Typer(
    cls=_AdjustGroup,
    no_args_is_help=True,
    help="Manual adjustments: `loyalka adjust ACCOUNT POINTS --kind K --reason R --by STAFF` asks for one "
    "(negative POINTS take points); above the asker's limit it waits for `loyalka adjust approve ID`.",
)
audit_app = typer.Typer(help="The audit log: who did what, when, to which account.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
ByOption = Annotated[str | None, typer.Option("--by", help="Your staff code (recorded as the actor).")]


def attach(app: typer.Typer) -> None:
    app.add_typer(staff_app, name="staff")
    app.add_typer(adjust_app, name="adjust")
    app.add_typer(audit_app, name="audit")


def _cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in this environment
        return "cli"


def _print_json(data: Any) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False))


# --- staff -----------------------------------------------------------------------------------------------------
@staff_app.command("add")
def staff_add(
    code: str,
    name: Annotated[str, typer.Option("--name", help="The person's full name.")],
    role: Annotated[str, typer.Option("--role", help="A role of the program's adjustments.limits.")],
    db: DbOption = None,
    program: Annotated[str | None, typer.Option(help="The program whose roles apply (if several).")] = None,
    by: ByOption = None,
) -> None:
    """Add a staff member with a role of the program's adjustment limits."""
    from loyalka.services.staff import actor_of, add_staff

    try:
        with open_database(db).unit_of_work() as session:
            actor = actor_of(session, by, _cli_actor())
            row = add_staff(session, code=code, name=name, role=role, actor=actor, now=utcnow(), program=program)
            console.print(f"staff member {row.code} ({row.name}) added as {row.role}")
    except LoyaltyError as exc:
        fail(exc)


@staff_app.command("list")
def staff_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every staff member, active or not."""
    from loyalka.services.staff import list_staff, staff_view

    try:
        with open_database(db).unit_of_work() as session:
            people = [staff_view(row) for row in list_staff(session)]
    except LoyaltyError as exc:
        fail(exc)
    if as_json:
        _print_json(people)
        return
    table = Table("code", "name", "role", "active")
    for p in people:
        table.add_row(p["code"], p["name"], p["role"], "yes" if p["active"] else f"no (since {p['deactivated_at']})")
    console.print(table)


@staff_app.command("deactivate")
def staff_deactivate(code: str, db: DbOption = None, by: ByOption = None) -> None:
    """Deactivate a staff member: they can no longer ask for or decide adjustments."""
    from loyalka.services.staff import actor_of, deactivate_staff

    try:
        with open_database(db).unit_of_work() as session:
            actor = actor_of(session, by, _cli_actor())
            row = deactivate_staff(session, code=code, actor=actor, now=utcnow())
            console.print(f"staff member {row.code} is inactive")
    except LoyaltyError as exc:
        fail(exc)


# --- adjustments -------------------------------------------------------------------------------------------------
def _say(adjustment: dict[str, Any], replayed: bool = False) -> None:
    a = adjustment
    head = f"adjustment {a['id']} (key {a['key']}): {a['points']} {a['kind']} for {a['account']}"
    if a["status"] == "pending":
        tail = f"pending: waits for approval by {' or '.join(a['approver_roles'])} (another person than {a['requested_by']})"
    elif a["status"] == "rejected":
        tail = f"rejected by {a['decided_by']}: {a['decision_reason']}"
    else:
        tail = f"applied ({a['decided_by'] or a['requested_by']})"
    console.print(f"{head} {tail}{' — already recorded, nothing changed' if replayed else ''}", markup=False)


@adjust_app.command(
    "request", context_settings={"ignore_unknown_options": True}, help="Ask for an adjustment (the default command)."
)
def adjust_request(
    account: str,
    points: Annotated[str, typer.Argument(help="Signed points: 500 adds, -500 takes.")],
    kind: Annotated[str, typer.Option("--kind", help="The point kind.")],
    reason: Annotated[str, typer.Option("--reason", help="Why: a sentence.")],
    by: Annotated[str, typer.Option("--by", help="Your staff code.")],
    key: Annotated[str | None, typer.Option("--key", help="Idempotency key (default: a new one).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    from loyalka.services.adjustments import request_adjustment

    key = key or f"cli-{uuid.uuid4().hex[:16]}"
    try:
        with open_database(db).unit_of_work() as session:
            outcome = request_adjustment(
                session, key=key, account_code=account, kind=kind, points=points, reason=reason, by=by, now=utcnow()
            )
    except LoyaltyError as exc:
        fail(exc)
    _print_json(outcome.adjustment) if as_json else _say(outcome.adjustment, outcome.replayed)


@adjust_app.command("approve")
def adjust_approve(
    adjustment_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=MAX_ID)],
    by: Annotated[str, typer.Option("--by", help="Your staff code.")],
    db: DbOption = None,
) -> None:
    """Approve a pending adjustment (not your own) and apply it."""
    from loyalka.services.adjustments import approve_adjustment

    try:
        with open_database(db).unit_of_work() as session:
            outcome = approve_adjustment(session, adjustment_id=adjustment_id, by=by, now=utcnow())
    except LoyaltyError as exc:
        fail(exc)
    _say(outcome.adjustment, outcome.replayed)


@adjust_app.command("reject")
def adjust_reject(
    adjustment_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=MAX_ID)],
    by: Annotated[str, typer.Option("--by", help="Your staff code.")],
    reason: Annotated[str, typer.Option("--reason", help="Why: a sentence.")],
    db: DbOption = None,
) -> None:
    """Reject a pending adjustment, with a reason."""
    from loyalka.services.adjustments import reject_adjustment

    try:
        with open_database(db).unit_of_work() as session:
            outcome = reject_adjustment(session, adjustment_id=adjustment_id, by=by, reason=reason, now=utcnow())
    except LoyaltyError as exc:
        fail(exc)
    _say(outcome.adjustment, outcome.replayed)


@adjust_app.command("list")
def adjust_list(
    db: DbOption = None,
    pending: Annotated[bool, typer.Option("--pending", help="Only those waiting for approval.")] = False,
    account: Annotated[str | None, typer.Option(help="One account's code.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Adjustments, oldest first."""
    from loyalka.services.adjustments import list_adjustments

    try:
        with open_database(db).unit_of_work() as session:
            rows = list_adjustments(session, status="pending" if pending else None, account_code=account)
    except LoyaltyError as exc:
        fail(exc)
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "account", "points", "kind", "status", "asked by", "decided by", "reason")
    for a in rows:
        table.add_row(
            str(a["id"]),
            a["account"],
            a["points"],
            a["kind"],
            a["status"],
            a["requested_by"],
            a["decided_by"] or "—",
            a["reason"],
        )
    console.print(table)


# --- the audit log -------------------------------------------------------------------------------------------------
@audit_app.command("list")
def audit_list(
    db: DbOption = None,
    account: Annotated[str | None, typer.Option(help="One account's code.")] = None,
    after: Annotated[int, typer.Option(help="Show lines after this id.", min=0, max=MAX_ID)] = 0,
    limit: Annotated[int, typer.Option(help="At most this many lines.")] = 200,
    as_json: JsonOption = False,
) -> None:
    """The audit log, oldest first."""
    from loyalka.services.audit_log import audit_lines

    try:
        with open_database(db).unit_of_work() as session:
            lines = audit_lines(session, account_code=account, after_id=after, limit=limit)
    except LoyaltyError as exc:
        fail(exc)
    if as_json:
        _print_json(lines)
        return
    table = Table("id", "at (UTC)", "actor", "action", "account", "details")
    for line in lines:
        details = json.dumps(line["details"], ensure_ascii=False)
        table.add_row(str(line["id"]), line["at"][:19], line["actor"], line["action"], line["account"] or "—", details)
    console.print(table)
