"""The rewards catalog: what an account may take, redeeming a reward for points, and the stock.

Redeeming debits the price from the spendable lots of the price's kind (in the program's lot order) as
``reward`` entries and opens an order to fulfil (``fulfilment.py``); a request key makes it idempotent.

The stock lives in the database: a reward's row is created from the file's ``stock`` the first time the
reward is redeemed or its stock is set (``None``: unlimited); after that the file's figure is not read again.
Taking the last item is one conditional ``UPDATE ... WHERE stock > 0``: of simultaneous redemptions exactly
as many succeed as there are items, the others get ``out_of_stock``. Every change of the stock (initialised,
set by a person, redeemed, given back by a cancellation) is a row of the reward's history.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyalka.domain.accounts import validate_code
from loyalka.engine.rewards import Member, find_reward, out_of_stock, price_minor, refusal
from loyalka.errors import Conflict, InvalidInput, RuleViolation
from loyalka.ledger.book import Book, EntryType
from loyalka.program.catalog import MAX_STOCK, Reward
from loyalka.program.models import Program
from loyalka.services.accounts import get_account, get_contact
from loyalka.services.fulfilment import CATALOG, new_order, reward_event_id, utc_iso
from loyalka.services.programs import active_program, program_by_code
from loyalka.services.redemption import spending_blocked, sweep_expired_holds
from loyalka.storage.ledger_store import load_books, persist
from loyalka.storage.tables import AccountRow
from loyalka.storage.tables_catalog import RewardOrderRow, RewardStockChangeRow, RewardStockRow

_STOCK = RewardStockRow.__table__


# --- what an account may take --------------------------------------------------------------------------------
def catalog(
    session: Session, *, now: datetime, account_code: str | None = None, program: str | None = None
) -> dict[str, Any]:
    """Every reward of the program with its price and stock; with an account, whether it may take each now
    and why not (``reason`` and its ``code``)."""
    account = get_account(session, account_code) if account_code else None
    program_id = account.program_id if account else program_by_code(session, program).id
    rules = active_program(session, program_id).rules
    member = _member(session, account, rules, load_books(session, [account.id])[account.id], now) if account else None
    items = []
    for reward in rules.rewards:
        stock = stock_of(session, program_id, reward)
        refused = refusal(rules, reward, member, stock) if member else None
        items.append(
            {
                **reward_view(rules, reward, stock),
                "available": None if member is None else refused is None,
                "reason": refused.message if refused else None,
                "reason_code": refused.code if refused else None,
            }
        )
    return {"program": rules.program.code, "account": account.code if account else None, "rewards": items}


def reward_view(rules: Program, reward: Reward, stock: int | None) -> dict[str, Any]:
    return {
        "id": reward.id,
        "name": reward.name.ru,
        "name_en": reward.name.en,
        "type": reward.type,
        "description": reward.description.ru if reward.description else None,
        "description_en": reward.description.en if reward.description else None,
        "price": {"kind": reward.price.kind, "points": rules.points(reward.price.kind, price_minor(rules, reward))},
        "stock": stock,
        "tiers": reward.tiers,
    }


def _member(session: Session, account: AccountRow, rules: Program, book: Book, now: datetime) -> Member:
    return Member(
        account.code,
        account.status,
        account.tier,
        {kind: book.spendable(kind, now) for kind in rules.point_kinds},
        spending_blocked(session, account, rules, now),
    )


# --- redeeming -----------------------------------------------------------------------------------------------
def redeem_reward(
    session: Session, *, reward_id: str, account_code: str, key: str, now: datetime, contact_code: str | None = None
) -> tuple[RewardOrderRow, bool]:
    """Redeem one item of a reward for its price; returns the order and whether it is a replay of ``key``."""
    validate_code(key, field="key")
    digest = hashlib.sha256(json.dumps(["reward", reward_id, account_code, contact_code]).encode()).hexdigest()
    known = _by_key(session, key)
    if known is not None:
        return _replay(known, digest), True
    account = get_account(session, account_code, lock=True)
    known = _by_key(session, key)  # a twin request held the lock before us
    if known is not None:
        return _replay(known, digest), True
    rules = active_program(session, account.program_id).rules
    reward = find_reward(rules, reward_id)
    contact = get_contact(session, account, contact_code)
    if contact is not None and not contact.can_spend:
        raise RuleViolation(
            f"contact {contact.code} of {account.code} may not spend the company's points",
            code="contact_may_not_spend",
            field="contact",
        )
    sweep_expired_holds(session, [account.id], now)
    book = load_books(session, [account.id])[account.id]
    refused = refusal(
        rules, reward, _member(session, account, rules, book, now), stock_of(session, account.program_id, reward)
    )
    if refused is not None:
        raise refused
    price, kind = price_minor(rules, reward), reward.price.kind
    try:
        order = new_order(
            session,
            account=account,
            source=CATALOG,
            item=reward.id,
            type=reward.type,
            name=reward.name,
            key=key,
            request_hash=digest,
            at=now,
            contact_id=contact.id if contact else None,
            points={kind: price},
        )
    except IntegrityError as exc:
        raise Conflict(
            f"reward key {key!r} was used at the same moment by another request",
            code="idempotency_conflict",
            field="key",
        ) from exc
    taken = book.debit(
        [kind],
        price,
        at=now,
        event_id=reward_event_id(order),
        type=EntryType.REWARD,
        reason=f"reward {reward.id}, order {order.id}",
        oldest_first=rules.spending.lot_order == "oldest_first",
    )
    order.allocations = [[lot.id, part] for lot, part in taken]
    take_from_stock(session, account.program_id, reward, order_id=order.id, at=now)
    persist(session, [book], recorded_at=now)
    return order, False


def _by_key(session: Session, key: str) -> RewardOrderRow | None:
    return session.scalar(
        select(RewardOrderRow).where(RewardOrderRow.source == CATALOG, RewardOrderRow.request_key == key)
    )


def _replay(order: RewardOrderRow, digest: str) -> RewardOrderRow:
    if order.request_hash != digest:
        raise Conflict(
            f"reward key {order.request_key!r} was already used for a different request",
            code="idempotency_conflict",
            field="key",
        )
    return order


# --- the stock -----------------------------------------------------------------------------------------------
def stock_of(session: Session, program_id: int, reward: Reward) -> int | None:
    """What is left now (None: unlimited): the database's figure, or the file's before the first use."""
    row = session.execute(
        select(_STOCK.c.stock).where(_STOCK.c.program_id == program_id, _STOCK.c.reward == reward.id)
    ).first()
    return reward.stock if row is None else row.stock


def _initialise(session: Session, program_id: int, reward: Reward, at: datetime) -> None:
    """Create the reward's stock row from the file's figure, once (a concurrent creator's row wins quietly)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    done = session.execute(
        insert(_STOCK)
        .values(program_id=program_id, reward=reward.id, stock=reward.stock, updated_at=at)
        .on_conflict_do_nothing(index_elements=["program_id", "reward"])
        .returning(_STOCK.c.id)
    ).first()
    if done is not None:
        _history(session, program_id, reward.id, "initialised", None, reward.stock, at, note="from the program file")


