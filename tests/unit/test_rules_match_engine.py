"""Clauses of the published rules that once said less or more than the engine does (found in review)."""

from __future__ import annotations

from loyalka.program.loader import parse_program
from loyalka.program.rules_text import render_rules
from loyalka.program.rules_words import NBSP
from tests.unit.test_rules_text import FULL, contains, rules


def test_an_overdue_invoice_blocks_every_earning_rule_and_the_rules_say_so() -> None:
    # block_earning stops orders, invoice payments and activities alike (services.invoices.earning_block), not
    # only orders: the clause names the earning rules, not "its orders"
    program = parse_program(FULL)
    russian, english = (render_rules(program, lang).replace(NBSP, " ") for lang in ("ru", "en"))
    contains(
        russian, "Пока у участника есть просроченный счёт, баллы по правилам начисления (разд. 3) ему не начисляются."
    )
    contains(english, "While a member has an overdue invoice, it earns nothing under the earning rules (section 3).")
    assert "его заказы не приносят баллов" not in russian


def test_benefits_count_the_points_of_the_months_orders_as_the_close_does() -> None:
    # the close sums what the month's orders earn (engine/close.py), not a birthday's or a campaign's points
    contains(
        rules("textile", "ru"),
        "Если сумма баллов, начисленных участнику за заказы календарного месяца, составляет 2 000 бонусных рублей "
        "или больше, на следующий календарный месяц он получает:",
    )
    contains(
        rules("textile", "en"),
        "A member whose orders of a calendar month earn 2,000 bonus rubles or more receives for the following "
        "calendar month:",
    )


def test_the_textile_leaderboards_state_the_seeds_gifts_for_the_best_of_each_region() -> None:
    # seed 000: "лучшие участники программы лояльности в каждом регионе получают подарки и фирменные сувениры"
    contains(
        rules("textile", "ru"),
        "по сумме покупок за квартал (за вычетом возвратов). Призы: 1-е место — подарок и фирменные сувениры; "
        "2-е место — подарок и фирменные сувениры; 3-е место — подарок и фирменные сувениры.",
    )
    contains(rules("textile", "en"), "Prizes: place 1: a gift and branded souvenirs; place 2:")


def test_membership_and_the_tier_multiplier_are_those_when_the_order_is_recorded() -> None:
    # the engine earns by the account's status and tier when it records an order (services/events.py): an
    # order dated before a member left, recorded after, earns nothing, so "on the date of the order" promised
    # points the engine never credits
    russian, english = rules("wholesale_tiers", "ru"), rules("wholesale_tiers", "en")
    contains(
        russian,
        "Баллы начисляются участнику, который является действующим участником программы на момент учёта заказа "
        "или события.",
        "Количество баллов умножается на коэффициент уровня участника на момент учёта заказа (разд. 4).",
        "Количество баллов умножается на коэффициент уровня участника на момент учёта оплаты (разд. 4).",
    )
    contains(
        english,
        "Points are earned by a member that is an active member of the program when the order or event is recorded.",
        "The points are multiplied by the member's tier multiplier when the order is recorded (section 4).",
    )
    assert "на дату заказа" not in russian and "на дату оплаты" not in russian


def test_the_stamp_card_says_a_return_can_take_a_stamp_back() -> None:
    # services/stamps.py: a return or a corrected document re-checks the order; a stamp whose order no longer
    # qualifies is removed, and a gift already taken with it stands
    contains(
        rules("metal_cards", "ru"),
        "Если после возврата или исправления документа заказ перестаёт отвечать условию отметки, отметка "
        "снимается; подарок, уже полученный с её учётом, остаётся у участника.",
    )
    contains(
        rules("metal_cards", "en"),
        "If a return or a corrected document makes an order no longer qualify, its stamp is removed; a gift "
        "already taken with it stays with the member.",
    )


def test_the_referral_clause_says_a_return_does_not_take_the_reward_back() -> None:
    # services/referral_rewards.py: a later return or correction of the qualifying order leaves the rewards
    contains(
        rules("wholesale_tiers", "ru"),
        "Возврат товара по заказу рекомендованной компании не отменяет начисленного за рекомендацию",
    )
    contains(rules("wholesale_tiers", "en"), "A return on the recommended company's order does not take back")


def test_an_overdue_invoice_stops_every_spending_of_points_and_the_rules_say_which() -> None:
    # SPENDING_BLOCKS refuse paying for an order, redeeming a reward (services/rewards.py) and giving points away
    # (services/transfers.py) alike; the clause named orders only
    contains(
        rules("wholesale_tiers", "ru"),
        "Пока у участника есть просроченный счёт, он не может оплачивать баллами заказы и обменивать баллы на "
        "вознаграждения.",
    )
    contains(
        rules("wholesale_tiers", "en"),
        "While a member has an overdue invoice, the member cannot pay for orders with points or exchange points for "
        "rewards.",
    )
    with_transfers = FULL.replace("block_spending: false", "block_spending: true")
    assert with_transfers != FULL
    contains(
        render_rules(parse_program(with_transfers), "ru").replace(NBSP, " "),
        "он не может оплачивать баллами заказы, обменивать баллы на вознаграждения и передавать баллы другим "
        "участникам, а баллы по правилам начисления (разд. 3) ему не начисляются.",
    )


def test_transferred_points_keep_their_expiry_and_the_rules_say_so() -> None:
    # services/transfers.py: the receiver's lot keeps the sender's dates; a transfer never extends them
    contains(
        rules("autoservice_case1", "ru"),
        "Передаются только баллы, доступные для оплаты; переданные баллы сохраняют срок сгорания, установленный "
        "при их начислении.",
    )
    contains(
        rules("autoservice_case1", "en"),
        "Only spendable points can be given; given points keep the expiry date they were earned with.",
    )


def test_the_contacts_spending_rights_are_stated() -> None:
    # services/redemption.py contact_allowance: a contact without the right pays nothing with points, one with a
    # monthly limit pays at most that much a calendar month — a term of every program the rules left out
    contains(
        rules("textile", "ru"),
        "Для контактных лиц участника может быть установлено, вправе ли они оплачивать заказы баллами и на какую "
        "сумму в календарный месяц; заказ, оформленный контактным лицом, оплачивается баллами в этих пределах.",
    )
    contains(
        rules("textile", "en"),
        "A member's contact persons may be given or denied the right to pay for orders with points, and a limit per "
        "calendar month; an order a contact person places is paid with points within those limits.",
    )
