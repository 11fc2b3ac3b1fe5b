"""tiers: the history of every account's tier changes

Revision ID: 0003_tiers
Revises: 0002
Create Date: 2026-11-23

The current tier lives on the account (columns added in 0002); this table keeps each change with its reason.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_tiers"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tier_changes",
        sa.Column("id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("program_id", Id, nullable=False),
        sa.Column("from_tier", sa.String(length=64), nullable=True),
        sa.Column("to_tier", sa.String(length=64), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_tier_changes_account"),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"], name="fk_tier_changes_program"),
        sa.PrimaryKeyConstraint("id", name="pk_tier_changes"),
        sa.UniqueConstraint("account_id", "event_id", name="uq_tier_changes_account_event"),
    )
    with op.batch_alter_table("tier_changes", schema=None) as batch_op:
        batch_op.create_index("ix_tier_changes_account_id", ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tier_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_tier_changes_account_id")
    op.drop_table("tier_changes")
