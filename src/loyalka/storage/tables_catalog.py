"""Tables of the stamp cards and the rewards catalog.

A stamp card's state (``stamp_cards``) is one row per account and card: the cycle it is in and how many live
stamps that cycle holds. Every stamp is a row of its own (``stamps``), tied to the order that earned it; a
stamp is never deleted: a return that disqualifies its order marks it removed. A gift taken is a claim
(``stamp_claims``) and, like a reward of the catalog, an order to fulfil (``reward_orders``). The stock of each
reward lives in ``reward_stock``; every change of it is written to ``reward_stock_changes``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loyalka.storage.tables import Base, Id


class StampCardRow(Base):
    """An account's stamp card: ``stamps`` live stamps in cycle ``cycle`` (those beyond the grid wait there)."""

    __tablename__ = "stamp_cards"
    __table_args__ = (UniqueConstraint("account_id", "card", name="uq_stamp_cards_account_card"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    card: Mapped[str] = mapped_column(String(64))  # the card's id in the program file
    cycle: Mapped[int] = mapped_column(Integer, default=1)  # 1 for the first card; a claim starts the next
    stamps: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class StampClaimRow(Base):
    """A gift taken from a full column; the card moved on to the next cycle."""

    __tablename__ = "stamp_claims"
    __table_args__ = (UniqueConstraint("request_key", name="uq_stamp_claims_request_key"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    card: Mapped[str] = mapped_column(String(64))
    cycle: Mapped[int] = mapped_column(Integer)  # the cycle the gift was taken from
    column_number: Mapped[int] = mapped_column(Integer)  # 1 for the first column
    consumed: Mapped[int] = mapped_column(Integer)  # stamps the gift took (column x cells)
    carried: Mapped[int] = mapped_column(Integer)  # stamps beyond the column, moved to the next cycle
    tier: Mapped[str | None] = mapped_column(String(64))  # the member's tier at the claim: it chose the gift
    request_key: Mapped[str] = mapped_column(String(100))  # the caller's idempotency key
    request_hash: Mapped[str] = mapped_column(String(64))
    reward_order_id: Mapped[int] = mapped_column(ForeignKey("reward_orders.id"))
    claimed_at: Mapped[datetime]


class StampRow(Base):
    """One stamp: the order that earned it, the cycle it counts in, the claim that used it."""

    __tablename__ = "stamps"
    __table_args__ = (
        UniqueConstraint("card", "order_ref", name="uq_stamps_card_order"),
        Index("ix_stamps_account_card_cycle", "account_id", "card", "cycle"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    card: Mapped[str] = mapped_column(String(64))
    order_ref: Mapped[str] = mapped_column(String(100))  # the seller's order number
    event_id: Mapped[str] = mapped_column(String(100))  # the order event that earned the stamp
    cycle: Mapped[int] = mapped_column(Integer)
    stamped_at: Mapped[datetime]  # when the order happened
    recorded_at: Mapped[datetime]
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("stamp_claims.id"))  # the claim that used it
    removed_at: Mapped[datetime | None]  # its order stopped qualifying (a return)
    removed_by: Mapped[str | None] = mapped_column(String(100))  # the event that removed it


class RewardOrderRow(Base):
    """An order to fulfil: a reward of the catalog bought with points, or a stamp card's gift.

    ``new`` -> ``fulfilled``, or ``new`` -> ``cancelled`` (the points go back to their lots, the item to stock,
    a gift's stamps to the card). ``allocations`` are the lots the points came from."""

    __tablename__ = "reward_orders"
    __table_args__ = (
        UniqueConstraint("source", "request_key", name="uq_reward_orders_source_key"),
        Index("ix_reward_orders_account", "account_id", "id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    source: Mapped[str] = mapped_column(String(16))  # catalog | stamp_card
    item: Mapped[str] = mapped_column(String(64))  # the reward's id, or the card's id
    type: Mapped[str] = mapped_column(String(32))  # the reward's type; "gift" for a stamp card's gift
    name_ru: Mapped[str] = mapped_column(Text)  # what is to be handed over, as the member was shown it
    name_en: Mapped[str] = mapped_column(Text)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))  # who asked for it
    points: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # kind -> points paid; {} for a gift
    allocations: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[lot_id, points_minor], ...]
    status: Mapped[str] = mapped_column(String(16), default="new")  # new | fulfilled | cancelled
    request_key: Mapped[str] = mapped_column(String(100))  # the caller's idempotency key
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(String(300))  # why it was cancelled, who handed it over


class RewardStockRow(Base):
    """What is left of a reward; ``stock`` None: unlimited. Created from the file's ``stock`` on first use."""

    __tablename__ = "reward_stock"
    __table_args__ = (
        UniqueConstraint("program_id", "reward", name="uq_reward_stock_program_reward"),
        CheckConstraint("stock IS NULL OR stock >= 0", name="ck_reward_stock_not_negative"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    reward: Mapped[str] = mapped_column(String(64))
    stock: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class RewardStockChangeRow(Base):
    """The reward's history: every change of its stock, never edited."""

    __tablename__ = "reward_stock_changes"
    __table_args__ = (Index("ix_reward_stock_changes_reward", "program_id", "reward", "id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    reward: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))  # initialised | set | redeemed | cancelled
    before: Mapped[int | None] = mapped_column(Integer)  # None: unlimited (or nothing before initialisation)
    after: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str | None] = mapped_column(String(200))  # who set it (the set command)
    note: Mapped[str | None] = mapped_column(String(300))
    reward_order_id: Mapped[int | None] = mapped_column(ForeignKey("reward_orders.id"))
    at: Mapped[datetime]
