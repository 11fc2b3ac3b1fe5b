"""Sections of the published rules about points themselves: the kinds, earning, paying with points, returns.

Each sentence states what ``engine/earning.py``, ``engine/redemption.py`` and ``services/settlement.py`` do
with the configuration; when one of them changes, the sentence that describes it changes here too."""

from __future__ import annotations

import re
from decimal import Decimal

from loyalka.program.models import Activation, EarningRule, ExpiryRule, PointKind
from loyalka.program.publication import Units
from loyalka.program.rules_words import Doc, Section, Words

TIMES_GENITIVE = Units(ru=["раза", "раз", "раз"], en=["time", "times"])  # "не более 1 раза, 2 раз, 5 раз"
IN_PERIOD = {
    "month": ("в календарном месяце", "in a calendar month"),
    "quarter": ("в календарном квартале", "in a calendar quarter"),
    "half_year": ("в календарном полугодии", "in a calendar half-year"),
    "year": ("в календарном году", "in a calendar year"),
}
NEXT_START = {
    "month": ("с 1-го числа следующего месяца", "from the 1st day of the following month"),
    "quarter": ("с первого дня следующего календарного квартала", "from the first day of the following quarter"),
    "half_year": ("с первого дня следующего календарного полугодия", "from the first day of the following half-year"),
    "year": ("с 1 января следующего года", "from 1 January of the following year"),
}
PERIOD_GENITIVE = {
    "month": ("календарного месяца", "calendar month"),
    "quarter": ("календарного квартала", "calendar quarter"),
    "half_year": ("календарного полугодия", "calendar half-year"),
    "year": ("календарного года", "calendar year"),
}
PERIOD_INSTRUMENTAL = {"month": "месяцем", "quarter": "кварталом", "half_year": "полугодием", "year": "годом"}
ACTIVITIES = {
    "review": ("отзыв", "a review"),
    "survey": ("участие в опросе", "taking part in a survey"),
    "nps": ("оценку NPS (готовность рекомендовать)", "an NPS rating (willingness to recommend)"),
    "webinar": ("участие в вебинаре", "attending a webinar"),
    "exhibition": ("посещение выставки", "visiting an exhibition"),
    "training": ("участие в обучении", "attending a training"),
}
ROUNDING = {
    "down": ("в меньшую сторону", "down"),
    "up": ("в большую сторону", "up"),
    "half_up": ("по правилам математического округления", "half up"),
    "half_even": ("по правилам банковского округления (половина — к чётному)", "half to even"),
}
PRECISION = {0: ("целого числа", "whole points"), 1: ("десятых", "tenths"), 2: ("сотых", "hundredths")}


def pick(w: Words, pair: tuple[str, str]) -> str:
    return w.say(*pair)


# --- point kinds ---------------------------------------------------------------------------------------------
def kinds_section(d: Doc) -> Section:
    clauses = [_kind_clause(d, name, kind) for name, kind in d.program.point_kinds.items()]
    return Section("kinds", d.w.say("Баллы", "Points"), clauses)


def _kind_clause(d: Doc, name: str, kind: PointKind) -> str:
    w = d.w
    one = w.count(1, w.units(name))
    parts = [
        f"{w.kind_name(name)}.",
        w.say(
            f"При оплате заказа {one} засчитывается как {w.money(kind.value_per_point)}.",
            f"When paying for an order, {one} counts as {w.money(kind.value_per_point)}.",
        ),
        _precision(w, kind.decimals),
        activation_text(w, kind.activation),
        w.say("Баллы ", "Points ") + expiry_text(w, kind.expiry) + ".",
    ]
    for tier, rule in kind.expiry.by_tier.items():
        level = d.program.tiers.level(tier) if d.program.tiers else None
        title = w.quote(level.name(w.lang)) if level else w.quote(tier)
        lead = w.say(f"Баллы, начисленные участнику уровня {title}, ", f"Points earned while the member holds {title} ")
        parts.append(lead + expiry_text(w, rule) + ".")
    return " ".join(parts)


def _precision(w: Words, decimals: int) -> str:
    if decimals == 0:
        return w.say("Баллы начисляются и списываются целыми числами.", "Points are whole numbers.")
    step = "0,1" if decimals == 1 else "0,01"
    return w.say(f"Баллы учитываются с точностью до {step}.", f"Points are counted to {step.replace(',', '.')}.")


