"""The published rules of each example, in Russian and in English, carry the seed's numbers and terms; every
section renders; the figures agree with what the engine computes from the same configuration."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from loyalka.domain.events import OrderLine
from loyalka.engine.earning import activation_time, expiry_time, rule_amount
from loyalka.engine.redemption import cap_of
from loyalka.errors import InvalidProgram
from loyalka.program.loader import load_program_file, parse_program
from loyalka.program.models import Program
from loyalka.program.rules_text import SECTIONS, render_rules
from loyalka.program.rules_words import NBSP, Words
from tests.conftest import EXAMPLES

MSK = ZoneInfo("Europe/Moscow")


def example(name: str) -> Program:
    return load_program_file(EXAMPLES / f"{name}.yaml")[0]


def rules(name: str, lang: str) -> str:
    """The rules with non-breaking spaces shown as plain ones, so the assertions read like the text."""
    return render_rules(example(name), lang).replace(NBSP, " ")


def contains(text: str, *fragments: str) -> None:
    missing = [f for f in fragments if f not in text]
    assert not missing, f"missing from the rules: {missing}"


# --- seed 000: textile -----------------------------------------------------------------------------------
def test_textile_rules_in_russian() -> None:
    contains(
        rules("textile", "ru"),
        "# Правила программы лояльности «Лионтекс-Привилегия»",
        "За заказ начисляется 10% от суммы заказа (1 000 ₽ = 100 бонусных рублей)",
        "Баллы, начисленные в календарном месяце, доступны для оплаты с 1-го числа следующего месяца, с 00:00 по "
        "московскому времени",
        "действуют до конца календарного месяца, следующего за месяцем начисления (до 24:00 его последнего дня",
        "Баллами можно оплатить не более 15% суммы заказа",
        "составили менее 9 000 ₽, выбывает из программы",
        "составляет 2 000 бонусных рублей или больше, на следующий календарный месяц он получает:\n"
        "- Бесплатная доставка в любой регион России;\n- Особые условия оплаты.",
        "определяются 3 лучших участника в каждом регионе по сумме покупок за квартал",
        "определяются 3 лучших участника в каждом регионе по сумме покупок за полугодие",
        "Часть заказа, оплаченная баллами, баллов не приносит",
        "снова становится участником программы при закрытии месяца, в котором его покупки составили 9 000 ₽",
    )


def test_textile_rules_in_english() -> None:
    contains(
        rules("textile", "en"),
        "# Rules of the loyalty program “Liontex Privilege”",
        "An order earns 10% of the order total (1,000 RUB = 100 bonus rubles)",
        "can be spent from the 1st day of the following month, from 00:00 Moscow time",
        "until the end of the calendar month following the one they were earned in",
        "Points may pay at most 15% of the order total",
        "are under 9,000 RUB leaves the program",
        "Free delivery to any region of Russia",
        "the top 3 members in each region",
    )


# --- seed 001: the auto-service cases -----------------------------------------------------------------------
def test_autoservice_case1_rules_in_russian() -> None:
    contains(
        rules("autoservice_case1", "ru"),
        "За заказ начисляется 4% от суммы позиций категории «Работы» (1 000 ₽ = 40 бонусных баллов)",
        "За заказ начисляется 12% от суммы позиций категории «Запчасти» (1 000 ₽ = 120 бонусных баллов)",
        "Баллами вида «Бонусные баллы» можно оплатить не более 10% суммы позиций категории «Работы»",
        "Баллами вида «Премиум-баллы» можно оплатить не более 50% суммы позиций категории «Работы»",
        "«Бонусные баллы». При оплате заказа 1 бонусный балл засчитывается как 1 ₽. Баллы начисляются и "
        "списываются целыми числами. Баллы доступны для оплаты сразу после начисления. Баллы не сгорают",
        "Баллы действуют 3 месяца с момента, когда стали доступны для оплаты",
        "Минимальное начисление за первый заказ участника в программе — 1 000 бонусных баллов",
        "В день рождения каждого контактного лица участника на счёт участника начисляется 2 000 премиум-баллов",
        "Акционные позиции заказа баллами не оплачиваются и в расчёт ограничений не включаются",
        "сначала списываются «Премиум-баллы», затем «Бонусные баллы»",
        "Участник может передать баллы вида «Бонусные баллы» другому участнику программы. Минимальная сумма одной "
        "передачи — 100 бонусных баллов. Максимальная сумма одной передачи — 5 000 бонусных баллов. Лимит отправки "
        "одним участником за календарный месяц — 10 000 бонусных баллов.",
        "## 8. Маркетинговые акции",
    )


def test_autoservice_case1_rules_in_english() -> None:
    contains(
        rules("autoservice_case1", "en"),
        "An order earns 4% of the order's lines of category “labour” (1,000 RUB = 40 bonus points)",
        "An order earns 12% of the order's lines of category “parts”",
        "“Bonus points” may pay at most 10% of the order's lines of category “labour”",
        "“Premium points” may pay at most 50% of the order's lines of category “labour”",
        "Points remain valid for 3 months from when they become spendable",
        "never expire",
        "A member's first order in the program earns at least 1,000 bonus points",
        "the member earns 2,000 premium points",
        "Promotional lines cannot be paid with points and do not count towards the caps",
        "The smallest transfer is 100 bonus points. The largest transfer is 5,000 bonus points. One member may send "
        "at most 10,000 bonus points in a calendar month.",
    )


def test_autoservice_case2_rules() -> None:
    contains(
        rules("autoservice_case2", "ru"),
        "«Перевод дисконтной карты в бонусную программу»: участнику однократно начисляется 3 000 бонусов",
        "За заказ начисляется 10% от суммы позиций категории «Работы» (1 000 ₽ = 100 бонусов)",
        "За заказ начисляется 5% от суммы позиций категории «Запчасти» (1 000 ₽ = 50 бонусов)",
        "Баллами можно оплатить не более 10% суммы позиций категории «Работы»",
        "«Карта клуба-партнёра»: при активации кода начисляется 2 000 бонусов. Каждый код может быть активирован "
        "только один раз во всей программе; один участник может активировать не более 1 кода этого вида.",
    )
    contains(
        rules("autoservice_case2", "en"),
        "“Discount card moved to the bonus program”: the member earns 3,000 bonuses once",
        "An order earns 10% of the order's lines of category “labour”",
        "An order earns 5% of the order's lines of category “parts”",
        "“Partner club card”: activating a code earns 2,000 bonuses. Each code can be activated only once in the "
        "whole program",
    )


# --- seed 002: wholesale tiers ------------------------------------------------------------------------------
def test_wholesale_rules_in_russian() -> None:
    text = rules("wholesale_tiers", "ru")
    contains(
        text,
        "За каждые полные 100 ₽ суммы заказа начисляется 1 балл. Правило применяется к заказам на сумму от 10 000 ₽",
        "Баллы становятся доступны для оплаты через 14 дней после заказа",
        "Баллы, начисленные участнику уровня «Платиновый (Премиум)», не сгорают",
        "Баллами можно оплатить не более 20% суммы заказа",
        "За оплату счёта начисляется 0,5% от оплаченной суммы (1 000 ₽ = 5 баллов)",
        "формальная запись условия: `payment.days_early >= 0`",
        "«Предзаказ за 30 дней: баллы вдвойне»; формальная запись условия: `order.lead_days >= 30`",
        "За отзыв начисляется 200 баллов. Коэффициент уровня к этому правилу не применяется. По этому правилу "
        "начисляется не более 1 раза за календарный месяц.",
        "За участие в вебинаре или посещение выставки начисляется 300 баллов",
        "В программе 3 уровня участия (от низшего к высшему): «Серебряный», «Золотой» и «Платиновый (Премиум)».",
        "Уровень «Золотой» присваивается при выполнении хотя бы одного из условий:\n"
        "- покупки на сумму не менее 1 000 000 ₽ за последние 12 месяцев (за вычетом возвратов);\n"
        "- одновременно не менее 24 заказов за последние 12 месяцев (не считая полностью возвращённых) и покупки "
        "товаров не менее 5 различных категорий за последние 12 месяцев.",
        "- «Золотой»: коэффициент начисления 1,5; бесплатная доставка; отсрочка платежа 14 дней; персональный "
        "менеджер; доступ к закрытым распродажам;",
        "- «Платиновый (Премиум)»: коэффициент начисления 2; бесплатная экспресс-доставка; отсрочка платежа 30 дней",
        "Уровни пересматриваются при закрытии каждого календарного квартала",
        "уровень сохраняется ещё 1 квартал, а затем понижается на один уровень",
        "рекомендателю начисляется 2 000 баллов, а рекомендованной компании — 1 000 баллов",
        "первый заказ на сумму от 50 000 ₽ не позднее чем через 180 дней после вступления в программу",
        "- от 1 500 000 ₽ — 1%;\n- от 3 000 000 ₽ — 2%.",
        "- Бесплатная доставка заказа — 1 500 баллов;",
        "- Обучение персонала клиента — 15 000 баллов; только для участников уровней «Золотой» и «Платиновый "
        "(Премиум)»; количество ограничено: 10 шт.;",
        "- Сертификат на 5 000 ₽ — 5 000 баллов; количество ограничено: 50 шт.",
        "Счёт оплачивается в день выставления, если в нём не указан иной срок; для участников уровней с отсрочкой "
        "платежа срок определяется отсрочкой их уровня.",
        "Счёт считается просроченным, если он не оплачен полностью через 5 дней после срока оплаты. Пока у "
        "участника есть просроченный счёт, он не может оплачивать баллами заказы и обменивать баллы на вознаграждения.",
        "за 14 дней до сгорания баллов, если сгорает 100 баллов или больше",
        "не позднее чем за 30 дней до её вступления в силу",
        "Баллы и вознаграждения могут облагаться налогами у получателя",
    )


def test_wholesale_rules_in_english() -> None:
    contains(
        rules("wholesale_tiers", "en"),
        "Every full 100 RUB of the order total earns 1 point. It applies to orders of 10,000 RUB or more",
        "Points earned while the member holds “Platinum (Premium)” never expire",
        "Points may pay at most 20% of the order total",
        "Paying an invoice earns 0.5% of the sum paid",
        "A review earns 200 points. Tier multipliers do not apply. This rule earns at most once in a calendar month.",
        "- purchases of at least 1,000,000 RUB over the last 12 months (net of returns);",
        "- both at least 24 orders over the last 12 months (fully returned orders excluded) and purchases in at least "
        "5 different categories",
        "- “Gold”: earning multiplier 1.5;",
        "- “Platinum (Premium)”: earning multiplier 2;",
        "the referrer earns 2,000 points, and the recommended company earns 1,000 points",
        "- from 1,500,000 RUB — 1%;\n- from 3,000,000 RUB — 2%.",
        "- Training for the client's staff — 15,000 points; for members of the “Gold” and “Platinum (Premium)” tiers",
        "An invoice is overdue when it is not paid in full 5 days after its due date.",
    )


# --- seed 004: metal cards ---------------------------------------------------------------------------------
def test_metal_cards_rules_in_russian() -> None:
    contains(
        rules("metal_cards", "ru"),
        "В программе 3 уровня участия (от низшего к высшему): «Бронзовая карта», «Серебряная карта» и «Золотая карта».",
        "Уровень «Серебряная карта» присваивается при выполнении условия: покупки на сумму не менее 1 500 000 ₽ с "
        "начала текущего календарного года",
        "- одна покупка на сумму свыше 500 000 ₽ за последние 12 месяцев (за вычетом возвратов по ней);",
        "- покупки на сумму не менее 5 000 000 ₽ с начала текущего календарного года",
        "Карта «Карта покупок 3×4»: 3 столбца, в каждом 4 ячейки (3 × 4). За каждую покупку на сумму от 30 000 ₽ "
        "ставится одна отметка.",
        "- 1-й столбец (4 отметки): «Бронзовая карта» — Сертификат 1 000 ₽ на резку металла; «Серебряная карта» — "
        "Сертификат 2 000 ₽ на резку металла; «Золотая карта» — Бесплатная доставка одного заказа;",
        "- 2-й столбец (8 отметок): «Бронзовая карта» — Скидка 5% на услуги гибки;",
        "- 3-й столбец (12 отметок): «Бронзовая карта» — Сертификат 5 000 ₽ на услуги; «Серебряная карта» — "
        "Сертификат 7 500 ₽ на услуги; «Золотая карта» — Сертификат 10 000 ₽ на услуги и фирменный подарок.",
        "- «Золотая карта»: коэффициент начисления 2; бесплатная доставка; отсрочка платежа 21 день; приоритетное",
    )


def test_metal_cards_rules_in_english() -> None:
    contains(
        rules("metal_cards", "en"),
        "“Bronze card”, “Silver card” and “Gold card”",
        "- a single purchase over 500,000 RUB over the last 12 months (net of its returns);",
        "The card “3x4 purchase card”: 3 columns of 4 cells each (3 × 4). Each purchase of 30,000 RUB or more earns "
        "one stamp.",
        "- column 1 (4 stamps): “Bronze card” — 1,000 RUB certificate for metal cutting; “Silver card” — 2,000 RUB "
        "certificate for metal cutting; “Gold card” — Free delivery of one order;",
    )


# --- the text agrees with the engine -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["textile", "autoservice_case1", "autoservice_case2", "wholesale_tiers", "metal_cards"]
)
def test_every_percentage_example_is_what_the_engine_earns_on_1000_rubles(name: str) -> None:
    program = example(name)
    words = Words("ru", program)
    text = render_rules(program, "ru")
    for rule in (r for r in program.earning if r.amount.percent is not None):
        kind = program.point_kinds[rule.kind]
        earned = rule_amount(rule, kind, 100_000)  # 1 000 RUB, at the lowest tier
        configured = earned * 100 // 10**kind.decimals
        assert f"{words.money(100_000)} = {words.points(rule.kind, configured)}" in text, rule.id


def test_textile_dates_in_the_text_are_the_engines_dates() -> None:
    program = example("textile")
    kind = program.point_kinds["bonus"]
    earned_at = datetime(2026, 10, 15, 12, 0, tzinfo=MSK)
    assert activation_time(kind, earned_at, "Europe/Moscow") == datetime(2026, 11, 1, tzinfo=MSK)
    assert expiry_time(kind, earned_at, "Europe/Moscow") == datetime(2026, 12, 1, tzinfo=MSK)
    contains(
        rules("textile", "ru"),
        "доступны для оплаты с 1-го числа следующего месяца, с 00:00 по московскому времени",
        "действуют до конца календарного месяца, следующего за месяцем начисления (до 24:00 его последнего дня",
    )


def test_the_labour_caps_in_the_text_are_the_engines_caps() -> None:
    program = example("autoservice_case1")
    lines = [OrderLine("work", 1_000_000, "labour"), OrderLine("pads", 500_000, "parts")]
    assert cap_of(program, lines, ["bonus"]) == 100_000  # 10% of 10 000 RUB of labour, nothing of parts
    assert cap_of(program, lines) == 500_000  # both kinds: 50% of labour
    contains(rules("autoservice_case1", "ru"), "не более 10% суммы позиций", "не более 50% суммы позиций")


# --- every section, no section ------------------------------------------------------------------------------
FULL = (Path(__file__).parent / "every_section.yaml").read_text(encoding="utf-8")

MINIMAL = """
program: {code: minimal, name: {ru: "Минимум", en: "Minimum"}}
point_kinds:
  bonus: {name: {ru: "Баллы", en: "Points"}}
