"""Checks that span sections of a program: every reference resolves, ids are unique, conditions compile,
points figures fit their kind's decimals. Each problem is (dotted path, message)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from loyalka.program.conditions import ConditionError, compile_condition
from loyalka.program.models import Program
from loyalka.program.publication import publication_problems

Problem = tuple[str, str]


def cross_check(program: Program) -> list[Problem]:
    return [
        *_kinds(program),
        *_unique_ids(program),
        *_conditions(program),
        *_tiers(program),
        *_messages(program),
        *_segments(program),
        *_rule_references(program),
        *_fractions(program),
        *publication_problems(program),
    ]


def _kinds(program: Program) -> Iterator[Problem]:
    kinds = set(program.point_kinds)
    known = ", ".join(sorted(kinds))
    for path, kind in _kind_references(program):
        if kind not in kinds:
            yield path, f"refers to point kind {kind!r}, which is not defined in point_kinds ({known})"
    order = program.spending.kind_order or []
    for i, kind in enumerate(order):
        if kind in order[:i]:
            yield f"spending.kind_order.{i}", f"point kind {kind!r} is listed twice"
    left_out = [kind for kind in program.point_kinds if order and kind not in order]
    if left_out:
        names = ", ".join(map(repr, left_out))
        yield "spending.kind_order", f"does not list {names}: its points could never pay for an order; list every kind"


def _kind_references(program: Program) -> Iterator[tuple[str, str]]:
    for i, rule in enumerate(program.earning):
        yield f"earning.{i}.kind", rule.kind
    for i, kind in enumerate(program.spending.kind_order or []):
        yield f"spending.kind_order.{i}", kind
    triggers = program.triggers
    for name in ("first_order", "birthday", "anniversary", "inactivity"):
        trigger = getattr(triggers, name)
        if trigger is not None:
            yield f"triggers.{name}.kind", trigger.kind
    for section in ("campaigns", "grants", "codes"):
        for i, item in enumerate(getattr(program, section)):
            if item.grant is not None:
                yield f"{section}.{i}.grant.kind", item.grant.kind
    if program.referrals is not None:
        yield "referrals.referrer.kind", program.referrals.referrer.kind
        if program.referrals.referred is not None:
            yield "referrals.referred.kind", program.referrals.referred.kind
    if program.transfers is not None:
        for i, kind in enumerate(program.transfers.kinds):
            yield f"transfers.kinds.{i}", kind
    for i, reward in enumerate(program.rewards):
        yield f"rewards.{i}.price.kind", reward.price.kind
    for i, bonus in enumerate(program.volume_bonuses):
        yield f"volume_bonuses.{i}.kind", bonus.kind


def _unique_ids(program: Program) -> Iterator[Problem]:
    sections: dict[str, list[Any]] = {
        "earning": program.earning,
        "benefits": program.benefits,
        "leaderboards": program.leaderboards,
        "segments": program.segments,
        "campaigns": program.campaigns,
        "grants": program.grants,
        "codes": program.codes,
        "stamp_cards": program.stamp_cards,
        "rewards": program.rewards,
        "volume_bonuses": program.volume_bonuses,
    }
    if program.tiers is not None:
        sections["tiers.levels"] = program.tiers.levels
    for section, items in sections.items():
        ids = [item.id for item in items]
        for i, ident in enumerate(ids):
            if ident in ids[:i]:
                yield f"{section}.{i}.id", f"id {ident!r} is used twice"
    rule_ids = {rule.id for rule in program.earning}
    reserved = {"first_order"} & rule_ids
    for ident in reserved:
        index = next(i for i, r in enumerate(program.earning) if r.id == ident)
        yield f"earning.{index}.id", f"id {ident!r} is reserved for the first-order trigger"


def _conditions(program: Program) -> Iterator[Problem]:
    sources = [(f"earning.{i}.when", r.when, r.event) for i, r in enumerate(program.earning)]
    sources += [(f"segments.{i}.filter.when", s.filter.when, "segment") for i, s in enumerate(program.segments)]
    sources += [(f"stamp_cards.{i}.stamp.when", c.stamp.when, "order") for i, c in enumerate(program.stamp_cards)]
    for path, source, event in sources:
        if source is None:
            continue
        try:
            compile_condition(source)
        except ConditionError as exc:
            yield path, str(exc)
            continue
        if event == "segment":
            yield from _segment_trial(path, source)
        else:
            yield from _rule_trial(path, source, event)


_FIELD = re.compile(r"\b(order|payment|activity|account)\.([A-Za-z_]\w*)")
_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'')


def _rule_trial(path: str, source: str, event: str) -> Iterator[Problem]:
    """A rule's condition names only fields its event gives (one it lacks would make every event fail when it is
    posted, even behind an operand that is false on the sample), and evaluates on a sample of them."""
    from loyalka.program.conditions import evaluate

    maps = _sample_maps(event)
    fields = ", ".join(f"{root}.{key}" for root, values in maps.items() for key in sorted(values))
    for root, key in _FIELD.findall(_STRING.sub('""', source)):
        if root not in maps or key not in maps[root]:
            yield path, f"{root}.{key} is not a field a rule with event: {event} sees; it may use {fields}"
            return
    try:
        evaluate(source, maps)
    except Exception as exc:  # noqa: BLE001 - celpy's evaluation errors, or a result that is not true / false
        reason = getattr(exc, "message", None) or (exc.args[0] if exc.args else exc)
        yield path, f"the condition cannot be evaluated on a sample {event}: {reason}"


def _sample_maps(event: str) -> dict[str, dict[str, object]]:
    """What ``when`` sees for an event, built by the engine's own functions (so their keys stay in step)."""
    from datetime import UTC, date, datetime

    from loyalka.domain.events import OrderLine
    from loyalka.engine.b2b import InvoiceState, activity_facts, payment_facts
    from loyalka.engine.views import AccountView, OrderView

    day = date(2026, 1, 15)
    account = AccountView(1, "active", "Москва", "retail", ("sample",), tier="sample")
    maps: dict[str, dict[str, object]] = {"account": account.as_condition_input()}
    if event == "order":
        lines = (OrderLine("sku-1", 1_000_000, "sample"),)
        order = OrderView("e-1", "o-1", 1, datetime(2026, 1, 15, tzinfo=UTC), lines, contact_id=1, delivery_on=day)
        maps["order"] = order.as_condition_input(day)
    elif event == "payment":
        maps["payment"] = payment_facts(1_000_000, day, InvoiceState("inv-1", day, 1_000_000, 0, 1_000_000))
    else:
        maps["activity"] = activity_facts("review", 1)
    return maps


