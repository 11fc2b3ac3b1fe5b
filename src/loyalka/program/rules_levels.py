"""The tiers section of the published rules: levels, every criterion, multipliers and benefits, review and
downgrade (``program/tiers.py``)."""

from __future__ import annotations

from decimal import Decimal

from loyalka.program.publication import Units
from loyalka.program.rules_spending import tier_name
from loyalka.program.rules_words import Doc, Section, Words, plural_ru
from loyalka.program.tiers import Criterion, TierBenefits, TierLevel
from loyalka.program.types import Window

LEVELS = Units(ru=["уровень", "уровня", "уровней"], en=["tier", "tiers"])
ORDERS_GENITIVE = Units(ru=["заказа", "заказов", "заказов"], en=["order", "orders"])
BREADTH = {
    "category": Units(
        ru=["различной категории", "различных категорий", "различных категорий"],
        en=["category", "different categories"],
    ),
    "sku": Units(
        ru=["различного артикула", "различных артикулов", "различных артикулов"], en=["SKU", "different SKUs"]
    ),
}
SINCE = {
    "month": ("с начала текущего календарного месяца", "since the start of the current calendar month"),
    "quarter": ("с начала текущего календарного квартала", "since the start of the current calendar quarter"),
    "half_year": ("с начала текущего календарного полугодия", "since the start of the current calendar half-year"),
    "year": ("с начала текущего календарного года", "since the start of the current calendar year"),
}


# --- tiers ---------------------------------------------------------------------------------------------------
def tiers_section(d: Doc) -> Section | None:
    w, tiers = d.w, d.program.tiers
    if tiers is None:
        return None
    names = [w.quote(level.name(w.lang)) for level in tiers.levels]
    count = w.count(len(names), LEVELS)
    clauses = [
        w.say(
            f"В программе {count} участия (от низшего к высшему): {w.join(names)}.",
            f"The program has {count} (lowest first): {w.join(names)}.",
        )
    ]
    if tiers.entry is not None:
        entry = tier_name(d, tiers.entry)
        clauses.append(
            w.say(
                f"Уровень {entry} присваивается каждому участнику при вступлении в программу.",
                f"Every member holds {entry} from joining the program.",
            )
        )
    else:
        clauses.append(
            w.say(
                "До выполнения условий первого уровня участник участвует в программе без уровня.",
                "Until it meets the criteria of the first tier, a member holds no tier.",
            )
        )
    clauses.extend(_qualify_clause(d, level) for level in tiers.levels if level.qualify is not None)
    clauses.append(_benefits_clause(d, tiers.levels))
    clauses.extend(_evaluation_clauses(d))
    return Section("tiers", w.say("Уровни участия", "Tiers"), clauses)


def _qualify_clause(d: Doc, level: TierLevel) -> str:
    w, criterion = d.w, level.qualify
    assert criterion is not None
    name = w.quote(level.name(w.lang))
    if criterion.all or criterion.any:
        children = criterion.all or criterion.any or []
        lead = (
            w.say(f"Уровень {name} присваивается при выполнении всех условий:", f"{name} requires all of:")
            if criterion.all
            else w.say(
                f"Уровень {name} присваивается при выполнении хотя бы одного из условий:", f"{name} requires any of:"
            )
        )
        items = [f"- {criterion_text(w, child)};" for child in children]
        items[-1] = items[-1][:-1] + "."
        return "\n".join([lead, *items])
    return w.say(
        f"Уровень {name} присваивается при выполнении условия: {criterion_text(w, criterion)}.",
        f"{name} requires {criterion_text(w, criterion)}.",
    )


def criterion_text(w: Words, c: Criterion, *, nested: bool = False) -> str:
    if c.all or c.any:
        parts = [criterion_text(w, child, nested=True) for child in (c.all or c.any or [])]
        word = w.say("и", "and") if c.all else w.say("или", "or")
        text = f" {word} ".join(parts)
        lead = w.say("одновременно ", "both ") if c.all and not nested and len(parts) == 2 else ""
        return f"({text})" if nested else lead + text
    if c.turnover is not None:
        money, window = w.money(c.turnover.min), window_text(w, c.turnover.window)
        return w.say(
            f"покупки на сумму не менее {money} {window} (за вычетом возвратов)",
            f"purchases of at least {money} {window} (net of returns)",
        )
    if c.single_purchase is not None:
        minor, window = c.single_purchase.min, window_text(w, c.single_purchase.window)
        if minor % 100 == 1:  # "500000.01": a purchase over 500,000
            over = w.money(minor - 1)
            return w.say(
                f"одна покупка на сумму свыше {over} {window} (за вычетом возвратов по ней)",
                f"a single purchase over {over} {window} (net of its returns)",
            )
        money = w.money(minor)
        return w.say(
            f"одна покупка на сумму не менее {money} {window} (за вычетом возвратов по ней)",
            f"a single purchase of at least {money} {window} (net of its returns)",
        )
    if c.orders is not None:
        orders = w.count(c.orders.min, ORDERS_GENITIVE)
        window = window_text(w, c.orders.window)
        return w.say(
            f"не менее {orders} {window} (не считая полностью возвращённых)",
            f"at least {orders} {window} (fully returned orders excluded)",
        )
    assert c.breadth is not None
    breadth = w.count(c.breadth.min, BREADTH[c.breadth.by])
    window = window_text(w, c.breadth.window)
    return w.say(f"покупки товаров не менее {breadth} {window}", f"purchases in at least {breadth} {window}")


