"""stamp cards and the rewards catalog: card states, stamps, claims, reward orders, stock and its history

Revision ID: 0007_catalog
Revises: 0006_engagement
Create Date: 2026-11-24

New tables only; nothing of the core changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_catalog"
down_revision: str | Sequence[str] | None = "0006_engagement"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
At = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "stamp_cards",
        sa.Column("id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("card", sa.String(length=64), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("stamps", sa.Integer(), nullable=False),
        sa.Column("updated_at", At, nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_stamp_cards_account"),
        sa.PrimaryKeyConstraint("id", name="pk_stamp_cards"),
        sa.UniqueConstraint("account_id", "card", name="uq_stamp_cards_account_card"),
    )
    op.create_table(
        "reward_orders",
        sa.Column("id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("program_id", Id, nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("name_ru", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("contact_id", Id, nullable=True),
        sa.Column("points", sa.JSON(), nullable=False),
        sa.Column("allocations", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("request_key", sa.String(length=100), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", At, nullable=False),
        sa.Column("resolved_at", At, nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_reward_orders_account"),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"], name="fk_reward_orders_program"),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name="fk_reward_orders_contact"),
        sa.PrimaryKeyConstraint("id", name="pk_reward_orders"),
        sa.UniqueConstraint("source", "request_key", name="uq_reward_orders_source_key"),
    )
    with op.batch_alter_table("reward_orders", schema=None) as batch_op:
        batch_op.create_index("ix_reward_orders_account", ["account_id", "id"], unique=False)
    op.create_table(
        "stamp_claims",
        sa.Column("id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("card", sa.String(length=64), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("column_number", sa.Integer(), nullable=False),
        sa.Column("consumed", sa.Integer(), nullable=False),
        sa.Column("carried", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(length=64), nullable=True),
        sa.Column("request_key", sa.String(length=100), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("reward_order_id", Id, nullable=False),
        sa.Column("claimed_at", At, nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_stamp_claims_account"),
        sa.ForeignKeyConstraint(["reward_order_id"], ["reward_orders.id"], name="fk_stamp_claims_reward_order"),
        sa.PrimaryKeyConstraint("id", name="pk_stamp_claims"),
        sa.UniqueConstraint("request_key", name="uq_stamp_claims_request_key"),
    )
    with op.batch_alter_table("stamp_claims", schema=None) as batch_op:
        batch_op.create_index("ix_stamp_claims_account_id", ["account_id"], unique=False)
    op.create_table(
        "stamps",
        sa.Column("id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("card", sa.String(length=64), nullable=False),
        sa.Column("order_ref", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("stamped_at", At, nullable=False),
        sa.Column("recorded_at", At, nullable=False),
        sa.Column("claim_id", Id, nullable=True),
        sa.Column("removed_at", At, nullable=True),
        sa.Column("removed_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_stamps_account"),
        sa.ForeignKeyConstraint(["claim_id"], ["stamp_claims.id"], name="fk_stamps_claim"),
        sa.PrimaryKeyConstraint("id", name="pk_stamps"),
        sa.UniqueConstraint("card", "order_ref", name="uq_stamps_card_order"),
    )
    with op.batch_alter_table("stamps", schema=None) as batch_op:
        batch_op.create_index("ix_stamps_account_card_cycle", ["account_id", "card", "cycle"], unique=False)
    op.create_table(
        "reward_stock",
        sa.Column("id", Id, nullable=False),
        sa.Column("program_id", Id, nullable=False),
        sa.Column("reward", sa.String(length=64), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.Column("updated_at", At, nullable=False),
        sa.CheckConstraint("stock IS NULL OR stock >= 0", name="ck_reward_stock_not_negative"),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"], name="fk_reward_stock_program"),
        sa.PrimaryKeyConstraint("id", name="pk_reward_stock"),
        sa.UniqueConstraint("program_id", "reward", name="uq_reward_stock_program_reward"),
    )
    op.create_table(
        "reward_stock_changes",
        sa.Column("id", Id, nullable=False),
        sa.Column("program_id", Id, nullable=False),
        sa.Column("reward", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("before", sa.Integer(), nullable=True),
        sa.Column("after", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("reward_order_id", Id, nullable=True),
        sa.Column("at", At, nullable=False),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"], name="fk_reward_stock_changes_program"),
        sa.ForeignKeyConstraint(
            ["reward_order_id"], ["reward_orders.id"], name="fk_reward_stock_changes_reward_order"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reward_stock_changes"),
    )
    with op.batch_alter_table("reward_stock_changes", schema=None) as batch_op:
        batch_op.create_index("ix_reward_stock_changes_reward", ["program_id", "reward", "id"], unique=False)


def downgrade() -> None:
    op.drop_table("reward_stock_changes")
    op.drop_table("reward_stock")
    op.drop_table("stamps")
    op.drop_table("stamp_claims")
    op.drop_table("reward_orders")
    op.drop_table("stamp_cards")
