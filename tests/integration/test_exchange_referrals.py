"""Seed 002: referral bonuses. The referrer earns 2,000 points and the company it brought 1,000 when that
company's first order of at least 50,000 RUB arrives within 180 days of its joining; self-referral and loops
are refused."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from loyalka.domain.accounts import AccountIn
from loyalka.errors import Conflict, InvalidInput, NotFound, RuleViolation
from loyalka.services.referrals import assign_codes, set_referrer, show_referrals
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow, EntryRow, EventRow, MessageRow
from tests.conftest import EXAMPLES, moscow
from tests.support import add_account, balances, card, give_back, ledger_sum, load_example, load_text, order, post

START = moscow(2026, 1, 10, 9)
JOINED = moscow(2026, 2, 1, 10)  # the referred company joins; day 180 after it is 2026-07-31
INN = {"REF": "7707083893", "NEW": "7736207543", "OTHER": "7702070139", "THIRD": "7728168971"}


def program(db: Database) -> None:
    load_example(db, "wholesale_tiers.yaml", START)
    add_account(db, "REF", START, inn=INN["REF"], contacts=[{"code": "c", "name": "Анна", "email": "ref@example.ru"}])


def code_of(db: Database, account: str) -> str:
    with db.unit_of_work() as s:
        return str(s.scalar(select(AccountRow.referral_code).where(AccountRow.code == account)))


def referred(db: Database, account: str = "NEW", by: str = "REF", at: datetime = JOINED, **fields: object) -> None:
    add_account(db, account, at, inn=fields.pop("inn", INN.get(account)), referred_by=code_of(db, by), **fields)


def buy(db: Database, ref: str, rub: int, at: datetime, account: str = "NEW"):
    [done] = post(db, order(f"e-{ref}", account, ref, at, rub=rub))
    return done


def events(db: Database, prefix: str = "referral") -> list[str]:
    with db.unit_of_work() as s:
        return sorted(s.scalars(select(EventRow.event_id).where(EventRow.event_id.like(f"{prefix}%"))))


def points(db: Database, account: str, at: datetime) -> tuple[str, str]:
    kind = balances(db, account, at)["points"]
    return kind["spendable"], kind["pending"]


def test_the_referrer_gets_2000_and_the_new_company_1000_for_its_first_order_of_50000(db: Database) -> None:
    program(db)
    referred(db)
    done = buy(db, "O-1", 50_000, moscow(2026, 3, 2, 12))
    assert any("REF earns 2000" in note for note in done.result["notes"])
    assert any("NEW earns 1000" in note for note in done.result["notes"])
    with db.unit_of_work() as s:
        new_id = s.scalar(select(AccountRow.id).where(AccountRow.code == "NEW"))
    assert events(db) == [f"referral:{new_id}", f"referral:{new_id}:referred", f"referral:{new_id}:referrer"]
    # like the order's points, the bonuses wait out the 14-day return window
    assert points(db, "REF", moscow(2026, 3, 3)) == ("0", "2000")
    assert points(db, "REF", moscow(2026, 3, 16, 13)) == ("2000", "0")
    assert points(db, "NEW", moscow(2026, 3, 16, 13)) == ("1500", "0")  # 500 for the order + 1000
    with db.unit_of_work() as s:
        [message] = s.scalars(select(MessageRow).where(MessageRow.template == "referral-earned")).all()
        assert message.account_id != new_id and "Мы начислили 2000 баллов" in message.body
        kinds = s.execute(select(EntryRow.type, EntryRow.rule_id).where(EntryRow.event_id.like("referral%"))).all()
        assert sorted(kinds) == [("grant", "referral"), ("grant", "referral")]


def test_an_order_of_49999_gives_nothing_and_a_later_one_of_50000_does(db: Database) -> None:
    program(db)
    referred(db)
    small = buy(db, "O-1", 49_999, moscow(2026, 3, 2))
    assert not any("referral" in note for note in small.result["notes"])
    assert events(db) == []
    assert ledger_sum(db, "REF") == 0
    buy(db, "O-2", 50_000, moscow(2026, 4, 2))  # the first *qualifying* order
    assert ledger_sum(db, "REF") == 2000


def test_the_180th_day_after_joining_still_counts_and_the_next_does_not(db: Database) -> None:
    program(db)
    referred(db, "NEW")
    referred(db, "LATE", inn=INN["OTHER"])
    buy(db, "O-1", 60_000, moscow(2026, 7, 31, 23, 50), account="NEW")  # day 180, Moscow time
    buy(db, "O-2", 60_000, moscow(2026, 8, 1, 0, 10), account="LATE")  # day 181: too late
    assert ledger_sum(db, "REF") == 2000
    assert ledger_sum(db, "LATE") == 600  # only the order's own points
    assert card(db, "LATE", moscow(2026, 8, 2))["referral"]["status"] == "expired"


def test_the_referral_pays_once_even_for_two_qualifying_orders_in_one_batch(db: Database) -> None:
    program(db)
    referred(db)
    post(
        db,
        order("e1", "NEW", "O-1", moscow(2026, 3, 2), rub=50_000),
        order("e2", "NEW", "O-2", moscow(2026, 3, 3), rub=80_000),
    )
    buy(db, "O-3", 90_000, moscow(2026, 3, 4))
    assert ledger_sum(db, "REF") == 2000
    assert ledger_sum(db, "NEW") == 500 + 800 + 900 + 1000
    assert card(db, "NEW", moscow(2026, 3, 5))["referral"]["rewarded_order"] == "O-1"


def test_a_replayed_qualifying_order_pays_nothing_more(db: Database) -> None:
    program(db)
    referred(db)
    first = buy(db, "O-1", 50_000, moscow(2026, 3, 2))
    again = buy(db, "O-1", 50_000, moscow(2026, 3, 2))
    assert again.replayed and again.result == first.result
    assert ledger_sum(db, "REF") == 2000


def test_a_return_of_the_qualifying_order_keeps_the_referral_bonuses(db: Database) -> None:
    """The bonuses are for bringing a company that placed a qualifying order; a return settles the order's
    own points only, and never pays the referral a second time."""
    program(db)
    referred(db)
    buy(db, "O-1", 50_000, moscow(2026, 3, 2))
    give_back(db, "r1", "O-1", moscow(2026, 3, 5), 50_000)
    assert ledger_sum(db, "REF") == 2000 and ledger_sum(db, "NEW") == 1000
    buy(db, "O-2", 50_000, moscow(2026, 3, 10))
    assert ledger_sum(db, "REF") == 2000 and ledger_sum(db, "NEW") == 1500


def test_a_referrer_that_left_earns_nothing_but_the_new_company_keeps_its_bonus(db: Database) -> None:
    program(db)
    referred(db)
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).where(AccountRow.code == "REF").values(status="left"))
    done = buy(db, "O-1", 50_000, moscow(2026, 3, 2))
    assert any("REF is left" in note for note in done.result["notes"])
    assert ledger_sum(db, "REF") == 0 and ledger_sum(db, "NEW") == 1500


# --- naming a referrer -----------------------------------------------------------------------------------------
def test_every_account_gets_a_short_unambiguous_referral_code(db: Database) -> None:
    program(db)
    for i in range(20):
        add_account(db, f"C{i}", START)
    with db.unit_of_work() as s:
        codes = list(s.scalars(select(AccountRow.referral_code)))
    assert len(codes) == 21 == len(set(codes))
    assert all(len(c) == 8 and not set(c) & set("01OIL") for c in codes)


def test_accounts_created_before_codes_get_one_lazily_or_all_at_once(db: Database) -> None:
    program(db)
    add_account(db, "B", START)
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).values(referral_code=None))
    shown = card(db, "REF", START)["referral"]["code"]
    assert shown == code_of(db, "REF") == card(db, "REF", START)["referral"]["code"]  # given once, kept
    with db.unit_of_work() as s:
        assert assign_codes(s) == 1  # only B still lacked one
        assert assign_codes(s) == 0


def test_the_account_card_shows_the_code_and_the_referrer(db: Database) -> None:
    program(db)
    referred(db)
    new = card(db, "NEW", moscow(2026, 2, 2))["referral"]
    assert new["referred_by"] == {"account": "REF", "name": "Компания REF"}
    assert new["status"] == "waiting" and new["qualify_until"] == moscow(2026, 8, 1).isoformat()
    ref = card(db, "REF", moscow(2026, 2, 2))["referral"]
    assert (ref["code"], ref["referred_by"], ref["referred_companies"], ref["rewarded_referrals"]) == (
        code_of(db, "REF"),
        None,
        1,
        0,
    )
    buy(db, "O-1", 50_000, moscow(2026, 3, 2))
    assert card(db, "REF", moscow(2026, 3, 3))["referral"]["rewarded_referrals"] == 1
    with db.unit_of_work() as s:
        shown = show_referrals(s, code_of(db, "REF"), now=moscow(2026, 3, 3))  # by the referral code too
    assert [c["account"] for c in shown["companies"]] == ["NEW"] and shown["companies"][0]["status"] == "rewarded"


def test_self_referral_by_the_same_inn_is_refused_and_nothing_is_created(db: Database) -> None:
    program(db)
    with pytest.raises(RuleViolation) as refused:
        referred(db, "BRANCH", inn=INN["REF"])
    assert refused.value.code == "self_referral" and INN["REF"] in refused.value.message
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(AccountRow)) == 1


def name_referrer(db: Database, account: str, by: str, at: datetime = JOINED) -> dict:
    with db.unit_of_work() as s:
        return set_referrer(s, account, code_of(db, by), now=at)


def test_naming_itself_later_is_refused(db: Database) -> None:
    program(db)
    with pytest.raises(RuleViolation) as refused:
        name_referrer(db, "REF", "REF")
    assert refused.value.code == "self_referral"


def test_a_loop_of_referrers_is_refused(db: Database) -> None:
    program(db)
    add_account(db, "A", START, inn=INN["OTHER"])
    referred(db, "B", by="A", inn=INN["NEW"])
    referred(db, "C", by="B", inn=INN["THIRD"])
    for by in ("B", "C"):  # A brought B, B brought C: neither may have brought A
        with pytest.raises(RuleViolation) as loop:
            name_referrer(db, "A", by)
        assert loop.value.code == "referral_loop"
    name_referrer(db, "A", "REF")  # an outside referrer is fine
    assert card(db, "A", JOINED)["referral"]["referred_by"]["account"] == "REF"


def test_a_referrer_named_later_is_kept_and_cannot_be_changed(db: Database) -> None:
    program(db)
    add_account(db, "OTHER", START, inn=INN["OTHER"])
    add_account(db, "NEW", JOINED, inn=INN["NEW"])
    view = name_referrer(db, "NEW", "REF")
    assert view["referred_by"]["account"] == "REF"
    assert name_referrer(db, "NEW", "REF")["referred_by"]["account"] == "REF"  # the same again: nothing changes
    with pytest.raises(Conflict) as changed:
        name_referrer(db, "NEW", "OTHER")
    assert changed.value.code == "referrer_already_set"
    buy(db, "O-1", 50_000, moscow(2026, 3, 2))
    assert ledger_sum(db, "REF") == 2000 and ledger_sum(db, "OTHER") == 0


def test_a_referrer_is_named_before_the_first_order(db: Database) -> None:
    program(db)
    add_account(db, "NEW", JOINED, inn=INN["NEW"])
    buy(db, "O-1", 20_000, moscow(2026, 2, 5))
    with pytest.raises(RuleViolation) as late:
        name_referrer(db, "NEW", "REF")
    assert late.value.code == "referrer_after_first_order"


def test_a_referrer_of_another_program_or_not_a_member_is_refused(db: Database) -> None:
    program(db)
    load_example(db, "autoservice_case1.yaml", START)
    add_account(db, "GARAGE", START, program="autoservice-case1")
    add_account(db, "GONE", START, program="wholesale-tiers")
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).where(AccountRow.code == "GONE").values(status="left"))
    with pytest.raises(RuleViolation) as other:
        add_account(db, "NEW", JOINED, program="wholesale-tiers", referred_by=code_of(db, "GARAGE"))
    assert other.value.code == "referrer_other_program"
    with pytest.raises(RuleViolation) as gone:
        add_account(db, "NEW", JOINED, program="wholesale-tiers", referred_by=code_of(db, "GONE"))
    assert gone.value.code == "referrer_not_member"
    with pytest.raises(RuleViolation) as no_scheme:  # case 1 has no referral scheme
        add_account(db, "G2", JOINED, program="autoservice-case1", referred_by=code_of(db, "GARAGE"))
    assert no_scheme.value.code == "referrals_not_offered"


def test_a_malformed_or_unknown_referral_code_is_refused(db: Database) -> None:
    program(db)
    with pytest.raises(InvalidInput) as malformed:
        AccountIn(code="NEW", name="Новая", referred_by="not a code!")
    assert malformed.value.code == "invalid_referral_code"
    with pytest.raises(InvalidInput) as ambiguous:
        add_account(db, "NEW", JOINED, referred_by="OOOO1111")  # letters the codes never use
    assert ambiguous.value.code == "invalid_referral_code"
    with pytest.raises(NotFound) as unknown:
        add_account(db, "NEW", JOINED, referred_by="ZZZZ2222")
    assert unknown.value.code == "referral_code_not_found"
    written = code_of(db, "REF").lower()
    add_account(db, "NEW", JOINED, referred_by=f"{written[:4]}-{written[4:]}")  # as a person types it
    with db.unit_of_work() as s:
        assert s.scalar(select(AccountRow.referred_by_id).where(AccountRow.code == "NEW")) is not None


def test_a_corrected_version_lifting_an_order_over_the_minimum_does_not_settle_the_referral(db: Database) -> None:
    """Only new orders are looked at; the next qualifying order settles it."""
    program(db)
    referred(db)
    buy(db, "O-1", 40_000, moscow(2026, 3, 2))
    post(db, order("e-O-1-v2", "NEW", "O-1", moscow(2026, 3, 2), rub=60_000, version=2), now=moscow(2026, 3, 3))
    assert events(db) == [] and ledger_sum(db, "REF") == 0
    buy(db, "O-2", 50_000, moscow(2026, 3, 4))
    assert ledger_sum(db, "REF") == 2000


def test_date_in_the_referrers_message_is_when_its_points_expire(db: Database) -> None:
    """The wholesale points live 12 months: the referrer reads until when, in its own language's form."""
    text = (EXAMPLES / "wholesale_tiers.yaml").read_text(encoding="utf-8")
    load_text(db, text.replace('"Мы начислили {points} баллов."', '"Мы начислили {points} баллов до {date}."'), START)
    add_account(db, "REF", START, inn=INN["REF"], contacts=[{"code": "c", "name": "Анна", "email": "ref@example.ru"}])
    referred(db)
    buy(db, "O-1", 50_000, moscow(2026, 3, 2, 12))
    [lot] = [lot for lot in balances(db, "REF", moscow(2026, 3, 3))["points"]["lots"] if lot["rule"] == "referral"]
    expires = datetime.fromisoformat(lot["expires_at"]).astimezone(ZoneInfo("Europe/Moscow"))
    with db.unit_of_work() as s:
        [body] = s.scalars(select(MessageRow.body).where(MessageRow.template == "referral-earned")).all()
    assert body == f"Мы начислили 2000 баллов до {expires:%d.%m.%Y}."
