"""The published rules: a program rendered as text fit to attach to a supply contract, in Russian (the
contract's language) or English, from the very configuration the engine runs.

The text is Markdown that reads as plain text: a heading, numbered sections ("## 3. Начисление баллов") and
numbered clauses ("3.1. ..."). One function per section; a section the program does not have is left out.
What is left out on purpose (operational settings, not terms between seller and client):

- ``spending.hold_ttl_s`` — how long a checkout may hold points;
- the per-role limits of ``adjustments`` (the rules state the two-person principle, not the staff's limits);
- ``segments`` (saved filters, some in CEL) and the list of ``campaigns``: marketing operations that come and
  go without a new contract; the rules state once how campaigns work and that they target objective criteria;
- ``messages`` texts (and which template a trigger, a grant or a code set sends), and the ``format`` of
  activation codes.

Conditions in CEL cannot be translated automatically: a rule's ``description`` is shown with the formal
condition quoted verbatim, and a glossary explains the fields the conditions use.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import cast

from loyalka.program.models import Program
from loyalka.program.rules_extras import occasions_section, referrals_section, stamp_cards_section
from loyalka.program.rules_levels import tiers_section
from loyalka.program.rules_periods import benefits_section, leaderboards_section, membership_section, volume_section
from loyalka.program.rules_points import earning_section, kinds_section
from loyalka.program.rules_spending import (
    invoices_section,
    returns_section,
    rewards_section,
    spending_section,
    transfers_section,
)
from loyalka.program.rules_words import LANGS, Doc, Lang, Section, Words

CURRENCY_NAMES = {
    "RUB": ("российских рублях", "Russian rubles"),
    "USD": ("долларах США", "US dollars"),
    "EUR": ("евро", "euros"),
    "GBP": ("фунтах стерлингов", "pounds sterling"),
    "KZT": ("казахстанских тенге", "Kazakhstani tenge"),
    "BYN": ("белорусских рублях", "Belarusian rubles"),
}
PERIOD_ORDER = ("month", "quarter", "half_year", "year")


def render_rules(
    program: Program, lang: str = "ru", *, version: int | None = None, published_on: date | None = None
) -> str:
    """The program's rules as Markdown text in ``lang`` ("ru" or "en"); ``version`` and ``published_on`` (of a
    stored version) go into the heading."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    words = Words(cast(Lang, lang), program)
    present = [s for s in (build(Doc(words, {})) for build in SECTIONS) if s is not None]
    numbers = {section.key: i for i, section in enumerate(present, start=1)}
    doc = Doc(words, numbers)
    sections = [s for s in (build(doc) for build in SECTIONS) if s is not None]
    return "\n".join([*_heading(words, version, published_on), *(_section_text(numbers[s.key], s) for s in sections)])


def _heading(w: Words, version: int | None, published_on: date | None) -> list[str]:
    name = w.quote(w.program.program.name(w.lang))
    lines = [w.say(f"# Правила программы лояльности {name}", f"# Rules of the loyalty program {name}"), ""]
    if version is not None:
        dated = w.say(f" от {w.date(published_on)}", f" of {w.date(published_on)}") if published_on else ""
        lines += [w.say(f"Редакция {version}{dated}", f"Version {version}{dated}"), ""]
    return lines


def _section_text(number: int, section: Section) -> str:
    lines = [f"## {number}. {section.title}", ""]
    for i, clause in enumerate(section.clauses, start=1):
        lines += [f"{number}.{i}. {clause}", ""]
    return "\n".join(lines)


