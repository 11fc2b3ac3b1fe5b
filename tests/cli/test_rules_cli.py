"""`loyalka program rules`: a program file (or the stored version in force) as contract text, and its refusals."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import Result
from typer.testing import CliRunner

from loyalka.cli.app import app
from loyalka.program.loader import parse_program
from loyalka.program.rules_words import Words
from loyalka.storage.database import Database
from tests.conftest import EXAMPLES

TEXTILE = EXAMPLES / "textile.yaml"
runner = CliRunner(env={"COLUMNS": "1000", "NO_COLOR": "1", "LOYALKA_DATABASE_URL": None})


def cli(*args: object) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.exit_code, result.output, result.exception)
    return result


def refused(result: Result, code: int) -> Result:
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def test_rules_of_a_file_are_printed_in_russian_by_default() -> None:
    text = ok(cli("program", "rules", TEXTILE)).stdout
    assert text.startswith("# Правила программы лояльности «Лионтекс-Привилегия»\n")
    assert "10% от суммы заказа (1\u00a0000\u00a0₽ = 100\u00a0бонусных рублей)" in text
    assert "Редакция" not in text  # a file is not a stored version


def test_rules_in_english() -> None:
    text = ok(cli("program", "rules", TEXTILE, "--lang", "en")).stdout
    assert text.startswith("# Rules of the loyalty program “Liontex Privilege”\n")
    assert "Points may pay at most 15% of the order total." in text


def test_rules_are_written_to_a_file_with_out(tmp_path: Path) -> None:
    target = tmp_path / "rules.md"
    result = ok(cli("program", "rules", TEXTILE, "--out", target))
    assert f"rules written to {target}" in result.stdout
    assert target.read_text(encoding="utf-8") == ok(cli("program", "rules", TEXTILE)).stdout


def test_an_unknown_language_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "rules.md"
    result = refused(cli("program", "rules", TEXTILE, "--lang", "de", "--out", target), 2)
    assert "'de' is not one of 'ru', 'en'" in result.output
    assert not target.exists()


def test_a_file_that_does_not_validate_prints_the_program_errors(tmp_path: Path) -> None:
    text = TEXTILE.read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace('max_order_share: "15%"', "max_order_share: 0.15"), encoding="utf-8")
    target = tmp_path / "rules.md"
    result = refused(cli("program", "rules", broken, "--out", target), 2)
    line = text[: text.index("max_order_share")].count("\n") + 1
    assert (
        f"{broken}: line {line}: point_kinds.bonus.redemption.max_order_share: expected a percentage" in result.stderr
    )
    assert not target.exists()
    assert result.stdout == ""


def test_a_missing_file_is_an_error() -> None:
    result = refused(cli("program", "rules", "nowhere.yaml"), 2)
    assert "no such file: nowhere.yaml" in result.stderr


def test_rules_of_the_stored_version_in_force_name_that_version(db: Database, tmp_path: Path) -> None:
    ok(cli("program", "load", TEXTILE, "--db", db.url))
    second = TEXTILE.read_text(encoding="utf-8").replace('max_order_share: "15%"', 'max_order_share: "20%"')
    changed = tmp_path / "textile-v2.yaml"
    changed.write_text(second, encoding="utf-8")
    assert "loaded as version 2" in ok(cli("program", "load", changed, "--db", db.url)).stdout
    text = ok(cli("program", "rules", "--program", "liontex-privilege", "--db", db.url)).stdout
    words = Words("ru", parse_program(second))
    today = datetime.now(ZoneInfo("Europe/Moscow")).date()
    assert f"Редакция 2 от {words.date(today)}" in text
    assert "Баллами можно оплатить не более 20% суммы заказа." in text


def test_an_unknown_program_in_the_database_is_not_found(db: Database) -> None:
    result = refused(cli("program", "rules", "--program", "nope", "--db", db.url), 1)
    assert "error (program_not_found) [program]: no program with code 'nope'" in result.stderr


def test_a_file_and_a_stored_program_at_once_or_neither_is_a_usage_error(db: Database) -> None:
    assert "give a program FILE or --program CODE" in refused(cli("program", "rules"), 2).output
    both = refused(cli("program", "rules", TEXTILE, "--program", "liontex-privilege", "--db", db.url), 2)
    assert "give a program FILE or --program CODE" in both.output
