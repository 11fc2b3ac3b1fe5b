"""Stamp cards kept electronically: a stamp per qualifying order, what the card shows, gifts taken.

* Posting orders (``StampStage``): each order of an active member that meets a card's rule (``min_order`` on
  the order's total, the optional CEL ``when`` over ``order`` and ``account``) gets one stamp on that card,
  once per order (a replayed or re-sent order adds nothing: the stage sees new orders only, and a stamp is
  unique per card and order).
* A return or a corrected document (``order_changed``) re-checks the order under the program version it was
  posted under: a stamp whose order no longer qualifies is removed from the current card; if a claim has
  already used it, the gift stands and the stamp is only marked removed (so cancelling that gift will not
  give it back). A corrected order that qualifies again gets its stamp back.
* Claiming a full column's gift: see ``engine/stamps.py`` for what it takes and carries over.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalka.domain.accounts import validate_code
from loyalka.domain.money import format_minor
from loyalka.engine import stamps as grid
from loyalka.engine.orders import net_lines, stored_lines
from loyalka.engine.views import AccountView, OrderView
from loyalka.errors import Conflict, RuleViolation
from loyalka.ledger.book import Book
from loyalka.program.catalog import StampCard
from loyalka.program.conditions import evaluate
from loyalka.program.lookup import find_by_id
from loyalka.program.models import Program
from loyalka.services.accounts import get_account
from loyalka.services.events import account_view
from loyalka.services.fulfilment import STAMP_CARD, new_order, order_view, utc_iso
from loyalka.services.programs import ActiveProgram, active_program, version_rules
from loyalka.services.stages import OrderStage, Posted
from loyalka.services.tiers import held_tier
from loyalka.storage.bulk import insert_rows
from loyalka.storage.tables import AccountRow, OrderRow
from loyalka.storage.tables_catalog import RewardOrderRow, StampCardRow, StampClaimRow, StampRow


def qualifies(card: StampCard, order: OrderView, account: AccountView, timezone: str) -> bool:
    if order.total_minor < card.stamp.min_order:
        return False
    if card.stamp.when is None:
        return True
    local_date = order.occurred_at.astimezone(ZoneInfo(timezone)).date()
    facts = {"order": order.as_condition_input(local_date), "account": account.as_condition_input()}
    return evaluate(card.stamp.when, facts)


# --- posting orders ------------------------------------------------------------------------------------------
class StampStage(OrderStage):
    """Gathers the stamps of a batch's orders; writes them, and the cards they land on, when the batch ends."""

    def __init__(self, session: Session, program: ActiveProgram, now: datetime) -> None:
        super().__init__(session, program, now)
        self.stamps: list[tuple[AccountRow, str, Posted]] = []

    def after(self, posted: Posted, books: dict[int, Book]) -> None:
        account = posted.account
        if account.status != "active":  # a former member's orders earn no stamps, as they earn no points
            return
        tier = posted.result.get("tier")  # the tier the order was earned at (an upgrade by this very order)
        member = account_view(account, tier if isinstance(tier, str) else None)
        timezone = self.rules.program.timezone
        for card in self.rules.stamp_cards:
            if qualifies(card, posted.view, member, timezone):
                self.stamps.append((account, card.id, posted))

    def finish(self) -> None:
        if not self.stamps:
            return
        states = _states(self.session, {account.id for account, _, _ in self.stamps}, self.now)
        rows = []
        for account, card, posted in self.stamps:
            state = states[(account.id, card)]
            state.stamps += 1
            state.updated_at = self.now
            rows.append(
                {
                    "account_id": account.id,
                    "card": card,
                    "order_ref": posted.order.order_ref,
                    "event_id": posted.order.event_id,
                    "cycle": state.cycle,
                    "stamped_at": posted.order.occurred_at,
                    "recorded_at": self.now,
                    "claim_id": None,
                    "removed_at": None,
                    "removed_by": None,
                }
            )
        self.session.flush()
        insert_rows(self.session, StampRow.__table__, rows)


def stamp_stage(session: Session, program: ActiveProgram, now: datetime) -> StampStage | None:
    return StampStage(session, program, now) if program.rules.stamp_cards else None


def _states(session: Session, account_ids: set[int], now: datetime) -> dict[tuple[int, str], StampCardRow]:
    """Every card state of these accounts, made on first use (a missing one is at cycle 1 with no stamps)."""
    rows = session.scalars(select(StampCardRow).where(StampCardRow.account_id.in_(sorted(account_ids)))).all()
    states = {(row.account_id, row.card): row for row in rows}
    return _Missing(session, states, now)


class _Missing(dict[tuple[int, str], StampCardRow]):
    def __init__(self, session: Session, known: dict[tuple[int, str], StampCardRow], now: datetime) -> None:
        super().__init__(known)
        self.session, self.now = session, now

    def __missing__(self, key: tuple[int, str]) -> StampCardRow:
        row = StampCardRow(account_id=key[0], card=key[1], cycle=1, stamps=0, updated_at=self.now)
        self.session.add(row)
        self[key] = row
        return row


