"""`loyalka transfer`, `loyalka grant run`, `loyalka codes activate|import`, `loyalka referrals show|codes`."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from loyalka.cli.common import DbOption, Encoding, console, fail, open_database, say_error
from loyalka.domain.periods import utcnow
from loyalka.errors import LoyaltyError

grant_app = typer.Typer(help="One-time grants: credit a grant to accounts, once each.", no_args_is_help=True)
codes_app = typer.Typer(help="Activation codes: activate a code, import issued codes.", no_args_is_help=True)
referrals_app = typer.Typer(help="Referral codes and who referred whom.", no_args_is_help=True)

ProgramOption = Annotated[str | None, typer.Option(help="The program's code (when several are loaded).")]
_HEADERS = {"code", "account", "card", "код", "номер", "клиент"}


def register(app: typer.Typer) -> None:
    """Add the exchange's commands to the `loyalka` app."""
    app.command("transfer")(transfer)
    app.add_typer(grant_app, name="grant")
    app.add_typer(codes_app, name="codes")
    app.add_typer(referrals_app, name="referrals")


def read_codes(path: Path, encoding: str) -> list[tuple[int, str]]:
    """The first column of a CSV file (or one code a line), with line numbers; a header row is skipped."""
    try:
        with path.open(encoding=encoding, newline="") as handle:
            rows = [(n, row[0].strip()) for n, row in enumerate(csv.reader(handle), start=1) if row and row[0].strip()]
    except (OSError, UnicodeDecodeError) as exc:
        say_error("error:", f"{path}: cannot read the file: {exc}")
        raise typer.Exit(1) from exc
    if rows and rows[0][1].lower() in _HEADERS:
        rows = rows[1:]
    return rows


def transfer(
    sender: Annotated[str, typer.Argument(metavar="FROM", help="The account that gives the points.")],
    receiver: Annotated[str, typer.Argument(metavar="TO", help="The account that receives them.")],
    points: Annotated[str, typer.Argument(help="Points of the kind, e.g. 1500.")],
    key: Annotated[str, typer.Option(help="The transfer's idempotency key: a repeat with it changes nothing.")],
    kind: Annotated[str | None, typer.Option(help="The point kind (when more than one is transferable).")] = None,
    db: DbOption = None,
) -> None:
    """Transfer points from one member to another (the program's limits apply)."""
    from loyalka.services.transfers import transfer_points

    try:
        with open_database(db).unit_of_work() as session:
            outcome = transfer_points(
                session, key=key, sender=sender, receiver=receiver, points=points, kind=kind, now=utcnow()
            )
    except LoyaltyError as exc:
        fail(exc)
    done = outcome.result
    state = "already recorded:" if outcome.replayed else "transferred"
    console.print(f"{state} {done['points']} {done['kind']} from {done['from']} to {done['to']} (key {done['key']})")
    for lot in done["lots"]:
        console.print(
            f"  {lot['points']} available from {lot['available_from']}, expires {lot['expires_at'] or 'never'}"
        )
    if done["left_this_month"] is not None:
        console.print(f"{done['from']} may give {done['left_this_month']} more this month")


@grant_app.command("run")
def grant_run(
    grant_id: Annotated[str, typer.Argument(metavar="ID", help="The grant's id in the program file.")],
    account: Annotated[list[str] | None, typer.Option(help="An account code (repeat the option for several).")] = None,
    file: Annotated[Path | None, typer.Option(help="A CSV file of account codes (first column).")] = None,
    tag: Annotated[str | None, typer.Option(help="Every active member with this tag.")] = None,
    program: ProgramOption = None,
    encoding: Encoding = "utf-8-sig",
    db: DbOption = None,
) -> None:
    """Credit a one-time grant to accounts; an account that has it already receives nothing more."""
    from loyalka.services.one_time_grants import accounts_with_tag, run_grant

    if sum(x is not None and x != [] for x in (account, file, tag)) != 1:
        say_error("error (missing_accounts):", "give the accounts with exactly one of --account, --file or --tag")
        raise typer.Exit(1)
    codes = list(account or []) if file is None else [code for _, code in read_codes(file, encoding)]
    try:
        with open_database(db).unit_of_work() as session:
            if tag is not None:
                codes = accounts_with_tag(session, tag, program=program)
            outcomes = run_grant(session, grant_id, codes, now=utcnow(), program=program)
    except LoyaltyError as exc:
        fail(exc)
    fresh = [o for o in outcomes if not o.replayed]
    points = outcomes[0].result["points"] if outcomes else "0"
    console.print(
        f"grant {grant_id!r}: {points} points each credited to {len(fresh)} account(s); "
        f"{len(outcomes) - len(fresh)} had it already"
    )