"""


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_a_program_with_every_optional_section_renders_every_section(lang: str) -> None:
    program = parse_program(FULL)
    text = render_rules(program, lang, version=7, published_on=datetime(2026, 10, 5).date())
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert len(headings) == len(SECTIONS)  # no section function returned nothing
    assert [h.split(". ", 1)[0] for h in headings] == [f"## {i}" for i in range(1, len(SECTIONS) + 1)]
    assert ("Редакция 7 от 5\u00a0октября 2026\u00a0г." if lang == "ru" else "Version 7 of 5 October 2026") in text
    assert '`account.region == "Алматы" && order.total > 100`' in text
    assert "{" not in text.replace("`", "").replace("{company}", "")  # no placeholder left unfilled


def test_the_full_program_speaks_of_each_of_its_settings() -> None:
    text = render_rules(parse_program(FULL), "ru").replace(NBSP, " ")
    contains(
        text,
        "Суммы указаны в долларах США. Сроки исчисляются по времени часового пояса Asia/Almaty",
        "При оплате заказа 1 бонус засчитывается как 0,50 $",
        "Баллы, начисленные участнику уровня «Высший», действуют 400 дней",
        "доступны для оплаты с первого дня следующего календарного квартала",
        "действуют до конца календарного года, в котором стали доступны для оплаты",
        "действуют до конца календарного полугодия, следующего за полугодием начисления",
        "от валовой прибыли позиций категорий «Сталь» и «pipes»",
        "Акционные позиции в расчёт не включаются",
        "Баллы по этому правилу зачисляются после оплаты счёта по заказу, пропорционально оплаченной сумме",
        "округляется до десятых по правилам банковского округления",
        "За каждые полные 1 000 $ оплаченной суммы начисляется 2,50 балла («Доп. баллы»)",
        "За участие в обучении или участие в опросе начисляется 21 балл («Доп. баллы»)",
        "Часть заказа, оплаченная баллами, приносит баллы на общих основаниях",
        "До выполнения условий первого уровня участник участвует в программе без уровня",
        "- покупки товаров не менее 21 различного артикула за последний 21 месяц;",
        "Уровень повышается только при пересмотре",
        "уровень понижается до высшего уровня, условия которого выполнены",
        "Из бонуса вычитаются баллы, уже начисленные за покупки этого периода по пп. 3.2 и 3.3",
        "с ролью «director» или «buyer»",
        "В годовщину основания компании",
        "не совершавшему заказов 91 день",
        "не более 3 кодов этого вида. Принимаются только коды, выпущенные продавцом",
        "Когда рекомендованная компания совершит первый заказ, рекомендателю начисляется 7 баллов",
        "Баллы одного вида списываются начиная с начисленных раньше",
        "Все виды баллов вместе могут оплатить не более 40% суммы заказа",
        "количество ограничено: 0 шт.; Фирменная кружка.",
        "Отметка ставится, только если выполнено условие в формальной записи: `order.lines > 2`",
        "«Базовый» и без уровня — Кружка; «Высший» — Термос",
        "передача недоступна участникам с метками «staff» и «frozen»",
        "Лимит отправки одним участником за календарный месяц — 3 балла",
        "Срок оплаты счёта — 21 день с даты выставления, если в нём не указан иной срок",
        "определяется 1 лучший участник в каждой отрасли",
        "Призы: 1-е место — Поездка на завод; 2-е место — Кубок.",
        "определяются 22 лучших участника среди всех участников",
        "Первый 21 месяц после вступления в программу это условие не применяется",
        "Выбывший участник может использовать накопленные баллы до истечения их срока действия",
        "Выбывший участник не восстанавливается в программе автоматически",
        "Пока у участника есть просроченный счёт, баллы по правилам начисления (разд. 3) ему не начисляются.",
        "недостающие баллы не взыскиваются",
        "за 2 дня до сгорания баллов, если сгорает 1 балл или больше",
        "не позднее чем за 21 день до её вступления в силу",
        "Ручное начисление в пользу участника сначала погашает его задолженность по возвратам.",
        "Возврат товара не отменяет уже полученного уровня",
        "Споры разрешаются в арбитражном суде.",
    )


def test_operational_settings_and_segments_stay_out_of_the_contract() -> None:
    text = render_rules(parse_program(FULL), "ru")
    for internal in (
        "600",
        "hold_ttl",
        "clerk",
        "boss",
        "123",
        "account.industry",
        "Юг",
        "Весна",
        "^[A-Z]{4}$",
        "Привет",
    ):
        assert internal not in text, internal


def test_a_minimal_program_has_only_the_sections_it_needs() -> None:
    text = render_rules(parse_program(MINIMAL), "ru")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## 1. Общие положения",
        "## 2. Баллы",
        "## 3. Оплата заказов баллами",
        "## 4. Возвраты и исправление документов",
        "## 5. Заключительные положения",
    ]
    assert "Баллы не сгорают" in text
    assert "Периоды программы" not in text


def test_references_follow_the_sections_present() -> None:
    text = rules("wholesale_tiers", "ru")
    assert "## 4. Уровни участия" in text
    assert "коэффициент уровня участника на момент учёта заказа (разд. 4)" in text


# --- bad input -----------------------------------------------------------------------------------------------
def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown language 'de'; use one of ru, en"):
        render_rules(example("textile"), "de")


def test_units_need_three_russian_forms_and_a_defined_kind() -> None:
    broken = (
        MINIMAL
        + """
publication:
  units:
    bonus: {ru: ["балл", "баллов"], en: ["point", "points"]}
    ghost: {ru: ["а", "б", "в"], en: ["a", "b"]}
"""
    )
    with pytest.raises(InvalidProgram) as caught:
        parse_program(broken)
    paths = {issue.path for issue in caught.value.issues}
    assert "publication.units.bonus.ru" in paths
    broken = (
        MINIMAL
        + """
publication:
  units:
    ghost: {ru: ["а", "б", "в"], en: ["a", "b"]}
"""
    )
    with pytest.raises(InvalidProgram) as caught:
        parse_program(broken)
    assert [(i.path, i.message) for i in caught.value.issues] == [
        ("publication.units.ghost", "refers to point kind 'ghost', which is not defined (bonus)")
    ]
