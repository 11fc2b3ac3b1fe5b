"""Seed 001, case 2: discount-card holders get 3000 bonuses once; work orders earn 10% of labour and 5% of
parts; a partner club's card earns 2000 once and each card activates once in the whole system; bonuses pay at
most 10% of the labour sum."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select, update

from loyalka.errors import Conflict, InvalidInput, NotFound, RuleViolation
from loyalka.services.codes import activate_code, import_codes
from loyalka.services.one_time_grants import accounts_with_tag, run_grant
from loyalka.services.redemption import quote_order
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow, EntryRow, EventRow, MessageRow
from loyalka.storage.tables_exchange import CodeActivationRow, IssuedCodeRow
from tests.conftest import EXAMPLES, moscow
from tests.support import add_account, balances, ledger_sum, line, load_example, load_text, order, post, spendable

JOINED = moscow(2026, 4, 1, 9)
MIGRATION = "discount-card-migration"
CARD = "4000 1234 5678"  # as the client shows it; stored as 400012345678


def case2(db: Database, *codes: str, **fields: object) -> None:
    load_example(db, "autoservice_case2.yaml", JOINED)
    for code in codes or ("GARAGE",):
        add_account(
            db, code, JOINED, contacts=[{"code": "boss", "name": "Иван", "email": f"{code}@example.ru"}], **fields
        )


def grant(db: Database, *codes: str, at: datetime) -> list:
    with db.unit_of_work() as s:
        return run_grant(s, MIGRATION, list(codes), now=at)


def activate(db: Database, code: str, account: str, at: datetime, set_id: str = "partner-club"):
    with db.unit_of_work() as s:
        return activate_code(s, set_id, code, account, now=at)


def count(db: Database, what: object, *where: object) -> int:
    with db.unit_of_work() as s:
        return int(s.scalar(select(func.count()).select_from(what).where(*where)) or 0)  # type: ignore[arg-type]


# --- the one-time grant ----------------------------------------------------------------------------------------
def test_a_discount_card_holder_gets_3000_bonuses_once(db: Database) -> None:
    case2(db, "HOLDER")
    [first] = grant(db, "HOLDER", at=moscow(2026, 4, 2, 10))
    assert not first.replayed
    assert first.result["points"] == "3000" and first.result["grant"] == MIGRATION
    assert spendable(db, "HOLDER", moscow(2026, 4, 2, 11), "bonus") == "3000"
    [again] = grant(db, "HOLDER", at=moscow(2026, 5, 2, 10))  # the grant run a second time
    assert again.replayed and again.result == first.result  # reports the first grant
    assert spendable(db, "HOLDER", moscow(2026, 5, 2, 11), "bonus") == "3000"
    assert ledger_sum(db, "HOLDER") == 3000
    with db.unit_of_work() as s:
        [message] = s.scalars(select(MessageRow).where(MessageRow.template == "card-migrated")).all()
        assert "Мы начислили 3000 бонусов" in message.body and message.recipients == ["HOLDER@example.ru"]


def test_the_grant_is_per_account_each_holder_once(db: Database) -> None:
    case2(db, "A", "B")
    grant(db, "A", at=moscow(2026, 4, 2))
    outcomes = grant(db, "A", "B", "B", at=moscow(2026, 4, 3))  # B twice in the list counts once
    assert [(o.result["account"], o.replayed) for o in outcomes] == [("A", True), ("B", False)]
    assert ledger_sum(db) == 6000
    assert count(db, EventRow, EventRow.type == "grant") == 2


def test_a_grant_by_tag_reaches_every_active_member_with_the_tag(db: Database) -> None:
    case2(db, "A", "B", "C")
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).where(AccountRow.code.in_(["A", "C"])).values(tags=["discount-card"]))
        s.execute(update(AccountRow).where(AccountRow.code == "C").values(status="left"))
        holders = accounts_with_tag(s, "discount-card")
    assert holders == ["A"]
    grant(db, *holders, at=moscow(2026, 4, 2))
    assert spendable(db, "A", moscow(2026, 4, 3), "bonus") == "3000"
    assert spendable(db, "C", moscow(2026, 4, 3), "bonus") == "0"


def test_a_grant_with_an_unknown_account_or_a_former_member_credits_nobody(db: Database) -> None:
    case2(db, "A", "GONE")
    with pytest.raises(NotFound) as missing:
        grant(db, "A", "NOBODY", at=moscow(2026, 4, 2))
    assert missing.value.code == "account_not_found" and "NOBODY" in missing.value.message
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).where(AccountRow.code == "GONE").values(status="left"))
    with pytest.raises(RuleViolation) as gone:
        grant(db, "A", "GONE", at=moscow(2026, 4, 2))
    assert gone.value.code == "account_not_member" and "GONE" in gone.value.message
    assert (
        ledger_sum(db) == 0
        and count(db, EventRow) == 0
        and count(db, MessageRow, MessageRow.template == "card-migrated") == 0
    )


def test_an_unknown_grant_is_refused(db: Database) -> None:
    case2(db, "A")
    with pytest.raises(NotFound) as refused, db.unit_of_work() as s:
        run_grant(s, "no-such-grant", ["A"], now=moscow(2026, 4, 2))
    assert refused.value.code == "grant_not_found" and "discount-card-migration" in refused.value.message


# --- earning and paying ----------------------------------------------------------------------------------------
def test_a_work_order_earns_10_percent_of_labour_and_5_percent_of_parts(db: Database) -> None:
    case2(db)
    [done] = post(
        db,
        order(
            "e1", "GARAGE", "WO-1", moscow(2026, 4, 10, 12), line("diag", 8000, "labour"), line("pads", 12000, "parts")
        ),
    )
    assert {e["rule"]: e["points"] for e in done.result["earned"]} == {"labour": "800", "parts": "600"}
    assert spendable(db, "GARAGE", moscow(2026, 4, 10, 13), "bonus") == "1400"
    assert balances(db, "GARAGE", moscow(2026, 4, 10, 13))["bonus"]["lots"][0]["expires_at"] is None  # never expire


def test_bonuses_pay_at_most_10_percent_of_the_labour_sum(db: Database) -> None:
    case2(db)
    grant(db, "GARAGE", at=moscow(2026, 4, 2))
    activate(db, CARD, "GARAGE", moscow(2026, 4, 3))  # 3000 + 2000 = 5000 bonuses
    with db.unit_of_work() as s:
        quote = quote_order(
            s,
            account_code="GARAGE",
            contact_code=None,
            at=moscow(2026, 4, 5),
            lines=(line("timing-belt", 10000, "labour"), line("belt-kit", 20000, "parts")),
        )
    assert quote.max_money_minor == 1000_00  # 10% of the 10,000 of labour, though 5000 bonuses are there
    [paid] = post(
        db,
        order(
            "e1",
            "GARAGE",
            "WO-1",
            moscow(2026, 4, 5),
            line("timing-belt", 10000, "labour"),
            line("belt-kit", 20000, "parts"),
            redeem_max=True,
        ),
    )
    assert paid.result["paid_with_points"] == "1000.00"
    # earning on the rest: 10% of (10,000 - 1,000 paid) + 5% of 20,000 = 900 + 1000
    assert spendable(db, "GARAGE", moscow(2026, 4, 6), "bonus") == str(5000 - 1000 + 1900)


# --- partner club cards ----------------------------------------------------------------------------------------
def test_a_partner_card_earns_2000_once_and_is_refused_for_another_client(db: Database) -> None:
    case2(db, "FIRST", "OTHER")
    done = activate(db, CARD, "FIRST", moscow(2026, 4, 3, 15, 30))
    assert done.result["points"] == "2000" and done.result["code"] == "400012345678"
    assert spendable(db, "FIRST", moscow(2026, 4, 3, 16), "bonus") == "2000"
    with pytest.raises(Conflict) as refused:
        activate(db, "400012345678", "OTHER", moscow(2026, 4, 20))
    assert refused.value.code == "code_already_activated"
    assert "2026-04-03 15:30" in refused.value.message and "another account" in refused.value.message
    assert "FIRST" not in refused.value.message  # the other company is not named
    assert spendable(db, "OTHER", moscow(2026, 4, 21), "bonus") == "0"
    assert count(db, CodeActivationRow) == 1 and ledger_sum(db) == 2000


def test_the_same_client_showing_its_card_again_is_told_when_and_earns_nothing(db: Database) -> None:
    case2(db)
    activate(db, CARD, "GARAGE", moscow(2026, 4, 3, 10))
    with pytest.raises(Conflict) as again:
        activate(db, CARD, "GARAGE", moscow(2026, 4, 4, 10))
    assert again.value.code == "code_already_activated" and "by this account" in again.value.message
    assert spendable(db, "GARAGE", moscow(2026, 4, 5), "bonus") == "2000"


def test_a_client_activates_one_partner_card_only(db: Database) -> None:
    case2(db)
    activate(db, CARD, "GARAGE", moscow(2026, 4, 3))
    with pytest.raises(RuleViolation) as second:
        activate(db, "400099998888", "GARAGE", moscow(2026, 4, 4))
    assert second.value.code == "code_limit_reached"
    assert count(db, CodeActivationRow) == 1  # the second card stays free for its own holder


@pytest.mark.parametrize("code", ["ABC123", "12345", "1234567890123456789", "   "])
def test_a_card_number_of_the_wrong_shape_is_refused_and_writes_nothing(db: Database, code: str) -> None:
    case2(db)
    with pytest.raises(InvalidInput) as refused:
        activate(db, code, "GARAGE", moscow(2026, 4, 3))
    assert refused.value.code in ("code_format_mismatch", "invalid_code") and refused.value.field == "code"
    assert count(db, CodeActivationRow) == 0 and ledger_sum(db) == 0


def test_activation_refuses_an_unknown_set_an_unknown_account_and_a_former_member(db: Database) -> None:
    case2(db, "GARAGE", "GONE")
    with pytest.raises(NotFound) as no_set:
        activate(db, CARD, "GARAGE", moscow(2026, 4, 3), set_id="golf-club")
    assert no_set.value.code == "code_set_not_found"
    with pytest.raises(NotFound) as no_account:
        activate(db, CARD, "NOBODY", moscow(2026, 4, 3))
    assert no_account.value.code == "account_not_found"
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).where(AccountRow.code == "GONE").values(status="left"))
    with pytest.raises(RuleViolation) as gone:
        activate(db, CARD, "GONE", moscow(2026, 4, 3))
    assert gone.value.code == "account_not_member"
    assert count(db, CodeActivationRow) == 0 and ledger_sum(db) == 0


ISSUED_ONLY = (
    (EXAMPLES / "autoservice_case2.yaml")
    .read_text(encoding="utf-8")
    .replace("    per_account: 1 ", "    issued_only: true\n    per_account: 1 ")
)


def test_with_issued_only_a_card_activates_once_it_was_imported(db: Database) -> None:
    assert "issued_only: true" in ISSUED_ONLY
    load_text(db, ISSUED_ONLY, JOINED)
    add_account(db, "GARAGE", JOINED)
    with pytest.raises(RuleViolation) as unknown:
        activate(db, CARD, "GARAGE", moscow(2026, 4, 3))
    assert unknown.value.code == "code_not_issued"
    with db.unit_of_work() as s:
        stored = import_codes(
            s, "partner-club", [(2, "4000 1234 5678"), (3, "400099998888"), (4, "400012345678")], now=JOINED
        )
    assert stored == (2, 1)  # the third line repeats the first card
    with db.unit_of_work() as s:
        assert import_codes(s, "partner-club", [(2, "400099998888")], now=JOINED) == (0, 1)
    assert activate(db, CARD, "GARAGE", moscow(2026, 4, 3)).result["points"] == "2000"


def test_an_import_with_a_malformed_code_stores_nothing(db: Database) -> None:
    load_text(db, ISSUED_ONLY, JOINED)
    with pytest.raises(InvalidInput) as refused, db.unit_of_work() as s:
        import_codes(s, "partner-club", [(2, "400012345678"), (3, "12-AB")], now=JOINED)
    assert "line 3" in refused.value.message
    assert count(db, IssuedCodeRow) == 0


def test_activation_entries_are_grants_of_the_card_set(db: Database) -> None:
    case2(db)
    done = activate(db, CARD, "GARAGE", moscow(2026, 4, 3))
    with db.unit_of_work() as s:
        [entry] = s.scalars(select(EntryRow)).all()
    assert (entry.type, entry.rule_id, entry.event_id) == ("grant", "partner-club", done.event_id)
    assert entry.amount_minor == 2000


def test_date_in_a_grant_or_card_message_is_when_the_points_expire_as_the_member_reads_it(db: Database) -> None:
    """`{date}` of a grant's message is its points' expiry date, 02.04.2027 in Russian (as for birthdays and
    campaigns), not the day of the grant in ISO form; empty for points that never expire."""
    text = (EXAMPLES / "autoservice_case2.yaml").read_text(encoding="utf-8")
    text = text.replace('"Мы начислили {points} бонусов.', '"Мы начислили {points} бонусов до {date}.')
    text = text.replace("    per_account: 1 ", "    message: card-migrated\n    per_account: 1 ")
    load_text(db, text.replace("expiry: {after: never}", "expiry: {after: months, months: 12}"), JOINED)
    add_account(db, "A", JOINED, contacts=[{"code": "boss", "name": "Иван", "email": "a@example.ru"}])
    grant(db, "A", at=moscow(2026, 4, 2, 10))
    activate(db, CARD, "A", moscow(2026, 4, 3, 10))
    with db.unit_of_work() as s:
        bodies = list(s.scalars(select(MessageRow.body).order_by(MessageRow.id)))
    assert bodies == [
        "Мы начислили 3000 бонусов до 02.04.2027. Ими можно оплатить до 10% стоимости работ.",
        "Мы начислили 2000 бонусов до 03.04.2027. Ими можно оплатить до 10% стоимости работ.",
    ]


def test_date_in_a_grant_message_is_empty_for_points_that_never_expire(db: Database) -> None:
    text = (EXAMPLES / "autoservice_case2.yaml").read_text(encoding="utf-8")
    load_text(db, text.replace('"Мы начислили {points} бонусов.', '"Мы начислили {points} бонусов{date}.'), JOINED)
    add_account(db, "A", JOINED, contacts=[{"code": "boss", "name": "Иван", "email": "a@example.ru"}])
    grant(db, "A", at=moscow(2026, 4, 2, 10))
    with db.unit_of_work() as s:
        assert s.scalar(select(MessageRow.body)).startswith("Мы начислили 3000 бонусов.")
