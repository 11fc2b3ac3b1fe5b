"""`loyalka activity record`: an activity beyond purchases (a review, a survey, a webinar attended...)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated

import typer

from loyalka.cli.common import DbOption, console, fail, open_database, say_error
from loyalka.domain.periods import utcnow
from loyalka.errors import LoyaltyError
from loyalka.program.models import ACTIVITIES

activity_app = typer.Typer(
    help="Activities beyond purchases: reviews, surveys, webinars, exhibitions.", no_args_is_help=True
)


@activity_app.command("record")
def activity_record(
    account: str,
    type: Annotated[str, typer.Argument(help=f"one of: {', '.join(ACTIVITIES)}")],
    at: Annotated[
        str | None, typer.Option("--at", help="When it happened, ISO 8601 with an offset (default: now).")
    ] = None,
    contact: Annotated[str | None, typer.Option(help="The contact person who took part.")] = None,
    event_id: Annotated[
        str | None, typer.Option("--event-id", help="Its idempotency key (default: TYPE:ACCOUNT:AT).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Record an activity of a client company; it earns under the program's activity rules, within their limits."""
    from loyalka.domain.b2b import ActivityIn
    from loyalka.services.activities import post_activity

    now = utcnow()
    try:
        when = datetime.fromisoformat(at) if at else now
    except ValueError as exc:
        say_error("error (invalid_datetime) [at]:", f"--at: {at!r} is not an ISO 8601 date-time")
        raise typer.Exit(1) from exc
    if when.tzinfo is None:
        say_error(
            "error (naive_datetime) [at]:", f"--at: {at!r} has no offset; write it like 2026-10-05T12:00:00+03:00"
        )
        raise typer.Exit(1)
    try:
        activity = ActivityIn(event_id or _default_id(account, type, when), account, type, when, contact)
        with open_database(db).unit_of_work() as session:
            outcome = post_activity(session, activity, now=now)
    except LoyaltyError as exc:
        fail(exc)
    result = outcome.result
    earned = ", ".join(f"{e['points']} {e['kind']} ({e['rule']})" for e in result["earned"]) or "nothing"
    state = "already recorded" if outcome.replayed else "recorded"
    console.print(f"{result['activity']} of {result['account']} {state} as {outcome.event_id}: earned {earned}")
    for note in result["notes"]:
        console.print(f"  {note}")


def _default_id(account: str, type: str, when: datetime) -> str:
    """The same activity of the same account at the same second is one activity: recording it twice is a replay."""
    readable = f"{type}:{account}:{when.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    if len(readable) <= 64:
        return readable
    return f"{type}:{hashlib.sha256(readable.encode()).hexdigest()[:40]}"
