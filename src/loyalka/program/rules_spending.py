"""Sections of the published rules about using points: paying for orders, rewards, transfers, overdue
invoices, and what returns and corrected documents do (``engine/redemption.py``, ``services/settlement.py``)."""

from __future__ import annotations

from decimal import Decimal

from loyalka.program.rules_words import Doc, Section, Words


def _cap(w: Words, share: Decimal, categories: list[str] | None) -> str | None:
    """ "10% суммы позиций категории «Работы»" (genitive) / "10% of the order's lines of ..."; None: no cap."""
    if share >= 1 and not categories:
        return None
    rate = w.percent(share)
    if not categories:
        return w.say(f"{rate} суммы заказа", f"{rate} of the order total")
    word_ru, word_en = ("категории", "category") if len(categories) == 1 else ("категорий", "categories")
    names = w.categories(categories)
    return w.say(f"{rate} суммы позиций {word_ru} {names}", f"{rate} of the order's lines of {word_en} {names}")


def spending_section(d: Doc) -> Section:
    w, program = d.w, d.program
    several = len(program.point_kinds) > 1
    clauses = [
        w.say(
            "Оплачивать заказы баллами может действующий участник программы. Для оплаты доступны баллы, срок "
            f"доступности которых наступил и которые ещё не сгорели ({d.ref('kinds')}).",
            "An active member of the program may pay for orders with points: with those that have become spendable "
            f"and have not expired ({d.ref('kinds')}).",
        )
    ]
    for name, kind in program.point_kinds.items():
        cap = _cap(w, kind.redemption.max_order_share, kind.redemption.categories)
        if cap is None:
            continue
        subject = (
            w.say(f"Баллами вида {w.kind_name(name)}", w.kind_name(name)) if several else w.say("Баллами", "Points")
        )
        clauses.append(w.say(f"{subject} можно оплатить не более {cap}.", f"{subject} may pay at most {cap}."))
    overall = _cap(w, program.spending.max_order_share, program.spending.categories)
    if overall is not None:
        clauses.append(
            w.say(
                f"Все виды баллов вместе могут оплатить не более {overall}.",
                f"All kinds of points together may pay at most {overall}.",
            )
            if several
            else w.say(
                f"Всего баллами можно оплатить не более {overall}.", f"In all, points may pay at most {overall}."
            )
        )
    clauses.append(
        w.say(
            "Акционные позиции заказа баллами не оплачиваются и в расчёт ограничений не включаются.",
            "Promotional lines cannot be paid with points and do not count towards the caps.",
        )
    )
    clauses.append(  # services/redemption.py contact_allowance
        w.say(
            "Для контактных лиц участника может быть установлено, вправе ли они оплачивать заказы баллами и на какую "
            "сумму в календарный месяц; заказ, оформленный контактным лицом, оплачивается баллами в этих пределах.",
            "A member's contact persons may be given or denied the right to pay for orders with points, and a limit "
            "per calendar month; an order a contact person places is paid with points within those limits.",
        )
    )
    if several:
        names = [w.kind_name(kind) for kind in program.kind_order]
        first, rest = names[0], names[1:]
        then = "".join(w.say(f", затем {n}", f", then {n}") for n in rest)
        clauses.append(
            w.say(
                f"Если заказ можно оплатить баллами нескольких видов, сначала списываются {first}{then}.",
                f"When several kinds can pay an order, they are used in this order: first {first}{then}.",
            )
        )
    of_kind = w.say(" одного вида", " of one kind") if several else ""
    clauses.append(
        w.say(
            f"Баллы{of_kind} списываются начиная с тех, срок действия которых истекает раньше; бессрочные — "
            "в последнюю очередь.",
            f"Points{of_kind} are used starting with those that expire first; points that never expire go last.",
        )
        if program.spending.lot_order == "expiring_first"
        else w.say(
            f"Баллы{of_kind} списываются начиная с начисленных раньше.",
            f"Points{of_kind} are used starting with the earliest earned.",
        )
    )
    return Section("spending", w.say("Оплата заказов баллами", "Paying with points"), clauses)