def card_state(session: Session, account_id: int, card: str, now: datetime) -> StampCardRow:
    return _states(session, {account_id}, now)[(account_id, card)]


def _live(session: Session, account_id: int, card: str, cycle: int) -> list[StampRow]:
    """The stamps on the current card, in the order they were put on it."""
    return list(
        session.scalars(
            select(StampRow)
            .where(
                StampRow.account_id == account_id,
                StampRow.card == card,
                StampRow.cycle == cycle,
                StampRow.claim_id.is_(None),
                StampRow.removed_at.is_(None),
            )
            .order_by(StampRow.id)
        )
    )


# --- returns and corrected documents -------------------------------------------------------------------------
def order_changed(
    session: Session, account: AccountRow, order: OrderRow, event_id: str, at: datetime
) -> dict[str, Any]:
    """Re-check ``order``'s stamps after a return or a correction (an ``ORDER_CHANGES`` hook)."""
    rules = (
        version_rules(session, order.program_version_id)
        if order.program_version_id
        else active_program(session, account.program_id).rules
    )
    context = order.context or {}
    if not rules.stamp_cards or not context.get("member", True):
        return {}
    view = _net_view(order)
    member = account_view(account, context.get("tier"))
    changes = []
    for card in rules.stamp_cards:
        change = _restamp(
            session, account, order, card, qualifies(card, view, member, rules.program.timezone), event_id, at
        )
        if change:
            changes.append({"card": card.id, "change": change})
    return {"stamps": changes} if changes else {}


def _net_view(order: OrderRow) -> OrderView:
    lines = stored_lines(order.lines or [], order.total_minor)
    return OrderView(
        order.event_id,
        order.order_ref,
        order.account_id,
        order.occurred_at,
        net_lines(lines, {sku: int(v) for sku, v in (order.returned_lines or {}).items()}),
        contact_id=order.contact_id,
        delivery_on=order.delivery_on,
        version=order.version,
        first_order=bool((order.context or {}).get("first_order")),
    )


def _restamp(
    session: Session, account: AccountRow, order: OrderRow, card: StampCard, wanted: bool, event_id: str, at: datetime
) -> str | None:
    stamp = session.scalar(select(StampRow).where(StampRow.card == card.id, StampRow.order_ref == order.order_ref))
    live = stamp is not None and stamp.removed_at is None
    if live == wanted:
        return None
    state = card_state(session, account.id, card.id, at)
    if stamp is not None and not wanted:  # the order stopped qualifying
        stamp.removed_at, stamp.removed_by = at, event_id
        if stamp.claim_id is not None:
            return "kept_in_claimed_gift"
        state.stamps, state.updated_at = state.stamps - 1, at
        return "removed"
    if stamp is None:  # a corrected order qualifies now
        stamp = StampRow(
            account_id=account.id,
            card=card.id,
            order_ref=order.order_ref,
            event_id=event_id,
            cycle=state.cycle,
            stamped_at=order.occurred_at,
            recorded_at=at,
        )
        session.add(stamp)
    else:
        stamp.removed_at = stamp.removed_by = None
        if stamp.claim_id is not None:
            return "restored_in_claimed_gift"
        stamp.cycle = state.cycle
    state.stamps, state.updated_at = state.stamps + 1, at
    return "added"


# --- claiming a gift -----------------------------------------------------------------------------------------
def find_card(rules: Program, card_id: str) -> StampCard:
    return find_by_id(rules.stamp_cards, card_id, what="stamp card", code="stamp_card_not_found", field="card")


def claim_gift(
    session: Session, *, account_code: str, card_id: str, column: int, key: str, now: datetime
) -> tuple[dict[str, Any], bool]:
    """Take the gift of a full column (for the member's tier now); the card starts its next cycle.
    Returns the claim and whether it is a replay of ``key``."""
    validate_code(key, field="key")
    digest = hashlib.sha256(json.dumps(["claim", account_code, card_id, column]).encode()).hexdigest()
    known = _claim_by_key(session, key, digest)
    if known is not None:
        return claim_view(session, known), True
    account = get_account(session, account_code, lock=True)
    known = _claim_by_key(session, key, digest)  # a twin request held the lock before us
    if known is not None:
        return claim_view(session, known), True
    if account.status != "active":
        raise RuleViolation(
            f"account {account.code} is {account.status}, not a member: it cannot take gifts",
            code="account_not_member",
            field="account",
        )
    rules = active_program(session, account.program_id).rules
    card = find_card(rules, card_id)
    state = card_state(session, account.id, card.id, now)
    split = grid.claim_split(card, state.stamps, column)
    tier = held_tier(rules, account)
    gift = card.gifts[column - 1].for_tier(tier)
    order = new_order(
        session,
        account=account,
        source=STAMP_CARD,
        item=card.id,
        type="gift",
        name=gift,
        key=key,
        request_hash=digest,
        at=now,
    )
    claim = StampClaimRow(
        account_id=account.id,
        card=card.id,
        cycle=state.cycle,
        column_number=column,
        consumed=split.consumed,
        carried=split.carried,
        tier=tier,
        request_key=key,
        request_hash=digest,
        reward_order_id=order.id,
        claimed_at=now,
    )
    session.add(claim)
    session.flush()
    stamps = _live(session, account.id, card.id, state.cycle)
    for stamp in stamps[: split.consumed]:
        stamp.claim_id = claim.id
    for stamp in stamps[split.consumed :]:
        stamp.cycle = state.cycle + 1
    state.cycle, state.stamps, state.updated_at = state.cycle + 1, split.carried, now
    return claim_view(session, claim), False


