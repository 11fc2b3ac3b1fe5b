"""audit: the seller's staff, manual adjustments, the append-only audit log; entries and the log guarded

Revision ID: 0004_audit
Revises: 0003_tiers
Create Date: 2026-11-24

The database itself refuses an UPDATE or DELETE of a row of ``entries`` or ``audit_log`` (and, on
PostgreSQL, a TRUNCATE of them): triggers that raise. The guards are written here, not in the models, so
every database migrated to this revision has them whatever code talks to it. Only the schema's owner can
drop them, which downgrading does first.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_audit"
down_revision: str | Sequence[str] | None = "0003_tiers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
APPEND_ONLY = ("entries", "audit_log")
PG_FUNCTION = "loyalka_refuse_change"


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", Id, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code", name="uq_staff_code"),
    )
    op.create_table(
        "adjustments",
        sa.Column("id", Id, nullable=False),
        sa.Column("request_key", sa.String(length=100), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("account_id", Id, nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("points_minor", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by_id", Id, nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", Id, nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.String(length=300), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_adjustments_account"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["staff.id"], name="fk_adjustments_requested_by"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["staff.id"], name="fk_adjustments_decided_by"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_key", name="uq_adjustments_request_key"),
        sa.UniqueConstraint("event_id", name="uq_adjustments_event_id"),
    )
    op.create_index("ix_adjustments_status", "adjustments", ["status", "id"], unique=False)
    op.create_index("ix_adjustments_account", "adjustments", ["account_id", "id"], unique=False)
    op.create_table(
        "audit_log",
        sa.Column("id", Id, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("account_id", Id, nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_audit_log_account"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_account", "audit_log", ["account_id", "id"], unique=False)
    _create_guards()


def downgrade() -> None:
    _drop_guards()
    op.drop_index("ix_audit_log_account", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_adjustments_account", table_name="adjustments")
    op.drop_index("ix_adjustments_status", table_name="adjustments")
    op.drop_table("adjustments")
    op.drop_table("staff")


def _create_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'restrict_violation',
                          HINT = 'correct a mistake with a new row that points at the one it corrects';
            END
            $$
            """
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()"
            )
        return
    for table in APPEND_ONLY:  # SQLite: row triggers only (enough: a statement that changes no row changes nothing)
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} is refused'); END"
            )


def _drop_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
        return
    for table in APPEND_ONLY:
        for operation in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")
