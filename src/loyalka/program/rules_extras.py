"""Sections of the published rules about points besides purchases: occasions (birthdays, anniversaries,
wake-up), one-time grants and activation codes, referrals, and the stamp card (``program/engagement.py``,
``program/catalog.py``)."""

from __future__ import annotations

from loyalka.program.catalog import ColumnGift
from loyalka.program.publication import Units
from loyalka.program.rules_points import glossary
from loyalka.program.rules_spending import tier_name
from loyalka.program.rules_words import Doc, Section

CODES_GENITIVE = Units(ru=["кода", "кодов", "кодов"], en=["code", "codes"])
COLUMNS = Units(ru=["столбец", "столбца", "столбцов"], en=["column", "columns"])
CELLS = Units(ru=["ячейка", "ячейки", "ячеек"], en=["cell", "cells"])
STAMPS = Units(ru=["отметка", "отметки", "отметок"], en=["stamp", "stamps"])


def occasions_section(d: Doc) -> Section | None:
    """Birthdays, anniversaries and the wake-up grant, then one-time grants and activation codes."""
    w, program = d.w, d.program
    triggers = program.triggers
    clauses = []
    if triggers.birthday is not None:
        b = triggers.birthday
        roles = ""
        if b.roles:
            names = w.join([w.quote(r) for r in b.roles], word=w.say("или", "or"))
            roles = w.say(f" с ролью {names}", f" with the role {names}")
        clauses.append(
            w.say(
                f"В день рождения каждого контактного лица участника{roles} на счёт участника начисляется "
                f"{w.points(b.kind, b.points)} — "
                "один раз в год за каждое контактное лицо, дата рождения которого сообщена продавцу.",
                f"On the birthday of a contact person of the member{roles}, the member earns {w.points(b.kind, b.points)} — "
                "once a year for each contact person whose birth date the seller has on file.",
            )
        )
    if triggers.anniversary is not None:
        a = triggers.anniversary
        what = (
            w.say("вступления в программу", "joining the program")
            if a.of == "joined"
            else w.say("основания компании", "the company's founding")
        )
        clauses.append(
            w.say(
                f"В годовщину {what} участнику начисляется {w.points(a.kind, a.points)}.",
                f"On the anniversary of {what}, the member earns {w.points(a.kind, a.points)}.",
            )
        )
    if triggers.inactivity is not None:
        i = triggers.inactivity
        clauses.append(
            w.say(
                f"Участнику, не совершавшему заказов {w.days(i.after_days)}, начисляется {w.points(i.kind, i.points)} — "
                "один раз за каждый такой перерыв.",
                f"A member that has placed no order for {w.days(i.after_days)} earns {w.points(i.kind, i.points)} — "
                "once for each such pause.",
            )
        )
    for grant in program.grants:
        clauses.append(
            w.say(
                f"{w.quote(grant.name(w.lang))}: участнику однократно начисляется "
                f"{w.points(grant.grant.kind, grant.grant.points)}; каждый участник получает это начисление не более "
                "одного раза.",
                f"{w.quote(grant.name(w.lang))}: the member earns {w.points(grant.grant.kind, grant.grant.points)} once; "
                "no member receives it twice.",
            )
        )
    for codes in program.codes:
        per = w.count(codes.per_account, CODES_GENITIVE)
        issued = (
            w.say(" Принимаются только коды, выпущенные продавцом.", " Only codes issued by the seller are accepted.")
            if codes.issued_only
            else ""
        )
        clauses.append(
            w.say(
                f"{w.quote(codes.name(w.lang))}: при активации кода начисляется "
                f"{w.points(codes.grant.kind, codes.grant.points)}. Каждый код может быть активирован только один раз "
                f"во всей программе; один участник может активировать не более {per} этого вида.{issued}",
                f"{w.quote(codes.name(w.lang))}: activating a code earns {w.points(codes.grant.kind, codes.grant.points)}. "
                f"Each code can be activated only once in the whole program; one member may activate at most {per} "
                f"of this kind.{issued}",
            )
        )
    if not clauses:
        return None
    return Section("occasions", w.say("Дополнительные начисления", "Other points"), clauses)