def take_from_stock(session: Session, program_id: int, reward: Reward, *, order_id: int, at: datetime) -> None:
    """Take one item, or refuse with ``out_of_stock``; an unlimited reward is not counted."""
    _initialise(session, program_id, reward, at)
    left = session.execute(
        update(_STOCK)
        .where(
            _STOCK.c.program_id == program_id,
            _STOCK.c.reward == reward.id,
            _STOCK.c.stock.is_not(None),
            _STOCK.c.stock > 0,
        )
        .values(stock=_STOCK.c.stock - 1, updated_at=at)
        .returning(_STOCK.c.stock)
    ).scalar_one_or_none()
    if left is not None:
        _history(session, program_id, reward.id, "redeemed", left + 1, left, at, order_id=order_id)
    elif stock_of(session, program_id, reward) is not None:
        raise out_of_stock(reward)


def return_to_stock(session: Session, order: RewardOrderRow, *, at: datetime) -> None:
    """A cancelled order's item goes back (an unlimited reward is not counted)."""
    left = session.execute(
        update(_STOCK)
        .where(_STOCK.c.program_id == order.program_id, _STOCK.c.reward == order.item, _STOCK.c.stock.is_not(None))
        .values(stock=_STOCK.c.stock + 1, updated_at=at)
        .returning(_STOCK.c.stock)
    ).scalar_one_or_none()
    if left is not None:
        _history(session, order.program_id, order.item, "cancelled", left - 1, left, at, order_id=order.id)


def set_stock(
    session: Session,
    *,
    reward_id: str,
    stock: int | None,
    now: datetime,
    actor: str,
    note: str | None = None,
    program: str | None = None,
) -> dict[str, Any]:
    """Set what is left of a reward (None: unlimited); written to the reward's history with who did it."""
    if stock is not None and not 0 <= stock <= MAX_STOCK:
        raise InvalidInput(
            f"stock must be 0 to {MAX_STOCK} (or unlimited), got {stock}", code="invalid_stock", field="stock"
        )
    if not actor.strip():
        raise InvalidInput("say who sets the stock", code="missing_actor", field="by")
    program_id = program_by_code(session, program).id
    rules = active_program(session, program_id).rules
    reward = find_reward(rules, reward_id)
    _initialise(session, program_id, reward, now)
    before = session.execute(
        select(_STOCK.c.stock).where(_STOCK.c.program_id == program_id, _STOCK.c.reward == reward.id).with_for_update()
    ).scalar_one()
    session.execute(
        update(_STOCK)
        .where(_STOCK.c.program_id == program_id, _STOCK.c.reward == reward.id)
        .values(stock=stock, updated_at=now)
    )
    _history(session, program_id, reward.id, "set", before, stock, now, actor=actor.strip(), note=note)
    return {**reward_view(rules, reward, stock), "history": stock_history(session, program_id, reward.id)}


def stock_history(session: Session, program_id: int, reward_id: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(RewardStockChangeRow)
        .where(RewardStockChangeRow.program_id == program_id, RewardStockChangeRow.reward == reward_id)
        .order_by(RewardStockChangeRow.id)
    )
    return [
        {
            "at": utc_iso(row.at),
            "reason": row.reason,
            "before": row.before,
            "after": row.after,
            "actor": row.actor,
            "note": row.note,
            "order": row.reward_order_id,
        }
        for row in rows
    ]


def _history(
    session: Session,
    program_id: int,
    reward_id: str,
    reason: str,
    before: int | None,
    after: int | None,
    at: datetime,
    *,
    order_id: int | None = None,
    actor: str | None = None,
    note: str | None = None,
) -> None:
    session.add(
        RewardStockChangeRow(
            program_id=program_id,
            reward=reward_id,
            reason=reason,
            before=before,
            after=after,
            actor=actor,
            note=note,
            reward_order_id=order_id,
            at=at,
        )
    )


def reward_history(session: Session, *, reward_id: str, program: str | None = None) -> dict[str, Any]:
    program_row = program_by_code(session, program)
    reward = find_reward(active_program(session, program_row.id).rules, reward_id)
    return {
        "program": program_row.code,
        "reward": reward.id,
        "stock": stock_of(session, program_row.id, reward),
        "history": stock_history(session, program_row.id, reward.id),
    }