def activation_text(w: Words, activation: Activation) -> str:
    if activation.after == "immediately":
        return w.say(
            "Баллы доступны для оплаты сразу после начисления.", "Points can be spent as soon as they are earned."
        )
    if activation.after == "days":
        days = w.days(activation.days or 0)
        return w.say(
            f"Баллы становятся доступны для оплаты через {days} после заказа или события, за которое они начислены.",
            f"Points can be spent {days} after the order or event they were earned for.",
        )
    earned, start = IN_PERIOD[activation.period], NEXT_START[activation.period]
    return w.say(
        f"Баллы, начисленные {earned[0]}, доступны для оплаты {start[0]}, с 00:00 {w.zone()}.",
        f"Points earned {earned[1]} can be spent {start[1]}, from 00:00 {w.zone()}.",
    )


def expiry_text(w: Words, expiry: ExpiryRule) -> str:
    """What happens to points, as a predicate: "не сгорают: ..." / "never expire"."""
    unused = w.say(", после чего неиспользованные баллы сгорают", "; unused points then expire")
    end_of_day = w.say(f"до 24:00 его последнего дня {w.zone()}", f"24:00 of its last day, {w.zone()}")
    if expiry.after == "never":
        return w.say("не сгорают: срок их действия не ограничен", "never expire: their validity is unlimited")
    if expiry.after == "end_of_period":
        period = PERIOD_GENITIVE[expiry.period]
        return (
            w.say(
                f"действуют до конца {period[0]}, в котором стали доступны для оплаты ({end_of_day})",
                f"remain valid until the end of the {period[1]} in which they became spendable ({end_of_day})",
            )
            + unused
        )
    if expiry.after == "end_of_next_period":
        period = PERIOD_GENITIVE[expiry.period]
        return (
            w.say(
                f"действуют до конца {period[0]}, следующего за {PERIOD_INSTRUMENTAL[expiry.period]} начисления "
                f"({end_of_day})",
                f"remain valid until the end of the {period[1]} following the one they were earned in ({end_of_day})",
            )
            + unused
        )
    span = w.months(expiry.months or 0) if expiry.after == "months" else w.days(expiry.days or 0)
    return (
        w.say(
            f"действуют {span} с момента, когда стали доступны для оплаты",
            f"remain valid for {span} from when they become spendable",
        )
        + unused
    )


# --- earning -------------------------------------------------------------------------------------------------
def earning_section(d: Doc) -> Section | None:
    program, w = d.program, d.w
    first = program.triggers.first_order
    if not program.earning and first is None:
        return None
    clauses = [_rule_clause(d, rule) for rule in program.earning]
    if first is not None:
        at_least = w.points(first.kind, first.at_least)
        clauses.append(
            w.say(
                f"Минимальное начисление за первый заказ участника в программе — {at_least}: если по правилам "
                "этого раздела за первый заказ начислено меньше баллов этого вида, разница начисляется дополнительно.",
                f"A member's first order in the program earns at least {at_least}: if the rules of this section earn "
                "less of this kind on the first order, the difference is added.",
            )
        )
    clauses.append(
        w.say(
            "Баллы начисляются участнику, который является действующим участником программы на момент учёта заказа "
            f"или события. Сроки, с которых баллы можно использовать, и сроки их сгорания указаны в {d.ref('kinds')}.",
            "Points are earned by a member that is an active member of the program when the order or event is "
            f"recorded. When points can be spent and when they expire is set out in {d.ref('kinds')}.",
        )
    )
    order_rules = [rule for rule in program.earning if rule.event == "order"]
    if len(order_rules) > 1:
        clauses.append(
            w.say(
                "Если к заказу применимо несколько правил, баллы начисляются по каждому из них.",
                "When several rules apply to an order, each of them earns its points.",
            )
        )
    if order_rules:
        clauses.append(
            w.say(
                "Часть заказа, оплаченная баллами, баллов не приносит: сумма каждой позиции уменьшается на "
                "оплаченную баллами часть.",
                "The part of an order paid with points earns nothing: each line counts less what points paid of it.",
            )
            if not program.spending.earn_on_points_paid
            else w.say(
                "Часть заказа, оплаченная баллами, приносит баллы на общих основаниях.",
                "The part of an order paid with points earns points like the rest.",
            )
        )
    conditions = [rule.when for rule in program.earning if rule.when]
    if conditions:
        clauses.append(glossary(w, conditions))
    return Section("earning", w.say("Начисление баллов", "Earning points"), clauses)