def referrals_section(d: Doc) -> Section | None:
    w, referrals = d.w, d.program.referrals
    if referrals is None:
        return None
    qualifying = w.say("первый заказ", "its first order")
    if referrals.min_order:
        qualifying = w.say(
            f"первый заказ на сумму от {w.money(referrals.min_order)}",
            f"its first order of {w.money(referrals.min_order)} or more",
        )
    if referrals.within_days is not None:
        days = w.days(referrals.within_days)
        qualifying += w.say(f" не позднее чем через {days} после вступления в программу", f" within {days} of joining")
    referrer = w.points(referrals.referrer.kind, referrals.referrer.points)
    sentences = [
        w.say(
            "Участник может рекомендовать программу другой компании, сообщив ей свой код рекомендации. Когда "
            f"рекомендованная компания совершит {qualifying}, рекомендателю начисляется {referrer}",
            "A member may recommend the program to another company by giving it its referral code. When the "
            f"recommended company places {qualifying}, the referrer earns {referrer}",
        )
    ]
    if referrals.referred is not None:
        referred = w.points(referrals.referred.kind, referrals.referred.points)
        sentences.append(
            w.say(f", а рекомендованной компании — {referred}", f", and the recommended company earns {referred}")
        )
    sentences.append(".")
    clauses = [
        "".join(sentences),
        w.say(
            "Рекомендация самого себя (та же компания или компания с тем же ИНН) и встречные рекомендации по кругу не "
            "принимаются. Возврат товара по заказу рекомендованной компании не отменяет начисленного за рекомендацию; "
            "вознаграждение за одну компанию начисляется один раз.",
            "Referring oneself (the same company or one with the same tax number) and referral loops are refused. A "
            "return on the recommended company's order does not take back what the referral earned; the reward for "
            "one company is given once.",
        ),
    ]
    return Section("referrals", w.say("Рекомендации", "Referrals"), clauses)


def stamp_cards_section(d: Doc) -> Section | None:
    w, program = d.w, d.program
    if not program.stamp_cards:
        return None
    clauses = []
    for card in program.stamp_cards:
        name = w.quote(card.name(w.lang))
        columns, cells = w.count(card.columns, COLUMNS), w.count(card.cells, CELLS)
        grid = w.say(
            f"Карта {name}: {columns}, в каждом {cells} ({card.columns} × {card.cells}).",
            f"The card {name}: {columns} of {cells} each ({card.columns} × {card.cells}).",
        )
        purchase = (
            w.say(
                f"покупку на сумму от {w.money(card.stamp.min_order)}",
                f"purchase of {w.money(card.stamp.min_order)} or more",
            )
            if card.stamp.min_order
            else w.say("покупку", "purchase")
        )
        stamp = w.say(f"За каждую {purchase} ставится одна отметка.", f"Each {purchase} earns one stamp.")
        if card.stamp.when:
            stamp += w.say(
                f" Отметка ставится, только если выполнено условие в формальной записи: `{card.stamp.when}`.",
                f" A stamp is given only when this condition, in formal notation, holds: `{card.stamp.when}`.",
            )
        choice = w.say(
            "Когда заполнен очередной столбец, участник может получить подарок этого столбца — после этого карта "
            "начинается заново — или продолжить собирать отметки для подарка следующего столбца.",
            "When a column is full, the member may take that column's gift — the card then starts anew — or keep "
            "collecting towards the next column's gift.",
        )
        choice += (
            w.say(
                " Подарок зависит от уровня участника на момент получения:",
                " The gift depends on the member's tier when it is taken:",
            )
            if program.tiers
            else w.say(" Подарки:", " The gifts:")
        )
        items = [_gift_line(d, card.cells, index, gift) for index, gift in enumerate(card.gifts, start=1)]
        items[-1] = items[-1][:-1] + "."
        taken_back = w.say(
            "Если после возврата или исправления документа заказ перестаёт отвечать условию отметки, отметка "
            "снимается; подарок, уже полученный с её учётом, остаётся у участника.",
            "If a return or a corrected document makes an order no longer qualify, its stamp is removed; a gift "
            "already taken with it stays with the member.",
        )
        clauses.append(" ".join([grid, stamp, taken_back]))
        clauses.append("\n".join([choice, *items]))
        if card.stamp.when:
            clauses.append(glossary(w, [card.stamp.when]))
    return Section("stamps", w.say("Карта с отметками", "Stamp card"), clauses)


def _gift_line(d: Doc, cells: int, index: int, gift: ColumnGift) -> str:
    w, tiers = d.w, d.program.tiers
    stamps = w.count(cells * index, STAMPS)
    head = w.say(f"- {index}-й столбец ({stamps}): ", f"- column {index} ({stamps}): ")
    if tiers is None:
        return f"{head}{gift.default(w.lang)};"
    others = [tier_name(d, lv.id) for lv in tiers.levels if lv.id not in gift.by_tier]
    if tiers.entry is None:
        others.append(w.say("без уровня", "no tier"))
    parts = [f"{w.join(others)} — {gift.default(w.lang)}"]
    parts += [f"{tier_name(d, tier)} — {text(w.lang)}" for tier, text in gift.by_tier.items()]
    return head + "; ".join(parts) + ";"
