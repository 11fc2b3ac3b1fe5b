"""What every command shares: the consoles, the --db option, opening databases, reporting errors, progress."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from loyalka.errors import InvalidProgram, LoyaltyError
from loyalka.storage.database import Database, url_for

# soft wrap: a long error line stays one line in a pipe or a CI log (editors jump to FILE: line N)
console = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)


def say_error(heading: str, message: str) -> None:
    """Red heading, then the message as plain text: user data (CSV values, paths) is never read as markup."""
    err.print(Text.assemble((heading, "red"), " ", message))


DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL or SQLite file (default: LOYALKA_DATABASE_URL or the user data dir)."),
]


MAX_ID = 2**63 - 1  # the largest id a BIGINT column holds
SkipBad = Annotated[bool, typer.Option(help="Import the good rows even if some rows are broken.")]
Encoding = Annotated[str, typer.Option(help="The file's encoding, e.g. cp1251 for a 1C export.")]

opened: list[Database] = []


def close_databases() -> None:
    while opened:
        opened.pop().dispose()


def open_database(db: str | None, *, migrate: bool = True) -> Database:
    """The database of ``--db``, migrated; one that cannot be opened (an unknown driver, a server that does not
    answer, a SQLite file in a missing directory) is an error with exit code 1, not a traceback."""
    url = url_for(db)
    try:
        database = Database(url)
        opened.append(database)
        if migrate:
            database.migrate()
    except (SQLAlchemyError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        say_error("error (database_unavailable) [db]:", f"cannot open the database {_hidden(url)}: {reason}")
        raise typer.Exit(1) from exc
    return database


def _hidden(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def shown(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=True)


def fail(exc: LoyaltyError) -> None:
    if isinstance(exc, InvalidProgram):
        say_error("error:", exc.message)
    else:
        where = f" [{exc.field}]" if exc.field else ""
        say_error(f"error ({exc.code}){where}:", exc.message)
    raise typer.Exit(2 if isinstance(exc, InvalidProgram) else 1)


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