def _rule_clause(d: Doc, rule: EarningRule) -> str:
    w = d.w
    sentences = [_amount_sentence(d, rule)]
    if rule.min_order:
        sentences.append(
            w.say(
                f"Правило применяется к заказам на сумму от {w.money(rule.min_order)} (по сумме всех позиций заказа).",
                f"It applies to orders of {w.money(rule.min_order)} or more (all lines of the order).",
            )
        )
    if not rule.include_promo:
        sentences.append(w.say("Акционные позиции в расчёт не включаются.", "Promotional lines do not count."))
    if rule.base == "margin":
        sentences.append(
            w.say(
                "Валовая прибыль позиции — её сумма за вычетом себестоимости; позиции, себестоимость которых не "
                "передана, по этому правилу баллов не приносят.",
                "A line's gross margin is its amount less its cost price; lines sent without a cost price earn "
                "nothing under this rule.",
            )
        )
    if rule.when:
        sentences.append(_condition(w, rule))
    sentences.extend(_multiplier_and_rounding(d, rule))
    if rule.on_payment:
        sentences.append(
            w.say(
                "Баллы по этому правилу зачисляются после оплаты счёта по заказу, пропорционально оплаченной сумме.",
                "Points under this rule are credited as the order's invoice is paid, in proportion to the sum paid.",
            )
        )
    if rule.limit is not None:
        times = w.count(rule.limit.count, TIMES_GENITIVE)
        en_times = "once" if rule.limit.count == 1 else times
        sentences.append(
            w.say(
                f"По этому правилу начисляется не более {times} {w.in_period(rule.limit.period)}.",
                f"This rule earns at most {en_times} {w.in_period(rule.limit.period)}.",
            )
        )
    return " ".join(sentences)


def _base(d: Doc, rule: EarningRule) -> tuple[str, str]:
    """What a rule earns on, in the genitive (ru) and as a noun phrase (en)."""
    w = d.w
    if rule.event == "payment":
        return "оплаченной суммы", "the sum paid"
    cats = rule.categories
    where_ru = (
        f"позиций {'категории' if len(cats) == 1 else 'категорий'} {w.categories(cats)}" if cats else "позиций заказа"
    )
    where_en = (
        f"the order's lines of {'category' if len(cats) == 1 else 'categories'} {w.categories(cats)}" if cats else ""
    )
    if rule.base == "margin":
        return f"валовой прибыли {where_ru}", f"the gross margin of {where_en or 'the order lines'}"
    return (f"суммы {where_ru}" if cats else "суммы заказа"), (where_en or "the order total")


def _amount_sentence(d: Doc, rule: EarningRule) -> str:
    w, amount = d.w, rule.amount
    base_ru, base_en = _base(d, rule)
    if amount.percent is not None:
        rate = w.percent(amount.percent)
        example = _percent_example(d, rule)
        if rule.event == "payment":
            return w.say(
                f"За оплату счёта начисляется {rate} от {base_ru} ({example}).",
                f"Paying an invoice earns {rate} of {base_en} ({example}).",
            )
        return w.say(
            f"За заказ начисляется {rate} от {base_ru} ({example}).", f"An order earns {rate} of {base_en} ({example})."
        )
    if amount.step is not None:
        every, points = w.money(amount.step.every), w.points(rule.kind, amount.step.points)
        return w.say(
            f"За каждые полные {every} {base_ru} начисляется {points}.",
            f"Every full {every} of {base_en} earns {points}.",
        )
    points = w.points(rule.kind, amount.fixed or 0)
    if rule.event == "activity":
        acts = [pick(w, ACTIVITIES[a]) for a in rule.activities or []]
        what = w.join(acts, word=w.say("или", "or"))
        return w.say(f"За {what} начисляется {points}.", f"{what[:1].upper()}{what[1:]} earns {points}.")
    if rule.event == "payment":
        return w.say(f"За каждую оплату счёта начисляется {points}.", f"Each invoice payment earns {points}.")
    return w.say(f"За каждый заказ начисляется {points}.", f"Each order earns {points}.")


def _percent_example(d: Doc, rule: EarningRule) -> str:
    assert rule.amount.percent is not None
    return rate_example(d, rule.kind, rule.amount.percent)


def rate_example(d: Doc, kind: str, rate: Decimal) -> str:
    """ "1 000 ₽ = 100 бонусных рублей": a percentage earns one point per unit of money (engine/earning.py); the
    example takes the smallest round sum whose points are a whole number of the kind's units."""
    w = d.w
    decimals = d.program.point_kinds[kind].decimals
    for rubles in (1_000, 10_000, 100_000, 1_000_000):
        points = rate * rubles
        if points * 10**decimals == int(points * 10**decimals):
            break
    return f"{w.money(rubles * 100)} = {w.points(kind, int(points * 100))}"


