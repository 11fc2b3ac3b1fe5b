"""Sections of the published rules about what period closes decide: the volume bonus, benefits for the next
period, leaderboards, and staying in the program (``engine/close.py``, ``program/b2b.py``)."""

from __future__ import annotations

from loyalka.program.models import Benefit
from loyalka.program.publication import Units
from loyalka.program.rules_points import rate_example
from loyalka.program.rules_words import PERIOD_UNITS, Doc, Section, plural_ru

BEST = Units(ru=["лучший участник", "лучших участника", "лучших участников"], en=["best member", "best members"])
NEXT_PERIOD = {
    "month": ("следующий календарный месяц", "the following calendar month"),
    "quarter": ("следующий календарный квартал", "the following calendar quarter"),
    "half_year": ("следующее календарное полугодие", "the following calendar half-year"),
    "year": ("следующий календарный год", "the following calendar year"),
}
GROUPS = {
    "region": ("в каждом регионе", "in each region"),
    "industry": ("в каждой отрасли", "in each industry"),
    "all": ("среди всех участников", "among all members"),
}


def volume_section(d: Doc) -> Section | None:
    w, program = d.w, d.program
    if not program.volume_bonuses:
        return None
    clauses = []
    for bonus in program.volume_bonuses:
        unit = PERIOD_UNITS[bonus.period]
        noun_ru, noun_en = unit.ru[0], unit.en[0]
        kind = (
            w.say(f" в баллах вида {w.kind_name(bonus.kind)}", f" in {w.kind_name(bonus.kind)}")
            if len(program.point_kinds) > 1
            else ""
        )
        items = [f"- {w.say('от', 'from')} {w.money(b.from_)} — {w.percent(b.percent)};" for b in bonus.brackets]
        items[-1] = items[-1][:-1] + "."
        lead = w.say(
            f"При закрытии {w.each_period(bonus.period)} участнику, чьи покупки за {noun_ru} (за вычетом возвратов) "
            f"достигли порога, начисляется бонус{kind} по ставке наивысшего достигнутого порога на всю сумму покупок "
            f"за {noun_ru}:",
            f"At the close of {w.each_period(bonus.period)}, a member whose purchases in the {noun_en} (net of returns) "
            f"reach a bracket earns a bonus{kind} at the rate of the highest bracket reached on all its purchases of the "
            f"{noun_en}:",
        )
        first = bonus.brackets[0].percent
        notes = [
            w.say(
                f"Бонус начисляется в баллах: по ставке {w.percent(first)} {rate_example(d, bonus.kind, first)}.",
                f"The bonus is in points: at {w.percent(first)}, {rate_example(d, bonus.kind, first)}.",
            )
        ]
        if bonus.categories:
            cats = w.categories(bonus.categories)
            one = len(bonus.categories) == 1
            notes.append(
                w.say(
                    f"Учитываются покупки позиций {'категории' if one else 'категорий'} {cats}.",
                    f"Only lines of {'category' if one else 'categories'} {cats} count.",
                )
            )
        if bonus.net_of_rules:
            refs = [d.rule_ref(r) for r in bonus.net_of_rules]
            word = w.say("п." if len(refs) == 1 else "пп.", "clause" if len(refs) == 1 else "clauses")
            notes.append(
                w.say(
                    f"Из бонуса вычитаются баллы, уже начисленные за покупки этого периода по {word} {w.join(refs)}.",
                    f"Points already earned on the period's purchases under {word} {w.join(refs)} are deducted.",
                )
            )
        clauses += ["\n".join([lead, *items]), " ".join(notes)]
    return Section("volume", w.say("Бонус за объём закупок", "Volume bonus"), clauses)


