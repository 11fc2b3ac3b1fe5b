"""`loyalka stamps` and `loyalka rewards` end to end over a real database. The CLI takes "now" from the wall
clock, so the orders here are dated relative to today."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from click.testing import Result
from sqlalchemy import update
from typer.testing import CliRunner

from loyalka.cli.app import app
from loyalka.domain.accounts import AccountIn
from loyalka.domain.events import OrderIn
from loyalka.services.accounts import create_account
from loyalka.services.events import post_orders
from loyalka.services.programs import load_program
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow
from tests.conftest import EXAMPLES

runner = CliRunner(env={"COLUMNS": "1000", "NO_COLOR": "1", "LOYALKA_DATABASE_URL": None, "USER": "operator"})
NOW = datetime.now(UTC)


def cli(*args: object) -> Result:
    return runner.invoke(app, [str(a) for a in args])


def ok(result: Result) -> Any:
    assert result.exit_code == 0, f"{result.stdout}\n{result.stderr}\n{result.exception!r}"
    return result


def as_json(result: Result) -> Any:
    return json.loads(ok(result).stdout)


def refused(result: Result, code: str) -> None:
    assert result.exit_code == 1, result.stdout
    assert f"error ({code})" in result.stderr and "Traceback" not in result.output


def seed(db: Database, example: str, code: str, tier: str, orders: list[int]) -> None:
    """A member of ``tier`` with one order a day of each total (in rubles), the last one three weeks ago."""
    start = NOW - timedelta(days=21 + len(orders))
    with db.unit_of_work() as s:
        load_program(s, (EXAMPLES / example).read_text(encoding="utf-8"), now=start - timedelta(days=1))
        create_account(s, AccountIn(code=code, name=f"ООО {code}"), now=start - timedelta(days=1))
        s.execute(update(AccountRow).where(AccountRow.code == code).values(tier=tier))
    with db.unit_of_work() as s:
        batch = [
            OrderIn(f"e{n}", code, f"{code}-{n}", start + timedelta(days=n), rub * 100) for n, rub in enumerate(orders)
        ]
        post_orders(s, batch, now=NOW)


def test_stamps_show_and_claim(db: Database) -> None:
    seed(db, "metal_cards.yaml", "METALL", "gold", [30_000] * 5 + [20_000])
    shown = ok(cli("stamps", "show", "METALL", "--db", db.url)).stdout
    assert "column 1: ●●●●  Бесплатная доставка одного заказа  <- take it or keep collecting" in shown
    assert "column 2: ●○○○" in shown
    assert "до подарка столбца 2 — 3 штампа" in shown
    claim = as_json(cli("stamps", "claim", "METALL", "purchases-3x4", "--column", "1", "--key", "k1", "--db", db.url))
    assert (claim["gift"], claim["stamps_carried"], claim["replayed"]) == (
        "Бесплатная доставка одного заказа",
        1,
        False,
    )
    again = as_json(cli("stamps", "claim", "METALL", "purchases-3x4", "--column", "1", "--key", "k1", "--db", db.url))
    assert again["replayed"] is True and again["order"]["id"] == claim["order"]["id"]
    refused(cli("stamps", "claim", "METALL", "purchases-3x4", "--column", "1", "--db", db.url), "column_not_full")
    card = as_json(cli("stamps", "show", "METALL", "--db", db.url, "--json"))["stamp_cards"][0]
    assert (card["cycle"], card["stamps"]) == (2, 1)
    refused(cli("stamps", "show", "NOBODY", "--db", db.url), "account_not_found")


def test_rewards_list_redeem_fulfil_cancel_and_stock(db: Database) -> None:
    seed(db, "wholesale_tiers.yaml", "GOLD-CO", "gold", [2_000_000])  # 30,000 points
    listed = as_json(cli("rewards", "list", "--account", "GOLD-CO", "--db", db.url))
    assert [r["available"] for r in listed["rewards"]] == [True, True, True]
    made = as_json(cli("rewards", "redeem", "certificate-5000", "GOLD-CO", "--key", "c1", "--db", db.url))
    assert (made["points"], made["status"], made["replayed"]) == ({"points": "5000"}, "new", False)
    cancelled = as_json(cli("rewards", "cancel", made["id"], "--reason", "duplicate", "--db", db.url))
    assert cancelled["status"] == "cancelled"
    second = as_json(cli("rewards", "redeem", "staff-training", "GOLD-CO", "--db", db.url))
    assert as_json(cli("rewards", "fulfil", second["id"], "--db", db.url))["status"] == "fulfilled"
    refused(cli("rewards", "cancel", second["id"], "--db", db.url), "reward_order_resolved")
    stock = as_json(cli("rewards", "stock", "staff-training", "3", "--note", "a new trainer", "--db", db.url))
    assert stock["stock"] == 3
    assert [(h["reason"], h["after"], h["actor"]) for h in stock["history"]] == [
        ("initialised", 10, None),
        ("redeemed", 9, None),
        ("set", 3, "operator"),
    ]
    assert (
        as_json(cli("rewards", "stock", "free-delivery", "unlimited", "--by", "Иванова", "--db", db.url))["stock"]
        is None
    )
    assert as_json(cli("rewards", "stock", "staff-training", "--db", db.url))["stock"] == 3
    refused(cli("rewards", "stock", "staff-training", "--db", db.url, "--", "-3"), "invalid_stock")
    refused(cli("rewards", "stock", "staff-training", "lots", "--db", db.url), "invalid_stock")
    refused(cli("rewards", "redeem", "gold-watch", "GOLD-CO", "--db", db.url), "reward_not_found")
    refused(cli("rewards", "fulfil", "404", "--db", db.url), "reward_order_not_found")
    beyond = cli("rewards", "fulfil", "99999999999999999999", "--db", db.url)  # no id column holds it: a usage error
    assert beyond.exit_code == 2 and "Invalid value" in beyond.output and "Traceback" not in beyond.output
    refused(cli("rewards", "fulfil", second["id"], "--note", "x" * 301, "--db", db.url), "invalid_note")
    refused(cli("rewards", "stock", "staff-training", "99999999999", "--db", db.url), "invalid_stock")
    refused(cli("rewards", "stock", "staff-training", "3", "--by", "x" * 201, "--db", db.url), "invalid_actor")
    assert as_json(cli("account", "show", "GOLD-CO", "--json", "--db", db.url))["balances"][0]["spendable"] == "15000"
