"""Seed 004: the metal trader's stamp card of 3 columns x 4 cells (metal_cards.yaml). A purchase from
30,000 RUB earns one stamp; a full column offers its gift (by the member's card: bronze, silver, gold); the
client takes it or keeps collecting; the card always says what the next order brings; the records are
electronic, so a lost card loses nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select, update

from loyalka.domain.events import OrderIn
from loyalka.errors import Conflict, InvalidInput, NotFound, RuleViolation
from loyalka.services.fulfilment import cancel_order, fulfil_order
from loyalka.services.stamps import claim_gift
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow
from loyalka.storage.tables_catalog import RewardOrderRow, StampCardRow, StampClaimRow, StampRow
from tests.conftest import EXAMPLES, moscow
from tests.support import add_account, card, give_back, load_example, load_text, order, post

JOINED = moscow(2026, 1, 12, 9)
CARD = "purchases-3x4"
BRONZE_1 = "Сертификат 1 000 ₽ на резку металла"
BRONZE_2 = "Скидка 5% на услуги гибки"
SILVER_2 = "Скидка 10% на услуги гибки"


def metal(db: Database, *codes: str) -> None:
    load_example(db, "metal_cards.yaml", JOINED)
    for code in codes or ("METALL",):
        add_account(db, code, JOINED, region="Москва")


def set_tier(db: Database, code: str, tier: str | None) -> None:
    """The tiers feature moves members between cards; here the card is set directly."""
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).where(AccountRow.code == code).values(tier=tier))


def day(n: int) -> datetime:
    return moscow(2026, 2, 1, 10) + (moscow(2026, 2, 2) - moscow(2026, 2, 1)) * (n - 1)


def buy(db: Database, number: int, rub: int, code: str = "METALL") -> dict[str, Any]:
    [done] = post(db, order(f"e-{code}-{number}", code, f"{code}-{number}", day(number), rub=rub))
    return done.result


def stamp_card(db: Database, code: str = "METALL", at: datetime | None = None) -> dict[str, Any]:
    [found] = [c for c in card(db, code, at or day(40))["stamp_cards"] if c["card"] == CARD]
    return found


def claim(db: Database, column: int, key: str, code: str = "METALL", at: datetime | None = None) -> dict[str, Any]:
    with db.unit_of_work() as s:
        made, _ = claim_gift(s, account_code=code, card_id=CARD, column=column, key=key, now=at or day(30))
    return made


def check_invariant(db: Database, code: str = "METALL") -> None:
    """The card's count is the number of live, unclaimed stamps of its cycle, and there are no others."""
    with db.unit_of_work() as s:
        account_id = s.scalar(select(AccountRow.id).where(AccountRow.code == code))
        state = s.scalar(select(StampCardRow).where(StampCardRow.account_id == account_id))
        open_stamps = s.scalars(
            select(StampRow.cycle).where(
                StampRow.account_id == account_id, StampRow.claim_id.is_(None), StampRow.removed_at.is_(None)
            )
        ).all()
    assert len(open_stamps) == state.stamps and set(open_stamps) <= {state.cycle}


def test_four_purchases_from_30000_fill_column_1_and_offer_the_bronze_gift(db: Database) -> None:
    metal(db)
    set_tier(db, "METALL", "bronze")
    for n in range(1, 4):
        buy(db, n, 30_000 + n * 5_000)
    three = stamp_card(db)
    assert (three["stamps"], three["gifts_offered"]) == (3, [])
    assert three["next_order"]["stamps_to_gift"] == 1
    assert (
        three["next_order"]["text"] == f"Заказ от 30\u00a0000,00\u00a0₽ добавит штамп и заполнит столбец 1: {BRONZE_1}."
    )
    buy(db, 4, 30_000)  # exactly 30,000.00 qualifies
    four = stamp_card(db)
    assert four["stamps"] == 4
    assert [c["stamps"] for c in four["grid"]] == [4, 0, 0]
    assert four["gifts_offered"] == [
        {"column": 1, "gift": BRONZE_1, "gift_en": "1,000 RUB certificate for metal cutting"}
    ]
    assert four["next_order"]["column"] == 2 and four["next_order"]["stamps_to_gift"] == 4
    assert [o["order_id"] for o in four["stamped_orders"]] == ["METALL-1", "METALL-2", "METALL-3", "METALL-4"]
    check_invariant(db)


