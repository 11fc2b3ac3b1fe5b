"""`loyalka program rules`: the program's rules as text to attach to a supply contract."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from loyalka.cli.common import DbOption, console, fail, open_database, say_error
from loyalka.errors import LoyaltyError


class Language(StrEnum):
    ru = "ru"
    en = "en"


def program_rules(
    file: Annotated[Path | None, typer.Argument(help="The program file to render.", show_default=False)] = None,
    lang: Annotated[Language, typer.Option("--lang", help="ru (the contract's language) or en.")] = Language.ru,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the text to this file (UTF-8) instead of printing it.")
    ] = None,
    program: Annotated[
        str | None,
        typer.Option("--program", help="Instead of a file: the stored version in force of this program (see --db)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Render the program's rules (Markdown that reads as plain text) from a file, or from the stored version
    in force with its version number and date (--program CODE)."""
    if (file is None) == (program is None):
        raise typer.BadParameter("give a program FILE or --program CODE, one of the two", param_hint="FILE")
    try:
        text = _from_file(file, lang.value) if file is not None else _from_database(db, program, lang.value)
    except LoyaltyError as exc:
        fail(exc)
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        say_error("error (cannot_write) [out]:", f"cannot write {out}: {exc.strerror or exc}")
        raise typer.Exit(1) from exc
    console.print(f"rules written to {out} ({text.count(chr(10))} lines)", markup=False)


def _from_file(file: Path, lang: str) -> str:
    from loyalka.program.loader import load_program_file
    from loyalka.program.rules_text import render_rules

    program, _ = load_program_file(file)
    return render_rules(program, lang)


def _from_database(db: str | None, code: str | None, lang: str) -> str:
    from loyalka.services.published_rules import rules_in_force

    database = open_database(db)
    with database.unit_of_work() as session:
        return rules_in_force(session, code, lang=lang).text