def general_section(d: Doc) -> Section:
    w, info = d.w, d.program.program
    clauses = [
        w.say(
            f"Настоящие правила устанавливают условия программы лояльности {w.quote(info.name('ru'))} (далее — "
            "программа) и являются приложением к договору поставки. Правила сформированы из тех же настроек "
            "программы, по которым ведётся учёт баллов, поэтому текст правил и расчёт баллов совпадают.",
            f"These rules set out the terms of the loyalty program {w.quote(info.name('en'))} (the program) and are "
            "an annex to the supply contract. They are generated from the same program settings by which points are "
            "accounted for, so the text and the accounting agree.",
        )
    ]
    if info.description is not None:
        clauses.append(info.description(w.lang))
    clauses.append(
        w.say(
            "Участниками программы являются компании — покупатели продавца, зарегистрированные в программе (далее — "
            "участник). Баллы учитываются на счёте участника; каждая операция с баллами фиксируется с указанием "
            "правила, по которому она совершена.",
            "The members of the program are the seller's client companies registered in it (members). Points are kept "
            "on the member's account; every operation with points is recorded with the rule it was made under.",
        )
    )
    currency = CURRENCY_NAMES[info.currency]
    spans = [f"{w.period(unit)} — {w.period_span(unit)}" for unit in PERIOD_ORDER if unit in periods_used(d.program)]
    calendar = w.say(" Периоды программы: ", " The program's periods: ") + "; ".join(spans) + "." if spans else ""
    clauses.append(
        w.say(
            f"Суммы указаны в {currency[0]}. Сроки исчисляются {w.zone()}; датой заказа или события считается дата, "
            f"указанная в документе продавца.{calendar}",
            f"Amounts are in {currency[1]}. Dates and times are {w.zone()}; the date of an order or event is the date "
            f"in the seller's document.{calendar}",
        )
    )
    return Section("general", w.say("Общие положения", "General provisions"), clauses)


def periods_used(program: Program) -> set[str]:
    """The calendar periods the program's terms speak of (to spell out their dates once)."""
    used: set[str] = set()
    for kind in program.point_kinds.values():
        if kind.activation.after == "next_period":
            used.add(kind.activation.period)
        for rule in (kind.expiry, *kind.expiry.by_tier.values()):
            if rule.after in ("end_of_period", "end_of_next_period"):
                used.add(rule.period)
    used |= {rule.limit.period for rule in program.earning if rule.limit is not None}
    if program.tiers is not None:
        used.add(program.tiers.evaluation.at)
        for level in program.tiers.levels:
            windows = level.qualify.windows() if level.qualify is not None else []
            used |= {window.calendar for window in windows if window.calendar is not None}
    used |= {b.qualify.period for b in program.benefits} | {board.period for board in program.leaderboards}
    used |= {bonus.period for bonus in program.volume_bonuses}
    if program.transfers is not None and program.transfers.max_per_month is not None:
        used.add(program.transfers.period)
    if program.membership.stay_threshold is not None:
        used.add(program.membership.stay_threshold.period)
    return used


def campaigns_section(d: Doc) -> Section | None:
    w = d.w
    if not d.program.campaigns:
        return None
    clause = w.say(
        "Продавец может проводить маркетинговые акции: дополнительные начисления баллов и сообщения группам "
        "участников, выделенным по объективным признакам (регион, отрасль, уровень участия, объём и частота покупок). "
        "Каждый участник группы получает начисление акции не более одного раза. Баллы акции подчиняются правилам "
        f"своего вида ({d.ref('kinds')}). Условия каждой акции сообщаются её участникам; акции не изменяют настоящих "
        "правил.",
        "The seller may run marketing campaigns: extra points and messages to groups of members chosen by objective "
        "criteria (region, industry, tier, amount and frequency of purchases). Each member of the group receives a "
        f"campaign's points at most once. Campaign points follow the rules of their kind ({d.ref('kinds')}). Each "
        "campaign's terms are announced to its members; campaigns do not change these rules.",
    )
    return Section("campaigns", w.say("Маркетинговые акции", "Marketing campaigns"), [clause])


def notifications_section(d: Doc) -> Section | None:
    w, triggers = d.w, d.program.triggers
    items = []
    if triggers.welcome_message:
        items.append(w.say("о вступлении в программу", "on joining the program"))
    if triggers.tier_change_message:
        items.append(w.say("об изменении уровня участия", "when its tier changes"))
    if triggers.order_message:
        items.append(w.say("после каждого учтённого заказа", "after each recorded order"))
    reminder = triggers.expiry_reminder
    if reminder is not None:
        days = w.days(reminder.days_before)
        item = w.say(f"за {days} до сгорания баллов", f"{days} before its points expire")
        if reminder.min_points:
            kinds = list(d.program.point_kinds)
            amount = w.points(kinds[0], reminder.min_points) if len(kinds) == 1 else w.any_points(reminder.min_points)
            item += w.say(f", если сгорает {amount} или больше", f", when {amount} or more are to expire")
        items.append(item)
    if not items:
        return None
    lines = [f"- {item};" for item in items]
    lines[-1] = lines[-1][:-1] + "."
    clause = "\n".join([w.say("Участник получает уведомления:", "The member is notified:"), *lines])
    return Section("notifications", w.say("Уведомления", "Notifications"), [clause])