def test_a_member_whose_entry_card_is_not_stored_yet_is_offered_and_given_the_bronze_gift(db: Database) -> None:
    text = (EXAMPLES / "metal_cards.yaml").read_text(encoding="utf-8")
    bronze = '          bronze: {ru: "Бронзовый подарок", en: "Bronze gift"}\n'
    load_text(db, text.replace("        by_tier:\n", "        by_tier:\n" + bronze, 1), JOINED)
    add_account(db, "METALL", JOINED)
    set_tier(db, "METALL", None)  # joined before the program had cards: bronze, the entry card, until a close
    for n in range(1, 5):
        buy(db, n, 30_000)
    assert stamp_card(db)["gifts_offered"] == [{"column": 1, "gift": "Бронзовый подарок", "gift_en": "Bronze gift"}]
    taken = claim(db, 1, "k1")
    assert (taken["gift"], taken["tier"]) == ("Бронзовый подарок", "bronze")


def test_a_purchase_under_30000_adds_no_stamp(db: Database) -> None:
    metal(db)
    post(db, OrderIn("e-small", "METALL", "SMALL-1", day(1), 2_999_999))  # 29,999.99
    assert stamp_card(db)["stamps"] == 0
    buy(db, 2, 30_000)
    assert stamp_card(db)["stamps"] == 1


def test_the_client_keeps_collecting_and_a_silver_member_takes_column_2s_silver_gift(db: Database) -> None:
    metal(db)
    for n in range(1, 9):
        buy(db, n, 45_000)
    eight = stamp_card(db)
    assert [g["column"] for g in eight["gifts_offered"]] == [1, 2]
    assert eight["gifts_offered"][1]["gift"] == BRONZE_2  # no tier yet: the default (bronze) gift
    set_tier(db, "METALL", "silver")  # the gift is the one of the card held at the claim
    assert stamp_card(db)["gifts_offered"][1]["gift"] == SILVER_2
    taken = claim(db, 2, "claim-1")
    assert (taken["column"], taken["tier"], taken["gift"]) == (2, "silver", SILVER_2)
    assert (taken["stamps_used"], taken["stamps_carried"], taken["cycle"]) == (8, 0, 1)
    assert taken["order"]["status"] == "new" and taken["order"]["type"] == "gift"
    assert taken["order"]["points"] == {}
    fresh = stamp_card(db)
    assert (fresh["cycle"], fresh["stamps"], fresh["gifts_offered"]) == (2, 0, [])
    assert fresh["next_order"]["stamps_to_gift"] == 4
    buy(db, 9, 60_000)
    assert (stamp_card(db)["cycle"], stamp_card(db)["stamps"]) == (2, 1)
    check_invariant(db)


def test_stamps_beyond_the_claimed_column_move_to_the_next_card(db: Database) -> None:
    metal(db)
    for n in range(1, 11):
        buy(db, n, 30_000)
    taken = claim(db, 1, "early-gift")  # ten stamps; the client takes column 1's gift
    assert (taken["stamps_used"], taken["stamps_carried"]) == (4, 6)
    after = stamp_card(db)
    assert (after["cycle"], after["stamps"], [g["column"] for g in after["gifts_offered"]]) == (2, 6, [1])
    assert [o["order_id"] for o in after["stamped_orders"]] == [f"METALL-{n}" for n in range(5, 11)]
    check_invariant(db)


def test_stamps_beyond_a_full_grid_wait_for_the_next_card(db: Database) -> None:
    metal(db)
    for n in range(1, 15):
        buy(db, n, 30_000)
    full = stamp_card(db)
    assert (full["stamps"], full["waiting"], len(full["gifts_offered"])) == (12, 2, 3)
    assert full["next_order"]["column"] is None
    assert full["next_order"]["text_en"].startswith("The card is full: claim a gift.")
    taken = claim(db, 3, "grand-gift")
    assert taken["gift"] == "Сертификат 5 000 ₽ на услуги"
    assert (taken["stamps_used"], taken["stamps_carried"]) == (12, 2)
    assert (stamp_card(db)["cycle"], stamp_card(db)["stamps"], stamp_card(db)["waiting"]) == (2, 2, 0)
    check_invariant(db)


