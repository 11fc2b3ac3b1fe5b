"""volume_awards.recovered_minor: what a reduced volume bonus recovered of points the client had spent

Revision ID: 0009_volume_recovered
Revises: 0008_b2b
Create Date: 2026-11-25

A reduced bonus (a return after the close) is settled like an order's rule: only what the client spent of its
lots beyond the new award is recovered from other points, so what expired unspent is never recovered; the
column remembers what was recovered already. Existing rows start at 0.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_volume_recovered"
down_revision: str | Sequence[str] | None = "0008_b2b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "volume_awards", sa.Column("recovered_minor", sa.BigInteger(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    with op.batch_alter_table("volume_awards") as batch:
        batch.drop_column("recovered_minor")