@codes_app.command("activate")
def codes_activate(
    set_id: Annotated[str, typer.Argument(metavar="SET", help="The code set's id in the program file.")],
    code: Annotated[str, typer.Argument(help="The code as presented (spaces are ignored).")],
    account: Annotated[str, typer.Option(help="The account that presents the code.")],
    db: DbOption = None,
) -> None:
    """Activate a code (a partner club's card) for an account: it earns once, and once in the whole system."""
    from loyalka.services.codes import activate_code

    try:
        with open_database(db).unit_of_work() as session:
            outcome = activate_code(session, set_id, code, account, now=utcnow())
    except LoyaltyError as exc:
        fail(exc)
    done = outcome.result
    console.print(f"code {done['code']} activated for {done['account']}: {done['points']} {done['kind']} credited")


@codes_app.command("import")
def codes_import(
    set_id: Annotated[str, typer.Argument(metavar="SET", help="The code set's id in the program file.")],
    file: Annotated[Path, typer.Argument(help="Issued codes: one a line, or the first column of a CSV file.")],
    program: ProgramOption = None,
    encoding: Encoding = "utf-8-sig",
    db: DbOption = None,
) -> None:
    """Load the codes a set issued (for sets with issued_only); all of them or, if one is malformed, none."""
    from loyalka.services.codes import import_codes

    rows = read_codes(file, encoding)
    try:
        with open_database(db).unit_of_work() as session:
            stored, known = import_codes(session, set_id, rows, now=utcnow(), program=program)
    except LoyaltyError as exc:
        fail(exc)
    console.print(f"{stored} code(s) of {set_id!r} stored, {known} already there")


@referrals_app.command("show")
def referrals_show(
    code: Annotated[str, typer.Argument(help="An account's code, or its referral code.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    db: DbOption = None,
) -> None:
    """An account's referral code, its referrer and the companies it brought, with their reward status."""
    from loyalka.services.referrals import show_referrals

    try:
        with open_database(db).unit_of_work() as session:
            data = show_referrals(session, code, now=utcnow())
    except LoyaltyError as exc:
        fail(exc)
    if as_json:
        console.print_json(json.dumps(data, ensure_ascii=False))
        return
    console.print(_referral_text(data), markup=False)


def _referral_text(data: dict[str, Any]) -> str:
    referrer = data["referred_by"]
    lines = [
        f"{data['account']} — {data['name']}",
        f"referral code: {data['code']}",
        f"referred by: {referrer['account'] + ' — ' + referrer['name'] if referrer else 'nobody'}",
    ]
    if data["status"]:
        until = f" (until {data['qualify_until']})" if data["qualify_until"] else ""
        lines.append(f"own first-order reward: {data['status']}{until}")
    lines.append(f"companies brought: {data['referred_companies']}, rewarded: {data['rewarded_referrals']}")
    for company in data["companies"]:
        lines.append(f"  {company['account']} — {company['name']}: {company['status']}")
    return "\n".join(lines)


@referrals_app.command("codes")
def referrals_codes(db: DbOption = None) -> None:
    """Give a referral code to every account created before codes existed."""
    from loyalka.services.referrals import assign_codes

    with open_database(db).unit_of_work() as session:
        given = assign_codes(session)
    console.print(f"{given} account(s) received a referral code")