def test_a_returned_stamped_order_loses_its_stamp_while_it_is_on_the_current_card(db: Database) -> None:
    metal(db)
    buy(db, 1, 40_000)
    buy(db, 2, 50_000)
    kept = give_back(db, "r1", "METALL-2", day(3), 20_000)  # 30,000 left: still qualifies
    assert "stamps" not in kept and stamp_card(db)["stamps"] == 2
    gone = give_back(db, "r2", "METALL-1", day(3), 15_000)  # 25,000 left
    assert gone["stamps"] == [{"card": CARD, "change": "removed"}]
    now = stamp_card(db)
    assert now["stamps"] == 1 and [o["order_id"] for o in now["stamped_orders"]] == ["METALL-2"]
    with db.unit_of_work() as s:
        stamp = s.scalar(select(StampRow).where(StampRow.order_ref == "METALL-1"))
        assert (stamp.removed_by, stamp.removed_at is not None) == ("r2", True)  # the record stays
    assert "stamps" not in give_back(db, "r3", "METALL-1", day(4), 5_000)  # removed once
    check_invariant(db)


def test_a_return_after_the_gift_was_taken_keeps_the_gift_and_the_new_card(db: Database) -> None:
    metal(db)
    for n in range(1, 6):
        buy(db, n, 30_000)
    claim(db, 1, "gift-1")  # stamps 1-4 used, the fifth carried
    used = give_back(db, "r1", "METALL-2", day(31), 10_000)
    assert used["stamps"] == [{"card": CARD, "change": "kept_in_claimed_gift"}]
    assert stamp_card(db)["stamps"] == 1
    carried = give_back(db, "r2", "METALL-5", day(31), 10_000)  # the carried stamp is on the current card
    assert carried["stamps"] == [{"card": CARD, "change": "removed"}]
    assert stamp_card(db)["stamps"] == 0
    check_invariant(db)


def test_reposting_an_order_adds_no_stamp(db: Database) -> None:
    metal(db)
    first = order("e1", "METALL", "M-1", day(1), rub=90_000)
    post(db, first)
    [again] = post(db, first)
    assert again.replayed
    [resent] = post(db, order("e1-resent", "METALL", "M-1", day(1), rub=90_000))  # the ERP sends it once more
    assert resent.result.get("resent") is True
    assert stamp_card(db)["stamps"] == 1
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(StampRow)) == 1


def test_one_batch_of_orders_stamps_each_qualifying_order_once(db: Database) -> None:
    metal(db, "A", "B")
    post(
        db,
        order("a1", "A", "A-1", day(1), rub=31_000),
        order("b1", "B", "B-1", day(1), rub=31_000),
        order("a2", "A", "A-2", day(2), rub=10_000),
        order("a3", "A", "A-3", day(2), rub=99_000),
    )
    assert (stamp_card(db, "A")["stamps"], stamp_card(db, "B")["stamps"]) == (2, 1)
    check_invariant(db, "A")


def test_a_corrected_document_below_the_rule_loses_its_stamp_and_gets_it_back_when_it_qualifies(db: Database) -> None:
    metal(db)
    buy(db, 1, 35_000)
    [lower] = post(db, OrderIn("e1-v2", "METALL", "METALL-1", day(1), 2_500_000, version=2))
    assert lower.result["stamps"] == [{"card": CARD, "change": "removed"}]
    assert stamp_card(db)["stamps"] == 0
    [higher] = post(db, OrderIn("e1-v3", "METALL", "METALL-1", day(1), 3_100_000, version=3))
    assert higher.result["stamps"] == [{"card": CARD, "change": "added"}]
    assert stamp_card(db)["stamps"] == 1
    check_invariant(db)


def test_cancelling_a_gift_gives_its_stamps_back_to_the_card(db: Database) -> None:
    metal(db)
    for n in range(1, 6):
        buy(db, n, 30_000)
    taken = claim(db, 1, "gift-1")
    with db.unit_of_work() as s:
        cancel_order(s, taken["order"]["id"], at=day(31), reason="the certificate ran out")
    back = stamp_card(db)
    assert (back["cycle"], back["stamps"]) == (2, 5)
    assert [o["order_id"] for o in back["stamped_orders"]] == [f"METALL-{n}" for n in range(1, 6)]
    check_invariant(db)
    again = claim(db, 1, "gift-2")  # the client takes it again later
    assert (again["cycle"], again["stamps_carried"]) == (2, 1)


def test_a_claim_is_idempotent_by_its_key(db: Database) -> None:
    metal(db)
    for n in range(1, 9):
        buy(db, n, 30_000)
    first = claim(db, 1, "k-1")
    with db.unit_of_work() as s:
        replay, replayed = claim_gift(s, account_code="METALL", card_id=CARD, column=1, key="k-1", now=day(35))
    assert replayed and replay == first
    with db.unit_of_work() as s, pytest.raises(Conflict) as other:
        claim_gift(s, account_code="METALL", card_id=CARD, column=2, key="k-1", now=day(35))
    assert other.value.code == "idempotency_conflict"
    assert stamp_card(db)["stamps"] == 4  # one gift only
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(StampClaimRow)) == 1