def _claim_by_key(session: Session, key: str, digest: str) -> StampClaimRow | None:
    claim = session.scalar(select(StampClaimRow).where(StampClaimRow.request_key == key))
    if claim is not None and claim.request_hash != digest:
        raise Conflict(
            f"claim key {key!r} was already used for a different request", code="idempotency_conflict", field="key"
        )
    return claim


def release_claim(session: Session, order: RewardOrderRow, *, at: datetime) -> None:
    """A cancelled gift gives its stamps back to the current card (those removed since by a return excepted)."""
    claim = session.scalar(select(StampClaimRow).where(StampClaimRow.reward_order_id == order.id))
    if claim is None:  # pragma: no cover - every stamp card order has its claim
        return
    state = card_state(session, claim.account_id, claim.card, at)
    used = session.scalars(select(StampRow).where(StampRow.claim_id == claim.id).order_by(StampRow.id)).all()
    for stamp in used:  # a removed one comes along too, uncounted: a corrected order may bring it back
        stamp.claim_id, stamp.cycle = None, state.cycle
    back = sum(1 for stamp in used if stamp.removed_at is None)
    state.stamps, state.updated_at = state.stamps + back, at


def claim_view(session: Session, claim: StampClaimRow) -> dict[str, Any]:
    order = session.get_one(RewardOrderRow, claim.reward_order_id)
    return {
        "key": claim.request_key,
        "card": claim.card,
        "cycle": claim.cycle,
        "column": claim.column_number,
        "tier": claim.tier,
        "gift": order.name_ru,
        "gift_en": order.name_en,
        "stamps_used": claim.consumed,
        "stamps_carried": claim.carried,
        "claimed_at": utc_iso(claim.claimed_at),
        "order": order_view(session, order),
    }


# --- what the card shows -------------------------------------------------------------------------------------
def stamp_cards(session: Session, account: AccountRow, rules: Program, now: datetime) -> list[dict[str, Any]]:
    """Each card of the program as the member sees it: stamps, full columns and their gifts for the member's
    tier, and what the next qualifying order brings."""
    if not rules.stamp_cards:
        return []
    states = {
        row.card: row for row in session.scalars(select(StampCardRow).where(StampCardRow.account_id == account.id))
    }
    return [_card_view(session, account, rules, card, states.get(card.id)) for card in rules.stamp_cards]


def _card_view(
    session: Session, account: AccountRow, rules: Program, card: StampCard, state: StampCardRow | None
) -> dict[str, Any]:
    stamps, cycle = (state.stamps, state.cycle) if state else (0, 1)
    tier = held_tier(rules, account)
    columns = grid.columns(card, stamps, tier)
    coming = grid.next_order(card, stamps, tier, rules.program.currency)
    orders = _live(session, account.id, card.id, cycle) if state else []
    return {
        "card": card.id,
        "name": card.name.ru,
        "name_en": card.name.en,
        "columns": card.columns,
        "cells": card.cells,
        "min_order": format_minor(card.stamp.min_order),
        "cycle": cycle,
        "stamps": min(stamps, card.size),
        "waiting": grid.waiting(card, stamps),
        "grid": [
            {"column": c.number, "stamps": c.filled, "full": c.full, "gift": c.gift.ru, "gift_en": c.gift.en}
            for c in columns
        ],
        "gifts_offered": [{"column": c.number, "gift": c.gift.ru, "gift_en": c.gift.en} for c in columns if c.full],
        "next_order": {
            "adds_stamp": coming.adds_stamp,
            "column": coming.column,
            "stamps_to_gift": coming.stamps_to_gift,
            "gift": coming.gift.ru if coming.gift else None,
            "gift_en": coming.gift.en if coming.gift else None,
            "text": coming.text.ru,
            "text_en": coming.text.en,
        },
        "stamped_orders": [{"order_id": s.order_ref, "stamped_at": utc_iso(s.stamped_at)} for s in orders],
    }


def stamp_card_section(session: Session, account: AccountRow, rules: Program, now: datetime) -> dict[str, Any]:
    """The account card's ``stamp_cards`` (an ``ACCOUNT_SECTIONS`` entry)."""
    return {"stamp_cards": stamp_cards(session, account, rules, now)}


def account_cards(session: Session, code: str, *, now: datetime) -> dict[str, Any]:
    account = get_account(session, code)
    rules = active_program(session, account.program_id).rules
    return {
        "account": account.code,
        "tier": held_tier(rules, account),
        "stamp_cards": stamp_cards(session, account, rules, now),
    }