def rewards_section(d: Doc) -> Section | None:
    w, program = d.w, d.program
    if not program.rewards:
        return None
    items = []
    for reward in program.rewards:
        parts = [f"- {reward.name(w.lang)} — {w.points(reward.price.kind, reward.price.points)}"]
        if reward.tiers:
            names = w.join([tier_name(d, t) for t in reward.tiers])
            word = w.say(
                "уровня" if len(reward.tiers) == 1 else "уровней", "tier" if len(reward.tiers) == 1 else "tiers"
            )
            parts.append(w.say(f"только для участников {word} {names}", f"for members of the {names} {word} only"))
        if reward.stock is not None:
            parts.append(w.say(f"количество ограничено: {reward.stock} шт.", f"limited stock: {reward.stock}"))
        if reward.description is not None:
            parts.append(reward.description(w.lang).rstrip(". "))
        items.append("; ".join(parts) + ";")
    items[-1] = items[-1][:-1] + ("" if items[-1][:-1].endswith(".") else ".")
    clauses = [
        "\n".join(
            [
                w.say(
                    "Баллы можно обменять на вознаграждения из каталога по цене в баллах:",
                    "Points buy the rewards of the catalogue, priced in points:",
                ),
                *items,
            ]
        ),
        w.say(
            "При обмене баллы списываются со счёта участника, а продавец оформляет выдачу вознаграждения. "
            "Вознаграждения ограниченного количества выдаются, пока они есть в наличии.",
            "On redemption the points are debited from the member's account and the seller arranges the reward. "
            "Rewards of limited stock are given while they last.",
        ),
    ]
    return Section("rewards", w.say("Каталог вознаграждений", "Rewards catalogue"), clauses)


def tier_name(d: Doc, tier: str) -> str:
    level = d.program.tiers.level(tier) if d.program.tiers else None
    return d.w.quote(level.name(d.w.lang) if level else tier)


def transfers_section(d: Doc) -> Section | None:
    w, transfers = d.w, d.program.transfers
    if transfers is None:
        return None
    kinds = transfers.kinds
    if len(d.program.point_kinds) == 1:
        what = w.say("баллы", "points")
    else:
        names = w.join([w.kind_name(k) for k in kinds])
        what = w.say(
            f"баллы {'вида' if len(kinds) == 1 else 'видов'} {names}",
            f"points of the {names} {'kind' if len(kinds) == 1 else 'kinds'}",
        )

    def points(minor: int) -> str:
        return w.points(kinds[0], minor) if len(kinds) == 1 else w.any_points(minor)

    sentences = [
        w.say(
            f"Участник может передать {what} другому участнику программы.",
            f"A member may give {what} to another member of the program.",
        )
    ]
    if transfers.min:
        sentences.append(
            w.say(
                f"Минимальная сумма одной передачи — {points(transfers.min)}.",
                f"The smallest transfer is {points(transfers.min)}.",
            )
        )
    if transfers.max_per_transfer is not None:
        most = points(transfers.max_per_transfer)
        sentences.append(w.say(f"Максимальная сумма одной передачи — {most}.", f"The largest transfer is {most}."))
    if transfers.max_per_month is not None:
        most = points(transfers.max_per_month)
        period = w.in_period(transfers.period)
        sentences.append(
            w.say(
                f"Лимит отправки одним участником {period} — {most}.", f"One member may send at most {most} {period}."
            )
        )
    clauses = [" ".join(sentences)]
    excluded = ""
    if transfers.exclude_tags:
        tags = w.join([w.quote(t) for t in transfers.exclude_tags])
        excluded = w.say(
            f"; передача недоступна участникам с метками {tags}",
            f"; members tagged {tags} may neither give nor receive",
        )
    clauses.append(
        w.say(
            f"Передавать и получать баллы могут только действующие участники{excluded}. Передаются только баллы, "
            "доступные для оплаты; переданные баллы сохраняют срок сгорания, установленный при их начислении. "
            "Передача отражается в истории обоих счетов: списанием у отправителя и зачислением у получателя.",
            f"Only active members may give and receive points{excluded}. Only spendable points can be given; given "
            "points keep the expiry date they were earned with. A transfer shows in the history of both accounts: a "
            "debit of the sender and a credit of the receiver.",
        )
    )
    return Section("transfers", w.say("Передача баллов", "Transfers of points"), clauses)


