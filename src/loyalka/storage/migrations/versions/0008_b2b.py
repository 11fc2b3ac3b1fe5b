"""B2B terms: invoices and their payments, activities, accruals of limited rules, volume bonus awards

Revision ID: 0008_b2b
Revises: 0007_catalog
Create Date: 2026-11-24

New tables only; no core table changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_b2b"
down_revision: str | Sequence[str] | None = "0007_catalog"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Moment = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "invoices",
        sa.Column("id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("invoice_ref", sa.String(length=100), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("due_given", sa.Boolean(), nullable=False),
        sa.Column("paid_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("last_paid_at", Moment, nullable=True),
        sa.Column("created_at", Moment, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_invoices_account"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invoice_ref", name="uq_invoices_invoice_ref"),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index("ix_invoices_account_status", ["account_id", "status"], unique=False)

    op.create_table(
        "invoice_payments",
        sa.Column("id", Id, nullable=False),
        sa.Column("invoice_id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("paid_at", Moment, nullable=False),
        sa.Column("days_early", sa.Integer(), nullable=False),
        sa.Column("recorded_at", Moment, nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name="fk_invoice_payments_invoice"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_invoice_payments_account"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", name="uq_invoice_payments_event_id"),
    )
    with op.batch_alter_table("invoice_payments", schema=None) as batch_op:
        batch_op.create_index("ix_invoice_payments_invoice_id", ["invoice_id"], unique=False)
        batch_op.create_index("ix_invoice_payments_account_id", ["account_id"], unique=False)

    op.create_table(
        "activities",
        sa.Column("id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", Moment, nullable=False),
        sa.Column("contact_id", Id, nullable=True),
        sa.Column("recorded_at", Moment, nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_activities_account"),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name="fk_activities_contact"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", name="uq_activities_event_id"),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index("ix_activities_account_time", ["account_id", "occurred_at"], unique=False)

    op.create_table(
        "rule_accruals",
        sa.Column("id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("occurred_at", Moment, nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("points_minor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_rule_accruals_account"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rule_accruals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rule_accruals_account_rule_time", ["account_id", "rule_id", "occurred_at"], unique=False
        )

    op.create_table(
        "volume_awards",
        sa.Column("id", Id, nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("bonus", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("net_minor", sa.BigInteger(), nullable=False),
        sa.Column("bracket_minor", sa.BigInteger(), nullable=True),
        sa.Column("points_minor", sa.BigInteger(), nullable=False),
        sa.Column("awarded_at", Moment, nullable=False),
        sa.Column("updated_at", Moment, nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_volume_awards_account"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account_id", "bonus", "period", name="uq_volume_awards_account_bonus"),
    )


def downgrade() -> None:
    op.drop_table("volume_awards")
    op.drop_table("rule_accruals")
    op.drop_table("activities")
    op.drop_table("invoice_payments")
    op.drop_table("invoices")