def _segment_trial(path: str, source: str) -> Iterator[Problem]:
    """A segment's condition is tried on a sample account, so an unknown key is found when the file loads."""
    from loyalka.engine.segments import trial

    problem = trial(source)
    if problem is not None:
        yield path, f"{problem} (the account map has: {', '.join(sorted(_account_keys()))})"


def _account_keys() -> list[str]:
    from datetime import date

    from loyalka.engine.segments import AccountFacts

    return list(AccountFacts(0, "", "", "active", date(2026, 1, 1), date(2026, 1, 1)).as_condition_input())


def _tiers(program: Program) -> Iterator[Problem]:
    tiers = program.tiers
    ids = {lv.id for lv in tiers.levels} if tiers else set()
    known = ", ".join(sorted(ids)) if ids else "none: the program has no tiers"
    references: list[tuple[str, Iterable[str]]] = []
    for name, kind in program.point_kinds.items():
        references.append((f"point_kinds.{name}.expiry.by_tier", kind.expiry.by_tier))
    for i, segment in enumerate(program.segments):
        references.append((f"segments.{i}.filter.tiers", segment.filter.tiers or []))
    for i, reward in enumerate(program.rewards):
        references.append((f"rewards.{i}.tiers", reward.tiers or []))
    for i, card in enumerate(program.stamp_cards):
        for j, gift in enumerate(card.gifts):
            references.append((f"stamp_cards.{i}.gifts.{j}.by_tier", gift.by_tier))
    for path, tier_ids in references:
        for tier in tier_ids:
            if tier not in ids:
                yield path, f"refers to tier {tier!r}, which is not defined ({known})"
    if tiers is not None:
        for i, level in enumerate(tiers.levels[1:], start=1):
            if level.qualify is None:
                yield f"tiers.levels.{i}.qualify", "only the lowest level may be without a criterion"


