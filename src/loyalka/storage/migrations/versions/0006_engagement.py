"""engagement: campaign runs

Revision ID: 0006_engagement
Revises: 0005_exchange
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_engagement"
down_revision: str | Sequence[str] | None = "0005_exchange"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "campaign_runs",
        sa.Column("id", Id, nullable=False),
        sa.Column("program_id", Id, nullable=False),
        sa.Column("campaign", sa.String(length=64), nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_by", sa.String(length=100), nullable=False),
        sa.Column("program_version_id", Id, nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("credited", sa.Integer(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"], name="fk_campaign_runs_program"),
        sa.PrimaryKeyConstraint("id", name="pk_campaign_runs"),
    )
    with op.batch_alter_table("campaign_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaign_runs_program_campaign", ["program_id", "campaign", "run_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("campaign_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_runs_program_campaign")
    op.drop_table("campaign_runs")
