"""`loyalka tiers`: an account's tier with its progress and history; the members of a program by tier."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from loyalka.cli.common import DbOption, console, fail, open_database, say_error
from loyalka.domain.events import in_range
from loyalka.domain.periods import utcnow
from loyalka.errors import LoyaltyError

app = typer.Typer(help="Tiers: an account's level and progress, members by level.", no_args_is_help=True)

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
Now = Annotated[str | None, typer.Option(help="Show as of this ISO time with an offset (for replays and tests).")]


@app.command("show")
def show(code: str, db: DbOption = None, as_json: AsJson = False, now: Now = None) -> None:
    """The account's tier, multiplier and benefits, its progress to the next level, and its history."""
    from loyalka.services.tier_views import tier_card

    at = _instant(now)
    try:
        database = open_database(db)
        with database.unit_of_work() as session:
            data = tier_card(session, code, now=at)
    except LoyaltyError as exc:
        fail(exc)
    if as_json:
        console.print_json(json.dumps(data, ensure_ascii=False))
    else:
        console.print(_panel(data))


@app.command("list")
def members(
    db: DbOption = None,
    tier: Annotated[str | None, typer.Option(help="Only the members of this tier (its id).")] = None,
    program: Annotated[str | None, typer.Option(help="The program's code, when several are loaded.")] = None,
    as_json: AsJson = False,
) -> None:
    """The program's members by tier, highest first."""
    from loyalka.services.tier_views import members_by_tier

    try:
        database = open_database(db)
        with database.unit_of_work() as session:
            listed = members_by_tier(session, program=program, tier=tier)
    except LoyaltyError as exc:
        fail(exc)
    if as_json:
        console.print_json(json.dumps(listed, ensure_ascii=False))
        return
    table = Table(title=f"Участники по уровням: {len(listed)}", title_justify="left")
    for column in ("уровень", "код", "компания", "с"):
        table.add_column(column)
    for item in listed:
        table.add_row(item["tier_name"] or "—", item["code"], item["name"], (item["since"] or "—")[:10])
    console.print(table)


def _instant(text: str | None) -> datetime:
    if not text:
        return utcnow()
    try:
        at = datetime.fromisoformat(text)
    except ValueError as exc:
        say_error("error (invalid_datetime) [now]:", f"--now: {exc}")
        raise typer.Exit(1) from exc
    if at.tzinfo is None:
        say_error("error (invalid_datetime) [now]:", f"--now: {text!r} has no time zone offset")
        raise typer.Exit(1)
    try:
        in_range(at, "now")
    except LoyaltyError as exc:
        fail(exc)
    return at


def _panel(data: dict[str, Any]) -> Panel:
    current = data["current"]
    parts: list[Any] = [
        Text(f"Уровень: {current['name'] or 'нет'}  (×{current['earn_multiplier']})"),
        Text(f"С: {(current['since'] or '—')[:10]}   подтверждён: {(current['qualified_at'] or '—')[:10]}"),
    ]
    if current["benefits"]:
        parts.append(Text("Привилегии: " + _benefits(current["benefits"])))
    progress = data["progress"]
    if progress is not None:
        parts.append(Text(f"До уровня «{progress['name']}» (×{progress['earn_multiplier']}):"))
        parts.extend(Text(line) for line in _progress_lines(progress["progress"], 1))
    elif data["member"]:
        parts.append(Text("Высший уровень программы"))
    history = Table(title="История", title_justify="left")
    for column in ("дата", "было", "стало", "причина"):
        history.add_column(column)
    for change in data["history"]:
        history.add_row(
            change["changed_at"][:10], change["from_tier"] or "—", change["to_tier"] or "—", change["reason"]
        )
    parts.append(history)
    return Panel(Group(*parts), title=f"Уровень счёта {data['account']}", expand=False)


def _benefits(benefits: dict[str, Any]) -> str:
    shown = []
    if benefits["free_delivery"] != "none":
        shown.append(
            "бесплатная экспресс-доставка" if benefits["free_delivery"] == "express" else "бесплатная доставка"
        )
    if benefits["payment_terms_days"]:
        shown.append(f"отсрочка платежа {benefits['payment_terms_days']} дн.")
    for key, words in (
        ("personal_manager", "персональный менеджер"),
        ("closed_sales", "закрытые распродажи"),
        ("priority_service", "приоритетное обслуживание"),
    ):
        if benefits[key]:
            shown.append(words)
    shown += [item["ru"] for item in benefits["other"]]
    return "; ".join(shown) or "нет"


def _progress_lines(view: dict[str, Any], depth: int) -> list[str]:
    mark = "✓" if view["met"] else "·"
    lines = [f"{'  ' * depth}{mark} {view['text_ru']}"]
    for part in view["parts"]:
        lines += _progress_lines(part, depth + 1)
    return lines
