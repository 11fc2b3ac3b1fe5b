"""exchange: transfers between members, issued and activated codes

Revision ID: 0005_exchange
Revises: 0004_audit
Create Date: 2026-11-24

Three new tables; no column of an existing table changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_exchange"
down_revision: str | Sequence[str] | None = "0004_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "transfers",
        sa.Column("id", Id, nullable=False),
        sa.Column("request_key", sa.String(length=100), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("program_id", Id, nullable=False),
        sa.Column("from_account_id", Id, nullable=False),
        sa.Column("to_account_id", Id, nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("points_minor", sa.BigInteger(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"], name="fk_transfers_program"),
        sa.ForeignKeyConstraint(["from_account_id"], ["accounts.id"], name="fk_transfers_from_account"),
        sa.ForeignKeyConstraint(["to_account_id"], ["accounts.id"], name="fk_transfers_to_account"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_key", name="uq_transfers_request_key"),
    )
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.create_index("ix_transfers_from_time", ["from_account_id", "occurred_at"], unique=False)
        batch_op.create_index("ix_transfers_to", ["to_account_id"], unique=False)

    op.create_table(
        "issued_codes",
        sa.Column("id", Id, nullable=False),
        sa.Column("program_id", Id, nullable=False),
        sa.Column("code_set", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"], name="fk_issued_codes_program"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("program_id", "code_set", "code", name="uq_issued_codes_code"),
    )

    op.create_table(
        "code_activations",
        sa.Column("id", Id, nullable=False),
        sa.Column("program_id", Id, nullable=False),
        sa.Column("code_set", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["program_id"], ["programs.id"], name="fk_code_activations_program"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_code_activations_account"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("program_id", "code_set", "code", name="uq_code_activations_code"),
    )
    with op.batch_alter_table("code_activations", schema=None) as batch_op:
        batch_op.create_index("ix_code_activations_account", ["account_id", "code_set"], unique=False)


def downgrade() -> None:
    op.drop_table("code_activations")
    op.drop_table("issued_codes")
    op.drop_table("transfers")