def _multiplier_and_rounding(d: Doc, rule: EarningRule) -> list[str]:
    w, program = d.w, d.program
    levels = program.tiers.levels if program.tiers else []
    factors = {level.earn_multiplier for level in levels}
    applies = rule.tier_multiplier and factors != {Decimal(1)} and bool(levels)
    when = {"order": ("заказа", "order"), "payment": ("оплаты", "payment"), "activity": ("события", "activity")}
    sentences = []
    if applies:
        on = when[rule.event]
        sentences.append(
            w.say(
                f"Количество баллов умножается на коэффициент уровня участника на момент учёта {on[0]} "
                f"({d.ref('tiers')}).",
                f"The points are multiplied by the member's tier multiplier when the {on[1]} is recorded "
                f"({d.ref('tiers')}).",
            )
        )
    elif levels and factors != {Decimal(1)}:
        sentences.append(w.say("Коэффициент уровня к этому правилу не применяется.", "Tier multipliers do not apply."))
    fractional = applies and any(f != f.to_integral_value() for f in factors)
    if rule.amount.percent is not None or fractional:
        decimals = program.point_kinds[rule.kind].decimals
        per = {"order": ("каждому заказу", "each order"), "payment": ("каждой оплате", "each payment")}
        each = per.get(rule.event, ("каждому событию", "each event"))
        mode, precision = ROUNDING[rule.amount.rounding], PRECISION[decimals]
        sentences.append(
            w.say(
                f"Количество баллов по {each[0]} округляется до {precision[0]} {mode[0]}.",
                f"The points of {each[1]} are rounded to {precision[1]} ({mode[1]}).",
            )
        )
    return sentences


def _condition(w: Words, rule: EarningRule) -> str:
    if rule.description is not None:
        described = w.quote(rule.description(w.lang).rstrip(". "))
        return w.say(
            f"Правило применяется при условии, которое продавец описывает как {described}; формальная запись "
            f"условия: `{rule.when}`.",
            f"The rule applies under the condition the seller describes as {described}; the condition in formal "
            f"notation: `{rule.when}`.",
        )
    return w.say(
        f"Правило применяется, только если выполнено условие в формальной записи: `{rule.when}`.",
        f"The rule applies only when this condition, in formal notation, holds: `{rule.when}`.",
    )


FIELDS = {
    "order.total": ("сумма заказа в сотых долях валюты (копейках)", "the order total in hundredths (kopecks, cents)"),
    "order.points_paid": (
        "часть заказа, оплаченная баллами, в сотых долях валюты",
        "the part of the order paid with points, in hundredths",
    ),
    "order.categories": ("категории позиций заказа", "the categories of the order's lines"),
    "order.skus": ("артикулы позиций заказа", "the SKUs of the order's lines"),
    "order.lines": ("число позиций заказа", "the number of order lines"),
    "order.lead_days": (
        "число дней от даты заказа до запрошенной даты поставки (−1, если дата поставки не указана)",
        "days from the order date to the delivery date asked for (−1 when none is given)",
    ),
    "order.first_order": ("признак первого заказа участника в программе", "whether it is the member's first order"),
    "order.contact_id": ("контактное лицо, оформившее заказ", "the contact person who placed the order"),
    "order.order_id": ("номер заказа", "the order number"),
    "order.version": ("номер версии документа заказа", "the version of the order document"),
    "payment.days_early": (
        "на сколько дней раньше срока оплачен счёт (0 — в день срока, отрицательное число — с опозданием)",
        "how many days before its due date the invoice was paid (0: on the day, negative: late)",
    ),
    "account.region": ("регион участника", "the member's region"),
    "account.industry": ("отрасль участника", "the member's industry"),
    "account.tags": ("метки участника, установленные продавцом", "the member's tags set by the seller"),
    "account.tier": ("уровень участника", "the member's tier"),
    "account.status": ("статус участия", "the membership status"),
    "account.id": ("внутренний номер участника", "the member's internal number"),
}
_FIELD = re.compile(r"\b(order|payment|activity|account)\.([a-z_]+)\b")


def glossary(w: Words, conditions: list[str]) -> str:
    """What the fields used in formal conditions mean (only those used)."""
    used = sorted({".".join(m.groups()) for source in conditions for m in _FIELD.finditer(source)})
    items = [
        f"- `{name}` — {pick(w, FIELDS.get(name, ('поле данных события', 'a field of the event data')))};"
        for name in used
    ]
    if items:
        items[-1] = items[-1][:-1] + "."
    lead = w.say(
        "Условия в формальной записи проверяются системой по данным заказа или события; в них используются:",
        "Conditions in formal notation are checked by the system against the data of the order or event; they use:",
    )
    return "\n".join([lead, *items])