def invoices_section(d: Doc) -> Section | None:
    """Shown when the file has an ``invoices`` section or a rule that depends on invoices being paid."""
    w, program = d.w, d.program
    uses = any(rule.event == "payment" or rule.on_payment for rule in program.earning)
    if "invoices" not in program.model_fields_set and not uses:
        return None
    overdue = program.invoices.overdue
    if overdue.grace_days:
        late = w.say(
            f"Счёт считается просроченным, если он не оплачен полностью через {w.days(overdue.grace_days)} после срока оплаты.",
            f"An invoice is overdue when it is not paid in full {w.days(overdue.grace_days)} after its due date.",
        )
    else:
        late = w.say(
            "Счёт считается просроченным, если он не оплачен полностью в срок.",
            "An invoice is overdue when it is not paid in full by its due date.",
        )
    blocks = []
    if overdue.block_spending:  # SPENDING_BLOCKS: orders, rewards and transfers alike
        uses = [w.say("оплачивать баллами заказы", "pay for orders with points")]
        if program.rewards:
            uses.append(w.say("обменивать баллы на вознаграждения", "exchange points for rewards"))
        if program.transfers is not None:
            uses.append(w.say("передавать баллы другим участникам", "give points to other members"))
        blocks.append(w.say("он не может ", "the member cannot ") + w.join(uses, word=w.say("и", "or")))
    if overdue.block_earning:  # orders, invoice payments and activities alike (services.invoices.earning_block)
        rules = f" ({d.ref('earning')})" if d.ref("earning") else ""
        blocks.append(
            w.say(
                f"баллы по правилам начисления{rules} ему не начисляются",
                f"it earns nothing under the earning rules{rules}",
            )
        )
    if blocks:
        effect = (
            w.say("Пока у участника есть просроченный счёт, ", "While a member has an overdue invoice, ")
            + w.say(", а ", "; ").join(blocks)
            + "."
        )
    else:
        effect = w.say(
            "Просрочка оплаты не ограничивает начисление и использование баллов.",
            "An overdue invoice limits neither earning nor spending.",
        )
    return Section("invoices", w.say("Оплата счетов", "Invoices"), [_due(d), f"{late} {effect}"])


def _due(d: Doc) -> str:
    """When an invoice is due unless it states its own date (``invoices.default_due_days``; a tier's
    ``payment_terms_days`` comes first)."""
    w, program = d.w, d.program
    days = program.invoices.default_due_days
    tiered = program.tiers is not None and any(lv.benefits.payment_terms_days for lv in program.tiers.levels)
    own = w.say(
        f"Срок оплаты счёта — {w.days(days)} с даты выставления" if days else "Счёт оплачивается в день выставления",
        f"An invoice is due {w.days(days)} after it is issued" if days else "An invoice is due on the day it is issued",
    )
    terms = (
        w.say(
            ", если в нём не указан иной срок; для участников уровней с отсрочкой платежа срок определяется отсрочкой их уровня.",
            ", unless it states another date; for members of tiers with deferred payment, the tier's terms apply.",
        )
        if tiered
        else w.say(", если в нём не указан иной срок.", ", unless it states another date.")
    )
    return own + terms


def returns_section(d: Doc) -> Section:
    w = d.w
    shortfall = (
        w.say(
            "Если списать нечего, потому что баллы уже потрачены, баланс не становится отрицательным: недостающие "
            "баллы учитываются как задолженность участника и погашаются из следующих начислений баллов того же вида.",
            "If the points were already spent, the balance never goes below zero: the missing points are recorded as "
            "the member's debt and are netted against its next earnings of the same kind.",
        )
        if d.program.returns.on_shortfall == "debt"
        else w.say(
            "Если списать нечего, потому что баллы уже потрачены, недостающие баллы не взыскиваются.",
            "If the points were already spent, the missing points are not recovered.",
        )
    )
    clauses = [
        w.say(
            "При возврате товара, полном или частичном, в том числе после того как баллы за заказ стали доступны или "
            "были потрачены, начисление по заказу пересчитывается на оставшуюся часть заказа по той редакции правил, "
            "по которой заказ был начислен, и разница списывается: сначала неиспользованные баллы этого заказа, затем "
            "другие баллы того же вида — начиная с тех, срок действия которых истекает раньше.",
            "On a full or partial return, even after the order's points became spendable or were spent, what the order "
            "earns is recomputed on what is left of it under the version of the rules it earned under, and the "
            "difference is taken back: first the order's unspent points, then other points of the same kind, those "
            "expiring first.",
        ),
        shortfall,
        w.say(
            "Баллы заказа, которые сгорели или были аннулированы неиспользованными, при возврате не взыскиваются.",
            "Points of the order that expired or were written off unspent are not recovered on a return.",
        ),
        w.say(
            "Если продавец исправляет документ заказа (новая версия с изменёнными позициями или суммами), начисление "
            "пересчитывается так же: начисляется или списывается только разница. Повторная передача той же версии "
            "ничего не меняет.",
            "When the seller corrects an order document (a new version with changed lines or sums), what it earns is "
            "recomputed the same way: only the difference is credited or taken back. Re-sending the same version "
            "changes nothing.",
        ),
    ]
    return Section("returns", w.say("Возвраты и исправление документов", "Returns and corrected documents"), clauses)
