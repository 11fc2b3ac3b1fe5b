"""The exchange's commands end to end: `loyalka transfer`, `grant run`, `codes activate|import`,
`referrals show|codes`, and the `referred_by` column of the accounts import. The CLI takes "now" from the wall
clock, so the orders that give the sender points are dated an hour ago."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from typer.testing import CliRunner

from loyalka.cli.app import app
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow
from tests.conftest import EXAMPLES
from tests.support import add_account, line, load_example, order, post

runner = CliRunner(
    env={"COLUMNS": "1000", "NO_COLOR": "1", "FORCE_COLOR": None, "LOYALKA_DATABASE_URL": None, "LOYALKA_API_KEY": None}
)
AN_HOUR_AGO = datetime.now(UTC) - timedelta(hours=1)
JOINED = AN_HOUR_AGO - timedelta(days=1)


def cli(db: Database, *args: object) -> tuple[int, str, str]:
    result = runner.invoke(app, [*(str(a) for a in args), "--db", db.url])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def garages(db: Database) -> None:
    load_example(db, "autoservice_case1.yaml", JOINED)
    add_account(db, "SENDER", JOINED)
    add_account(db, "RECEIVER", JOINED)
    post(db, order("e1", "SENDER", "WO-1", AN_HOUR_AGO, line("parts", 50_000, "parts")))  # 6,000 bonus points


def test_transfer_moves_points_once_per_key(db: Database) -> None:
    garages(db)
    code, out, _ = cli(db, "transfer", "SENDER", "RECEIVER", "1500", "--key", "gift-1")
    assert code == 0 and "transferred 1500 bonus from SENDER to RECEIVER (key gift-1)" in out
    assert "expires never" in out and "SENDER may give 8500 more this month" in out
    code, out, _ = cli(db, "transfer", "SENDER", "RECEIVER", "1500", "--key", "gift-1")
    assert code == 0 and out.startswith("already recorded: 1500 bonus")
    code, _, err = cli(db, "transfer", "SENDER", "RECEIVER", "1600", "--key", "gift-1")
    assert code == 1 and "error (idempotency_conflict) [key]:" in err


def test_transfer_refusals_are_plain_errors(db: Database) -> None:
    garages(db)
    for args, expected in (
        (("50",), "error (transfer_below_min) [points]:"),
        (("1500", "--kind", "premium"), "error (kind_not_transferable) [kind]:"),
        (("abc",), "error (invalid_amount) [points]:"),
    ):
        code, _, err = cli(db, "transfer", "SENDER", "RECEIVER", *args, "--key", "t1")
        assert code == 1 and expected in err, err


def test_grant_run_by_account_file_and_tag_credits_each_account_once(db: Database, tmp_path: Path) -> None:
    load_example(db, "autoservice_case2.yaml", JOINED)
    for account in ("A", "B", "C", "D"):
        add_account(db, account, JOINED)
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).where(AccountRow.code == "D").values(tags=["discount-card"]))
    code, out, _ = cli(db, "grant", "run", "discount-card-migration", "--account", "A", "--account", "B")
    assert code == 0 and "3000 points each credited to 2 account(s); 0 had it already" in out
    codes = write(tmp_path / "holders.csv", "code\nB\nC\n")
    code, out, _ = cli(db, "grant", "run", "discount-card-migration", "--file", codes)
    assert code == 0 and "credited to 1 account(s); 1 had it already" in out
    code, out, _ = cli(db, "grant", "run", "discount-card-migration", "--tag", "discount-card")
    assert code == 0 and "credited to 1 account(s)" in out
    code, _, err = cli(db, "grant", "run", "discount-card-migration")
    assert code == 1 and "exactly one of --account, --file or --tag" in err
    code, _, err = cli(db, "grant", "run", "discount-card-migration", "--account", "A", "--tag", "x")
    assert code == 1 and "exactly one" in err
    code, _, err = cli(db, "grant", "run", "no-such", "--account", "A")
    assert code == 1 and "error (grant_not_found) [grant]:" in err


def test_an_unknown_grant_is_refused_even_when_no_account_has_the_tag(db: Database, tmp_path: Path) -> None:
    load_example(db, "autoservice_case2.yaml", JOINED)
    add_account(db, "A", JOINED)
    code, _, err = cli(db, "grant", "run", "no-such", "--tag", "discount-card")
    assert code == 1 and "error (grant_not_found) [grant]:" in err
    code, _, err = cli(db, "grant", "run", "no-such", "--file", write(tmp_path / "empty.csv", "code\n"))
    assert code == 1 and "error (grant_not_found) [grant]:" in err
    code, out, _ = cli(db, "grant", "run", "discount-card-migration", "--tag", "discount-card")
    assert code == 0 and "credited to 0 account(s); 0 had it already" in out


def test_codes_import_then_activate_once_in_the_whole_system(db: Database, tmp_path: Path) -> None:
    text = (EXAMPLES / "autoservice_case2.yaml").read_text(encoding="utf-8")
    program = write(
        tmp_path / "case2.yaml", text.replace("    per_account: 1 ", "    issued_only: true\n    per_account: 1 ")
    )
    code, _, _ = cli(db, "program", "load", program)
    assert code == 0
    add_account(db, "FIRST", JOINED)
    add_account(db, "OTHER", JOINED)
    code, _, err = cli(db, "codes", "activate", "partner-club", "400012345678", "--account", "FIRST")
    assert code == 1 and "error (code_not_issued) [code]:" in err
    bad = write(tmp_path / "bad.csv", "card\n400012345678\n12AB\n")
    code, _, err = cli(db, "codes", "import", "partner-club", bad)
    assert code == 1 and "line 3" in err
    good = write(tmp_path / "cards.csv", "card\n4000 1234 5678\n400099998888\n")
    code, out, _ = cli(db, "codes", "import", "partner-club", good)
    assert code == 0 and "2 code(s) of 'partner-club' stored, 0 already there" in out
    code, out, _ = cli(db, "codes", "activate", "partner-club", "4000 1234 5678", "--account", "FIRST")
    assert code == 0 and "code 400012345678 activated for FIRST: 2000 bonus credited" in out
    code, _, err = cli(db, "codes", "activate", "partner-club", "400012345678", "--account", "OTHER")
    assert code == 1 and "error (code_already_activated) [code]:" in err and "another account" in err


def test_accounts_import_names_referrers_and_referrals_show_them(db: Database, tmp_path: Path) -> None:
    load_example(db, "wholesale_tiers.yaml", JOINED)
    add_account(db, "REF", JOINED, inn="7707083893")
    with db.unit_of_work() as s:
        referral = s.scalar(select(AccountRow.referral_code).where(AccountRow.code == "REF"))
    accounts = write(tmp_path / "a.csv", f"code,name,inn,referred_by\nNEW,Новая,7736207543,{referral}\nSOLO,Сама,,\n")
    code, out, _ = cli(db, "import", "accounts", accounts)
    assert code == 0 and "2 accounts imported" in out
    code, out, _ = cli(db, "referrals", "show", "REF")
    assert code == 0 and f"referral code: {referral}" in out and "referred by: nobody" in out
    assert "companies brought: 1, rewarded: 0" in out and "  NEW — Новая: waiting" in out
    code, out, _ = cli(db, "referrals", "show", referral, "--json")
    assert code == 0 and json.loads(out)["companies"][0]["account"] == "NEW"
    code, _, err = cli(db, "referrals", "show", "NOBODY")
    assert code == 1 and "error (account_not_found) [code]:" in err


def test_referrals_codes_gives_codes_to_accounts_without_one(db: Database) -> None:
    load_example(db, "wholesale_tiers.yaml", JOINED)
    add_account(db, "OLD", JOINED)
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).values(referral_code=None))
    code, out, _ = cli(db, "referrals", "codes")
    assert code == 0 and "1 account(s) received a referral code" in out
    code, out, _ = cli(db, "referrals", "codes")
    assert code == 0 and "0 account(s)" in out
