"""`loyalka tiers show` and `loyalka tiers list` over a real database, with the bad input they refuse."""

from __future__ import annotations

import json

import pytest

from loyalka.storage.database import Database
from tests.cli.test_cli import cli, ok, refused
from tests.conftest import moscow
from tests.support import add_account, load_example, order, post

JOINED = moscow(2026, 1, 10, 9)
NOW = "2026-01-16T10:00:00+03:00"


@pytest.fixture
def metal(db: Database) -> Database:
    """STAL gold by one purchase of 520,000; ZAVOD bronze."""
    load_example(db, "metal_cards.yaml", JOINED)
    add_account(db, "STAL", JOINED, name="ООО «Сталь»")
    add_account(db, "ZAVOD", JOINED, name="АО «Завод»")
    post(db, order("e1", "STAL", "SO-1", moscow(2026, 1, 15, 12), rub=520_000))
    return db


def test_tiers_show_json_gives_the_tier_its_progress_and_history(metal: Database) -> None:
    shown = json.loads(ok(cli("tiers", "show", "STAL", "--db", metal.url, "--json", "--now", NOW)).stdout)
    assert (shown["current"]["id"], shown["current"]["earn_multiplier"], shown["progress"]) == ("gold", "2", None)
    assert [(h["from_tier"], h["to_tier"], h["reason"]) for h in shown["history"]] == [
        ("bronze", "gold", "qualified_on_order"),
        (None, "bronze", "joined"),
    ]


def test_tiers_show_prints_the_gold_card_with_its_benefits(metal: Database) -> None:
    out = ok(cli("tiers", "show", "STAL", "--db", metal.url, "--now", NOW)).stdout
    assert "Уровень: Золотая карта  (×2)" in out
    assert "бесплатная доставка; отсрочка платежа 21 дн.; приоритетное обслуживание" in out
    assert "Высший уровень программы" in out
    assert "qualified_on_order" in out


def test_tiers_show_prints_the_progress_of_a_bronze_client(metal: Database) -> None:
    out = ok(cli("tiers", "show", "ZAVOD", "--db", metal.url, "--now", NOW)).stdout
    assert "До уровня «Серебряная карта» (×1.5):" in out
    assert "· оборот 0.00 из 1500000.00 RUB с начала года" in out


def test_tiers_list_gives_members_highest_tier_first_or_one_tier(metal: Database) -> None:
    listed = json.loads(ok(cli("tiers", "list", "--db", metal.url, "--json")).stdout)
    assert [(m["code"], m["tier"]) for m in listed] == [("STAL", "gold"), ("ZAVOD", "bronze")]
    gold = json.loads(ok(cli("tiers", "list", "--db", metal.url, "--tier", "gold", "--json")).stdout)
    assert [m["code"] for m in gold] == ["STAL"]
    out = ok(cli("tiers", "list", "--db", metal.url)).stdout
    assert "Участники по уровням: 2" in out and "Золотая карта" in out


def test_tiers_list_refuses_a_tier_the_program_does_not_have(metal: Database) -> None:
    result = refused(cli("tiers", "list", "--db", metal.url, "--tier", "diamond"))
    assert (
        "error (tier_not_found) [tier]: program metal-cards has no tier 'diamond' (its tiers: bronze, silver, gold)"
        in (result.stderr)
    )


def test_tiers_show_refuses_an_unknown_account_and_a_time_without_offset(metal: Database) -> None:
    assert "account_not_found" in refused(cli("tiers", "show", "NOPE", "--db", metal.url)).stderr
    result = refused(cli("tiers", "show", "STAL", "--db", metal.url, "--now", "2026-01-16T10:00:00"))
    assert "error (invalid_datetime) [now]:" in result.stderr


def test_tiers_of_a_program_without_tiers_are_refused(db: Database) -> None:
    load_example(db, "textile.yaml", JOINED)
    add_account(db, "SALON", JOINED)
    assert "tiers_not_configured" in refused(cli("tiers", "list", "--db", db.url)).stderr
    assert "tiers_not_configured" in refused(cli("tiers", "show", "SALON", "--db", db.url)).stderr