def closing_section(d: Doc) -> Section:
    w, publication = d.w, d.program.publication
    notice = ""
    if publication.notice_days:
        days = w.days(publication.notice_days)
        notice = w.say(
            f" Продавец сообщает участникам о новой редакции не позднее чем за {days} до её вступления в силу.",
            f" The seller announces a new version to the members at least {days} before it takes effect.",
        )
    debts = (
        w.say(
            " Ручное начисление в пользу участника сначала погашает его задолженность по возвратам.",
            " A manual credit first pays off the member's debt left by returns.",
        )
        if d.program.adjustments.net_debts
        else ""
    )
    clauses = [
        w.say(
            "Условия программы едины для всех участников. Начисление и использование баллов, уровни и привилегии "
            "определяются только объективными критериями, изложенными в настоящих правилах, и доступны каждому "
            "участнику, который им соответствует; индивидуальные условия отдельным участникам не устанавливаются.",
            "The program's terms are the same for every member. Earning and using points, tiers and benefits depend "
            "only on the objective criteria set out in these rules and are open to every member that meets them; no "
            "member is given terms of its own.",
        ),
        w.say(
            "Изменения правил оформляются новой редакцией с порядковым номером и датой; все редакции хранятся и "
            "предоставляются участнику по запросу. Новая редакция применяется к заказам и иным операциям, учтённым "
            "после её вступления в силу. Баллы, начисленные ранее, сохраняют сроки доступности и сгорания, "
            "установленные при их начислении; возвраты и исправления заказов рассчитываются по редакции, по которой "
            f"заказ был начислен.{notice}",
            "Changes to the rules are made as a new version with a number and a date; every version is kept and given "
            "to a member on request. A new version applies to orders and other operations recorded after it takes "
            "effect. Points earned before keep the dates from which they can be spent and on which they expire; "
            f"returns and corrections of an order are computed under the version the order earned under.{notice}",
        ),
        w.say(
            "Ручное изменение баланса участника допускается только с указанием причины; изменение сверх лимита, "
            "установленного для сотрудника продавца, вступает в силу после подтверждения другим сотрудником. Все "
            f"ручные изменения фиксируются в журнале, записи которого не изменяются и не удаляются.{debts}",
            "A member's balance may be adjusted by hand only with a stated reason; an adjustment above the limit of the "
            "seller's employee takes effect once a second employee approves it. Every manual adjustment is recorded in "
            f"a log whose entries are never changed or deleted.{debts}",
        ),
        w.say(
            "Баллы не являются денежными средствами и не обмениваются на деньги; их можно использовать только "
            "способами, указанными в настоящих правилах.",
            "Points are not money and cannot be exchanged for money; they can be used only as these rules provide.",
        ),
        w.say(
            "Участнику доступны сведения о балансе, о сроках сгорания баллов и о каждой операции с баллами с указанием "
            "правила, по которому она совершена.",
            "A member can see its balance, when its points expire, and every operation with points with the rule it "
            "was made under.",
        ),
        *(clause(w.lang) for clause in publication.clauses),
    ]
    return Section("closing", w.say("Заключительные положения", "Final provisions"), clauses)


SECTIONS: list[Callable[[Doc], Section | None]] = [
    general_section,
    kinds_section,
    earning_section,
    tiers_section,
    volume_section,
    occasions_section,
    referrals_section,
    spending_section,
    rewards_section,
    stamp_cards_section,
    transfers_section,
    benefits_section,
    leaderboards_section,
    membership_section,
    invoices_section,
    returns_section,
    campaigns_section,
    notifications_section,
    closing_section,
]

__all__ = ["LANGS", "Lang", "SECTIONS", "render_rules"]