def window_text(w: Words, window: Window) -> str:
    if window.calendar is not None:
        return w.say(*SINCE[window.calendar])
    n = window.rolling_months or 0
    if n == 1:
        return w.say("за последний месяц", "over the last month")
    if w.lang == "ru" and plural_ru(n, ["1", "2", "5"]) == "1":
        return f"за последний {w.months(n)}"
    return w.say(f"за последние {w.months(n)}", f"over the last {w.months(n)}")


def _benefits_clause(d: Doc, levels: list[TierLevel]) -> str:
    w = d.w
    show_factor = {level.earn_multiplier for level in levels} != {Decimal(1)}
    items = []
    for level in levels:
        parts = (
            [
                w.say(
                    f"коэффициент начисления {w.factor(level.earn_multiplier)}",
                    f"earning multiplier {w.factor(level.earn_multiplier)}",
                )
            ]
            if show_factor
            else []
        )
        parts += tier_benefits(w, level.benefits)
        body = "; ".join(parts) or w.say("без дополнительных привилегий", "no extra benefits")
        items.append(f"- {w.quote(level.name(w.lang))}: {body};")
    items[-1] = items[-1][:-1] + "."
    lead = (
        w.say("Коэффициенты начисления и привилегии уровней:", "Earning multipliers and benefits of the tiers:")
        if show_factor
        else w.say("Привилегии уровней:", "Benefits of the tiers:")
    )
    return "\n".join([lead, *items])


def tier_benefits(w: Words, benefits: TierBenefits) -> list[str]:
    parts = []
    if benefits.free_delivery == "standard":
        parts.append(w.say("бесплатная доставка", "free delivery"))
    elif benefits.free_delivery == "express":
        parts.append(w.say("бесплатная экспресс-доставка", "free express delivery"))
    if benefits.payment_terms_days is not None:
        days = w.days(benefits.payment_terms_days)
        parts.append(w.say(f"отсрочка платежа {days}", f"payment terms of {days}"))
    if benefits.personal_manager:
        parts.append(w.say("персональный менеджер", "a personal manager"))
    if benefits.closed_sales:
        parts.append(w.say("доступ к закрытым распродажам", "access to closed sales"))
    if benefits.priority_service:
        parts.append(w.say("приоритетное обслуживание", "priority service"))
    parts += [text(w.lang) for text in benefits.other]
    return parts


def _evaluation_clauses(d: Doc) -> list[str]:
    w, tiers = d.w, d.program.tiers
    assert tiers is not None
    at = tiers.evaluation.at
    clauses = [
        w.say(
            f"Уровни пересматриваются при закрытии {w.each_period(at)} по данным на дату закрытия.",
            f"Tiers are reviewed at the close of {w.each_period(at)} on the figures at that date.",
        )
    ]
    if tiers.evaluation.upgrade == "immediately":
        which = (
            w.say(", и этот заказ уже начисляется по новому уровню", ", and that order already earns at the new tier")
            if tiers.evaluation.upgrade_includes_trigger
            else w.say(", а этот заказ начисляется по прежнему уровню", "; that order still earns at the old tier")
        )
        clauses.append(
            w.say(
                f"Если заказ выполняет условия более высокого уровня, уровень повышается сразу{which}.",
                f"When an order meets the criteria of a higher tier, the tier rises at once{which}.",
            )
        )
    else:
        clauses.append(w.say("Уровень повышается только при пересмотре.", "A tier rises only at a review."))
    clauses.append(
        w.say(
            "Возврат товара не отменяет уже полученного уровня: соответствие условиям проверяется при следующем "
            "пересмотре.",
            "A return does not take back a tier already reached: whether the criteria are still met is decided at "
            "the next review.",
        )
    )
    step = (
        w.say("на один уровень при каждом пересмотре", "by one tier at each review")
        if tiers.downgrade.step == "one_level"
        else w.say("до высшего уровня, условия которого выполнены", "to the highest tier whose criteria are met")
    )
    keep = tiers.downgrade.keep_periods
    if keep:
        kept = w.periods(keep, at)
        clauses.append(
            w.say(
                f"Если при пересмотре условия текущего уровня не выполнены, уровень сохраняется ещё {kept}, а затем понижается {step}.",
                f"When a review finds the criteria of the current tier unmet, the tier is kept for {kept} more and then lowered {step}.",
            )
        )
    else:
        clauses.append(
            w.say(
                f"Если при пересмотре условия текущего уровня не выполнены, уровень понижается {step}.",
                f"When a review finds the criteria of the current tier unmet, the tier is lowered {step}.",
            )
        )
    return clauses