def _messages(program: Program) -> Iterator[Problem]:
    known = set(program.messages)
    names = ", ".join(sorted(known)) or "none defined"
    references: list[tuple[str, str | None]] = []
    triggers = program.triggers
    for name in ("first_order", "birthday", "anniversary", "inactivity", "expiry_reminder"):
        trigger = getattr(triggers, name)
        if trigger is not None:
            references.append((f"triggers.{name}.message", trigger.message))
    references.append(("triggers.welcome_message", triggers.welcome_message))
    references.append(("triggers.tier_change_message", triggers.tier_change_message))
    references.append(("triggers.order_message", triggers.order_message))
    for section in ("campaigns", "grants", "codes"):
        for i, item in enumerate(getattr(program, section)):
            references.append((f"{section}.{i}.message", item.message))
    if program.referrals is not None:
        references.append(("referrals.message", program.referrals.message))
    for path, message in references:
        if message is not None and message not in known:
            yield path, f"refers to message {message!r}, which is not defined in messages ({names})"


def _segments(program: Program) -> Iterator[Problem]:
    known = {s.id for s in program.segments}
    for i, campaign in enumerate(program.campaigns):
        if campaign.segment not in known:
            names = ", ".join(sorted(known)) or "none defined"
            yield f"campaigns.{i}.segment", f"refers to segment {campaign.segment!r}, which is not defined ({names})"


def _rule_references(program: Program) -> Iterator[Problem]:
    rules = {rule.id: rule for rule in program.earning}
    for i, bonus in enumerate(program.volume_bonuses):
        for j, rule_id in enumerate(bonus.net_of_rules):
            if rule_id not in rules:
                yield (
                    f"volume_bonuses.{i}.net_of_rules.{j}",
                    f"refers to earning rule {rule_id!r}, which is not defined",
                )
            elif rules[rule_id].kind != bonus.kind:  # its points would be deducted from another kind's
                yield (
                    f"volume_bonuses.{i}.net_of_rules.{j}",
                    f"rule {rule_id!r} earns {rules[rule_id].kind!r}, the bonus {bonus.kind!r}: only points of the "
                    "bonus's kind can be deducted from it",
                )


def _fractions(program: Program) -> Iterator[Problem]:
    """A kind with whole points (decimals: 0) cannot be given "2.50" points."""
    for path, kind_name, minor in _points_figures(program):
        kind = program.point_kinds.get(kind_name)
        if kind is not None and minor % 10 ** (2 - kind.decimals):
            yield path, f"point kind {kind_name!r} has {kind.decimals} decimal(s); {minor / 100:.2f} does not fit"


def _points_figures(program: Program) -> Iterator[tuple[str, str, int]]:
    for i, rule in enumerate(program.earning):
        if rule.amount.fixed is not None:
            yield f"earning.{i}.amount.fixed", rule.kind, rule.amount.fixed
        if rule.amount.step is not None:
            yield f"earning.{i}.amount.step.points", rule.kind, rule.amount.step.points
    triggers = program.triggers
    for name in ("birthday", "anniversary", "inactivity"):
        trigger = getattr(triggers, name)
        if trigger is not None:
            yield f"triggers.{name}.points", trigger.kind, trigger.points
    if triggers.first_order is not None:
        yield "triggers.first_order.at_least", triggers.first_order.kind, triggers.first_order.at_least
    for section in ("campaigns", "grants", "codes"):
        for i, item in enumerate(getattr(program, section)):
            if item.grant is not None:
                yield f"{section}.{i}.grant.points", item.grant.kind, item.grant.points
    for i, reward in enumerate(program.rewards):
        yield f"rewards.{i}.price.points", reward.price.kind, reward.price.points
    referrals = program.referrals
    if referrals is not None:
        yield "referrals.referrer.points", referrals.referrer.kind, referrals.referrer.points
        if referrals.referred is not None:
            yield "referrals.referred.points", referrals.referred.kind, referrals.referred.points
    transfers = program.transfers
    if transfers is not None:
        for name in ("min", "max_per_transfer", "max_per_month"):
            figure = getattr(transfers, name)
            for kind in transfers.kinds if figure else ():
                yield f"transfers.{name}", kind, figure
