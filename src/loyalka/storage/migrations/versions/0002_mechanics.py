"""every mechanic of the seeds: order lines and versions, tiers and referrals on accounts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Columns added to tables that may already hold rows carry a server default, so a database of the first
release migrates in place: its orders become orders of one line (``lines`` empty), version 1.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
EMPTY_LIST = sa.text("'[]'")
EMPTY_MAP = sa.text("'{}'")


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("founded_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("tier", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("tier_since", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("tier_qualified_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("referral_code", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("referred_by_id", Id, nullable=True))
        batch_op.add_column(sa.Column("language", sa.String(length=2), nullable=False, server_default="ru"))
        batch_op.create_unique_constraint("uq_accounts_referral_code", ["referral_code"])
        batch_op.create_foreign_key("fk_accounts_referred_by", "accounts", ["referred_by_id"], ["id"])

    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lines", sa.JSON(), nullable=False, server_default=EMPTY_LIST))

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lines", sa.JSON(), nullable=False, server_default=EMPTY_LIST))
        batch_op.add_column(sa.Column("returned_lines", sa.JSON(), nullable=False, server_default=EMPTY_MAP))
        batch_op.add_column(sa.Column("paid_by_kind", sa.JSON(), nullable=False, server_default=EMPTY_MAP))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("content_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("context", sa.JSON(), nullable=False, server_default=EMPTY_MAP))
        batch_op.add_column(sa.Column("awaiting", sa.JSON(), nullable=False, server_default=EMPTY_MAP))
        batch_op.add_column(sa.Column("delivery_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("invoice_ref", sa.String(length=100), nullable=True))
        batch_op.create_index("ix_orders_invoice_ref", ["invoice_ref"], unique=False)


    op.create_table(
        "messages",
        sa.Column("id", Id, nullable=False),
        sa.Column("program_id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("contact_id", Id, nullable=True),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"]),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index("ix_messages_account_id", ["account_id"], unique=False)
        batch_op.create_index("ix_messages_status", ["status", "id"], unique=False)


def downgrade() -> None:
    op.drop_table("messages")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_invoice_ref")
        for name in (
            "invoice_ref", "delivery_on", "awaiting", "context", "content_hash", "version", "paid_by_kind",
            "returned_lines", "lines",
        ):
            batch_op.drop_column(name)

    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.drop_column("lines")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_constraint("fk_accounts_referred_by", type_="foreignkey")
        batch_op.drop_constraint("uq_accounts_referral_code", type_="unique")
        for name in ("language", "referred_by_id", "referral_code", "tier_qualified_at", "tier_since", "tier", "founded_on"):
            batch_op.drop_column(name)
