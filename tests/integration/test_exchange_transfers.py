"""Seed 001, case 1: clients may transfer bonus points to each other (at least 100, at most 5,000 a transfer,
10,000 a month); both sides are in the ledger, the receiver's lots keep the sender's dates."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select, update

from loyalka.errors import Conflict, InsufficientPoints, InvalidInput, LoyaltyError, NotFound, RuleViolation
from loyalka.services import pipeline
from loyalka.services.grants import grant_points
from loyalka.services.programs import active_program
from loyalka.services.transfers import transfer_points
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow, EntryRow, LotRow
from loyalka.storage.tables_exchange import TransferRow
from tests.conftest import EXAMPLES, moscow
from tests.support import (
    add_account,
    balances,
    give_back,
    ledger_sum,
    line,
    load_example,
    load_text,
    order,
    post,
    spendable,
)

JOINED = moscow(2026, 3, 1, 9)
EARNED = moscow(2026, 3, 2, 10)
CASE1 = (EXAMPLES / "autoservice_case1.yaml").read_text(encoding="utf-8")


def case1(db: Database, *codes: str, text: str | None = None) -> None:
    if text is None:
        load_example(db, "autoservice_case1.yaml", JOINED)
    else:
        load_text(db, text, JOINED)
    for code in codes or ("SENDER", "RECEIVER"):
        add_account(db, code, JOINED)


def earn(db: Database, account: str = "SENDER", parts_rub: int = 100_000, at: datetime = EARNED) -> None:
    """Parts of 100,000 RUB earn 12%: 12,000 bonus points."""
    post(
        db,
        order(f"e-{account}-{at:%m%d%H}", account, f"WO-{account}-{at:%m%d%H}", at, line("parts", parts_rub, "parts")),
    )


def send(
    db: Database, points: object, key: str, now: datetime, sender: str = "SENDER", receiver: str = "RECEIVER", **kw
):
    with db.unit_of_work() as s:
        return transfer_points(s, key=key, sender=sender, receiver=receiver, points=points, now=now, **kw)


def transfers(db: Database) -> int:
    with db.unit_of_work() as s:
        return int(s.scalar(select(func.count()).select_from(TransferRow)) or 0)


def lots_of(db: Database, code: str) -> list[LotRow]:
    with db.unit_of_work() as s:
        account_id = s.scalar(select(AccountRow.id).where(AccountRow.code == code))
        rows = s.scalars(select(LotRow).where(LotRow.account_id == account_id).order_by(LotRow.id)).all()
        s.expunge_all()
        return list(rows)


def test_a_client_transfers_1500_bonus_points_to_another(db: Database) -> None:
    case1(db)
    earn(db)  # 12,000
    done = send(db, "1500", "gift-1", moscow(2026, 3, 5, 12))
    assert not done.replayed
    assert done.result["points"] == "1500" and done.result["kind"] == "bonus"
    assert (done.result["from"], done.result["to"]) == ("SENDER", "RECEIVER")
    assert (done.result["sent_this_month"], done.result["left_this_month"]) == ("1500", "8500")
    at = moscow(2026, 3, 5, 13)
    assert spendable(db, "SENDER", at, "bonus") == "10500"
    assert spendable(db, "RECEIVER", at, "bonus") == "1500"
    assert ledger_sum(db) == 12000  # nothing created, nothing lost
    with db.unit_of_work() as s:
        entries = s.execute(
            select(EntryRow.type, EntryRow.amount_minor, EntryRow.event_id).where(EntryRow.type.like("transfer%"))
        )
        assert sorted(entries) == [("transfer_in", 1500, "transfer:gift-1"), ("transfer_out", -1500, "transfer:gift-1")]
    [earned, *_] = lots_of(db, "SENDER")
    [received] = lots_of(db, "RECEIVER")
    assert (received.available_from, received.expires_at) == (earned.available_from, None)  # the order's date
    assert received.rule_id == "transfer"


EXPIRING = CASE1.replace("kinds: [bonus]", "kinds: [bonus, premium]")


def credit_premium(db: Database, code: str, points: int, at: datetime, event_id: str) -> None:
    with db.unit_of_work() as s:
        account = s.scalar(select(AccountRow).where(AccountRow.code == code))
        program = active_program(s, account.program_id)
        grant_points(
            s,
            account=account,
            program=program,
            kind="premium",
            points_minor=points,
            event_id=event_id,
            event_type="test",
            rule_id="birthday",
            reason="test",
            at=at,
            now=at,
        )


def test_the_receivers_lots_keep_the_senders_expiry_dates(db: Database) -> None:
    case1(db, text=EXPIRING)
    credit_premium(db, "SENDER", 2000, moscow(2026, 3, 10, 12), "b1")  # expires 2026-06-10
    credit_premium(db, "SENDER", 1000, moscow(2026, 4, 20, 12), "b2")  # expires 2026-07-20
    send(db, "2500", "gift-1", moscow(2026, 5, 1, 12), kind="premium")
    received = lots_of(db, "RECEIVER")
    assert [(lot.earned_minor, lot.available_from, lot.expires_at) for lot in received] == [
        (2000, moscow(2026, 3, 10, 12), moscow(2026, 6, 10, 12)),  # the lot expiring first goes first
        (500, moscow(2026, 4, 20, 12), moscow(2026, 7, 20, 12)),
    ]
    card = balances(db, "RECEIVER", moscow(2026, 6, 11))["premium"]
    assert card["spendable"] == "500"  # a transfer did not make the first 2000 live longer


def test_oldest_first_programs_give_the_oldest_lots(db: Database) -> None:
    case1(db, text=EXPIRING.replace("lot_order: expiring_first", "lot_order: oldest_first"))
    credit_premium(db, "SENDER", 1000, moscow(2026, 3, 10, 12), "b1")
    with db.unit_of_work() as s:  # a younger lot that expires sooner (a shorter-lived grant)
        s.execute(update(LotRow).where(LotRow.event_id == "b1").values(expires_at=moscow(2026, 9, 1)))
    credit_premium(db, "SENDER", 1000, moscow(2026, 4, 10, 12), "b2")  # expires 2026-07-10
    send(db, "1000", "gift-1", moscow(2026, 5, 1, 12), kind="premium")
    [received] = lots_of(db, "RECEIVER")
    assert received.available_from == moscow(2026, 3, 10, 12)


def test_a_repeated_transfer_key_changes_nothing_and_another_request_with_it_conflicts(db: Database) -> None:
    case1(db)
    earn(db)
    first = send(db, "1500", "gift-1", moscow(2026, 3, 5, 12))
    again = send(db, 1500, "gift-1", moscow(2026, 3, 6, 12))
    assert again.replayed and again.result == first.result
    with pytest.raises(Conflict) as other:
        send(db, "1600", "gift-1", moscow(2026, 3, 6, 12))
    assert other.value.code == "idempotency_conflict" and other.value.field == "key"
    assert spendable(db, "RECEIVER", moscow(2026, 3, 7), "bonus") == "1500" and transfers(db) == 1


@pytest.mark.parametrize(
    ("points", "code"),
    [
        ("99", "transfer_below_min"),
        ("5001", "transfer_above_max"),
        ("0", "invalid_points"),
        ("1.5", "invalid_points"),
        ("abc", "invalid_amount"),
        ("-100", "negative_amount"),
    ],
)
def test_a_transfer_outside_the_limits_is_refused_and_writes_nothing(db: Database, points: str, code: str) -> None:
    case1(db)
    earn(db)
    with pytest.raises(LoyaltyError) as refused:
        send(db, points, "gift-1", moscow(2026, 3, 5, 12))
    assert refused.value.code == code and refused.value.field == "points"
    assert transfers(db) == 0 and spendable(db, "RECEIVER", moscow(2026, 3, 6), "bonus") == "0"


def test_an_account_sends_at_most_10000_a_calendar_month_in_moscow_time(db: Database) -> None:
    case1(db)
    earn(db, parts_rub=200_000)  # 24,000
    send(db, "5000", "t1", moscow(2026, 3, 5, 12))
    send(db, "4900", "t2", moscow(2026, 3, 20, 12))
    with pytest.raises(RuleViolation) as over:
        send(db, "200", "t3", moscow(2026, 3, 31, 23, 30))
    assert over.value.code == "monthly_transfer_limit" and "100 are left" in over.value.message
    send(db, "100", "t4", moscow(2026, 3, 31, 23, 40))  # exactly what is left
    # 00:10 on April 1st in Moscow is still March 31st in UTC: it is a new month for the program
    done = send(db, "5000", "t5", moscow(2026, 4, 1, 0, 10))
    assert done.result["left_this_month"] == "5000"
    assert spendable(db, "RECEIVER", moscow(2026, 4, 2), "bonus") == "15000"


def test_the_monthly_limit_counts_what_the_account_sent_to_anyone(db: Database) -> None:
    case1(db, "SENDER", "R1", "R2")
    earn(db)
    send(db, "5000", "t1", moscow(2026, 3, 5), receiver="R1")
    send(db, "5000", "t2", moscow(2026, 3, 6), receiver="R2")
    with pytest.raises(RuleViolation) as over:
        send(db, "100", "t3", moscow(2026, 3, 7), receiver="R1")
    assert over.value.code == "monthly_transfer_limit"
    send(db, "100", "t4", moscow(2026, 3, 7), sender="R1", receiver="SENDER")  # receiving does not count


def test_transfers_refused_between_the_wrong_accounts(db: Database) -> None:
    load_example(db, "autoservice_case1.yaml", JOINED)
    load_example(db, "autoservice_case2.yaml", JOINED)
    add_account(db, "SENDER", JOINED, program="autoservice-case1")
    add_account(db, "RECEIVER", JOINED, program="autoservice-case1")
    add_account(db, "GONE", JOINED, program="autoservice-case1")
    add_account(db, "ELSEWHERE", JOINED, program="autoservice-case2")
    earn(db)
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).where(AccountRow.code == "GONE").values(status="left"))
    cases = [
        ({"receiver": "SENDER"}, RuleViolation, "transfer_to_self", "to"),
        ({"receiver": "ELSEWHERE"}, RuleViolation, "different_programs", "to"),
        ({"receiver": "GONE"}, RuleViolation, "account_not_member", "to"),
        ({"receiver": "NOBODY"}, NotFound, "account_not_found", "to"),
        ({"sender": "NOBODY"}, NotFound, "account_not_found", "from"),
        ({"kind": "premium"}, RuleViolation, "kind_not_transferable", "kind"),
        ({"kind": "gold"}, RuleViolation, "kind_not_transferable", "kind"),
        ({"key": "not a key!"}, InvalidInput, "invalid_code", "key"),
    ]
    for extra, error, code, field in cases:
        args = {"key": "t1", **extra}
        with pytest.raises(error) as refused:
            send(db, "1000", args.pop("key"), moscow(2026, 3, 5), **args)
        assert (refused.value.code, refused.value.field) == (code, field), extra
    assert transfers(db) == 0 and ledger_sum(db) == 12000


def test_a_sender_that_left_cannot_give_points(db: Database) -> None:
    case1(db)
    earn(db)
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).where(AccountRow.code == "SENDER").values(status="blocked"))
    with pytest.raises(RuleViolation) as refused:
        send(db, "1000", "t1", moscow(2026, 3, 5))
    assert (refused.value.code, refused.value.field) == ("account_not_member", "from")


def test_accounts_with_an_excluded_tag_neither_send_nor_receive(db: Database) -> None:
    case1(
        db,
        "SENDER",
        "RECEIVER",
        "STAFF",
        text=CASE1.replace('max_per_month: "10000"', 'max_per_month: "10000"\n  exclude_tags: [staff]'),
    )
    earn(db)
    earn(db, "STAFF")
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).where(AccountRow.code == "STAFF").values(tags=["staff", "moscow"]))
    for sender, receiver, field in (("SENDER", "STAFF", "to"), ("STAFF", "RECEIVER", "from")):
        with pytest.raises(RuleViolation) as refused:
            send(db, "1000", f"{sender}-{receiver}", moscow(2026, 3, 5), sender=sender, receiver=receiver)
        assert (refused.value.code, refused.value.field) == ("account_excluded", field)
        assert "staff" in refused.value.message
    assert transfers(db) == 0


def test_a_transfer_above_the_spendable_balance_is_refused(db: Database) -> None:
    case1(db)
    earn(db, parts_rub=10_000)  # 1,200
    with pytest.raises(InsufficientPoints) as refused:
        send(db, "1500", "t1", moscow(2026, 3, 5))
    assert "1200" in refused.value.message and refused.value.field == "points"
    assert transfers(db) == 0 and ledger_sum(db, "SENDER") == 1200


def test_a_program_without_transfers_refuses_them(db: Database) -> None:
    load_example(db, "autoservice_case2.yaml", JOINED)
    add_account(db, "SENDER", JOINED)
    add_account(db, "RECEIVER", JOINED)
    with pytest.raises(RuleViolation) as refused:
        send(db, "100", "t1", moscow(2026, 3, 5))
    assert refused.value.code == "transfers_not_offered"


def test_an_account_that_may_not_spend_may_not_give(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    case1(db)
    earn(db)
    monkeypatch.setattr(pipeline, "SPENDING_BLOCKS", [lambda *_: "invoice INV-7 is overdue"])
    with pytest.raises(RuleViolation) as refused:
        send(db, "1000", "t1", moscow(2026, 3, 5))
    assert refused.value.code == "spending_blocked" and "INV-7" in refused.value.message


def test_a_return_of_an_order_whose_points_were_given_away_leaves_the_receiver_whole(db: Database) -> None:
    """What the sender gave away counts as spent: the return takes it from the sender (a debt), not the receiver."""
    case1(db)
    earn(db)  # 12,000 from order WO-SENDER-030210
    send(db, "5000", "t1", moscow(2026, 3, 5))
    returned = give_back(db, "r1", "WO-SENDER-030210", moscow(2026, 3, 10), 100_000)
    assert returned["taken_back"] == [{"kind": "bonus", "rule": "parts", "points": "7000", "debt": "5000"}]
    assert spendable(db, "RECEIVER", moscow(2026, 3, 11), "bonus") == "5000"
    assert balances(db, "SENDER", moscow(2026, 3, 11))["bonus"]["debt"] == "5000"
