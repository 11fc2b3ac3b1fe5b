"""Bulk writes for the hot tables: COPY on PostgreSQL, executemany on SQLite.

A replay or an import writes tens of thousands of rows a minute; PostgreSQL takes them fastest through
COPY, with ids drawn from the table's sequence in one round trip (so no RETURNING over a huge statement).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Table, insert, text
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys) into ``table`` within the session's transaction."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    columns = list(rows[0])
    as_json = {name for name in columns if isinstance(table.c[name].type, JSON)}
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c], ensure_ascii=False) if c in as_json else row[c] for c in columns])


def insert_returning_ids(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` and return their new ids, in order."""
    if not rows:
        return []
    if session.get_bind().dialect.name != "postgresql":
        return list(
            session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows)).all()
        )
    ids = list(
        session.scalars(
            text(f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) FROM generate_series(1, :n)"),
            {"n": len(rows)},
        )
    )
    insert_rows(session, table, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
    return ids