def benefits_section(d: Doc) -> Section | None:
    w, program = d.w, d.program
    if not program.benefits:
        return None
    groups: dict[tuple[str, int], list[Benefit]] = {}
    for benefit in program.benefits:
        groups.setdefault((benefit.qualify.period, benefit.qualify.min_points_earned), []).append(benefit)
    clauses = []
    for (period, minimum), benefits in groups.items():
        several = len(program.point_kinds) > 1
        points = w.any_points(minimum) if several else w.points(next(iter(program.point_kinds)), minimum)
        of_all = w.say(" всех видов", " of all kinds") if several else ""
        items = [f"- {b.name(w.lang)};" for b in benefits]
        items[-1] = items[-1][:-1] + "."
        lead = w.say(  # the points the month's orders earn, net of returns (engine/close.py)
            f"Если сумма баллов{of_all}, начисленных участнику за заказы календарного месяца, составляет {points} "
            f"или больше, на {NEXT_PERIOD[period][0]} он получает:",
            f"A member whose orders of a calendar month earn {points}{of_all} or more receives for "
            f"{NEXT_PERIOD[period][1]}:",
        )
        clauses.append("\n".join([lead, *items]))
    if program.membership.stay_threshold is not None:
        clauses.append(
            w.say(
                "Участник, выбывающий из программы при закрытии месяца, привилегий по его итогам не получает.",
                "A member that leaves the program at a month's close receives no benefits for that month.",
            )
        )
    return Section("benefits", w.say("Привилегии по итогам периода", "Benefits for the next period"), clauses)


def leaderboards_section(d: Doc) -> Section | None:
    w, program = d.w, d.program
    if not program.leaderboards:
        return None
    clauses = []
    for board in program.leaderboards:
        unit = PERIOD_UNITS[board.period]
        best = w.count(board.top, BEST)
        verb = plural_ru(board.top, ["определяется", "определяются", "определяются"])
        top = "the best member" if board.top == 1 else f"the top {board.top} members"
        group = w.say(*GROUPS[board.group_by])
        text = w.say(
            f"{w.quote(board.name(w.lang))}: по итогам {w.each_period(board.period)} {verb} {best} {group} по сумме "
            f"покупок за {unit.ru[0]} (за вычетом возвратов).",
            f"{w.quote(board.name(w.lang))}: at the close of {w.each_period(board.period)}, {top} {group} by "
            f"purchases in the {unit.en[0]} (net of returns) {'is' if board.top == 1 else 'are'} named.",
        )
        if board.prizes:
            places = [
                w.say(f"{i}-е место — {p(w.lang)}", f"place {i}: {p(w.lang)}")
                for i, p in enumerate(board.prizes, start=1)
            ]
            text += w.say(" Призы: ", " Prizes: ") + "; ".join(places) + "."
        clauses.append(text)
    clauses.append(
        w.say(
            "Итоги подводятся при закрытии последнего месяца периода среди участников с покупками за период; при "
            "равенстве сумм выше ставится участник, раньше зарегистрированный в программе.",
            "The ranking is made at the close of the period's last month among members with purchases in it; on a tie, "
            "the member registered in the program earlier ranks higher.",
        )
    )
    return Section("leaderboards", w.say("Рейтинги участников", "Leaderboards"), clauses)


def membership_section(d: Doc) -> Section | None:
    w, membership = d.w, d.program.membership
    threshold = membership.stay_threshold
    if threshold is None:
        return None
    money = w.money(threshold.min_purchases)
    sentences = [
        w.say(
            f"Участник, покупки которого {w.in_period(threshold.period)} (за вычетом возвратов) составили менее {money}, выбывает из программы при закрытии этого месяца.",
            f"A member whose purchases {w.in_period(threshold.period)} (net of returns) are under {money} leaves the program at that month's close.",
        )
    ]
    if membership.grace_periods:
        n = membership.grace_periods
        first = "Первый" if plural_ru(n, ["1", "2", "5"]) == "1" else "Первые"
        sentences.append(
            w.say(
                f"{first} {w.months(n)} после вступления в программу это условие не применяется.",
                f"The threshold does not apply during the first {w.months(n)} after joining.",
            )
        )
    clauses = [" ".join(sentences)]
    clauses.append(
        w.say(
            "Неиспользованные баллы выбывшего участника аннулируются при его выбытии; его заказы баллов не приносят.",
            "The unspent points of a member that leaves are written off when it leaves; its orders earn nothing.",
        )
        if membership.on_exit == "forfeit"
        else w.say(
            "Выбывший участник может использовать накопленные баллы до истечения их срока действия; его заказы баллов не приносят.",
            "A member that leaves may spend its points until they expire; its orders earn nothing.",
        )
    )
    clauses.append(
        w.say(
            f"Выбывший участник снова становится участником программы при закрытии месяца, в котором его покупки составили {money} или больше.",
            f"A member that left rejoins at the close of a month in which its purchases reach {money}.",
        )
        if membership.rejoin
        else w.say(
            "Выбывший участник не восстанавливается в программе автоматически.",
            "A member that left does not rejoin automatically.",
        )
    )
    return Section("membership", w.say("Участие в программе", "Membership"), clauses)