@pytest.mark.parametrize(
    ("card_id", "column", "key", "error", "code"),
    [
        (CARD, 2, "k", RuleViolation, "column_not_full"),
        (CARD, 4, "k", InvalidInput, "invalid_column"),
        ("loyalty-5x5", 1, "k", NotFound, "stamp_card_not_found"),
        (CARD, 1, "bad key!", InvalidInput, "invalid_code"),
    ],
)
def test_a_bad_claim_is_refused_clearly_and_writes_nothing(
    db: Database, card_id: str, column: int, key: str, error: type[Exception], code: str
) -> None:
    metal(db)
    for n in range(1, 6):
        buy(db, n, 30_000)
    with db.unit_of_work() as s, pytest.raises(error) as refused:
        claim_gift(s, account_code="METALL", card_id=card_id, column=column, key=key, now=day(30))
    assert refused.value.code == code  # type: ignore[attr-defined]
    assert_nothing_claimed(db, stamps=5)


def test_an_account_that_left_the_program_cannot_take_a_gift(db: Database) -> None:
    metal(db)
    for n in range(1, 5):
        buy(db, n, 30_000)
    with db.unit_of_work() as s:
        s.execute(update(AccountRow).where(AccountRow.code == "METALL").values(status="left"))
    with db.unit_of_work() as s, pytest.raises(RuleViolation) as refused:
        claim_gift(s, account_code="METALL", card_id=CARD, column=1, key="k", now=day(30))
    assert refused.value.code == "account_not_member"
    assert_nothing_claimed(db, stamps=4)
    buy(db, 5, 90_000)  # a former member's order earns no stamp
    assert stamp_card(db)["stamps"] == 4


def test_a_gift_order_is_fulfilled_once(db: Database) -> None:
    metal(db)
    for n in range(1, 5):
        buy(db, n, 30_000)
    taken = claim(db, 1, "k")
    with db.unit_of_work() as s:
        done = fulfil_order(s, taken["order"]["id"], at=day(32), note="handed to the driver")
        again = fulfil_order(s, taken["order"]["id"], at=day(33))
        assert (done.status, again.resolved_at) == ("fulfilled", day(32))
    with db.unit_of_work() as s, pytest.raises(Conflict) as late:
        cancel_order(s, taken["order"]["id"], at=day(34))
    assert late.value.code == "reward_order_resolved"
    assert stamp_card(db)["cycle"] == 2


def test_a_when_condition_limits_which_orders_earn_a_stamp(db: Database) -> None:
    from tests.conftest import EXAMPLES
    from tests.support import line, load_text

    text = (EXAMPLES / "metal_cards.yaml").read_text(encoding="utf-8")
    text = text.replace(
        'stamp: {min_order: "30000.00"}', 'stamp: {min_order: "30000.00", when: "\'sheet\' in order.categories"}'
    )
    load_text(db, text, JOINED)
    add_account(db, "METALL", JOINED)
    post(db, order("e1", "METALL", "M-1", day(1), line("pipe-40", 50_000, "pipe")))
    post(db, order("e2", "METALL", "M-2", day(2), line("sheet-2mm", 20_000, "sheet"), line("pipe-20", 15_000, "pipe")))
    shown = stamp_card(db)
    assert [o["order_id"] for o in shown["stamped_orders"]] == ["M-2"]
    assert "отвечающий условиям карты" in shown["next_order"]["text"]
    gone = give_back(db, "r1", "M-2", day(3), 0, ("sheet-2mm", 20_000))  # no sheet left, and under 30,000
    assert gone["stamps"] == [{"card": CARD, "change": "removed"}]


def test_a_program_without_stamp_cards_shows_none(db: Database) -> None:
    load_example(db, "textile.yaml", JOINED)
    add_account(db, "SALON", JOINED, region="Москва")
    post(db, order("e1", "SALON", "S-1", day(1), rub=90_000))
    assert card(db, "SALON", day(2))["stamp_cards"] == []
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(StampCardRow)) == 0


def assert_nothing_claimed(db: Database, *, stamps: int) -> None:
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(StampClaimRow)) == 0
        assert s.scalar(select(func.count()).select_from(RewardOrderRow)) == 0
    assert (stamp_card(db)["cycle"], stamp_card(db)["stamps"]) == (1, stamps)
