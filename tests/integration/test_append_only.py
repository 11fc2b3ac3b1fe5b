"""The ledger's entries and the audit log cannot be edited: the database itself refuses an UPDATE or a DELETE
(and on PostgreSQL a TRUNCATE), whoever sends it, and nothing changes. Triggers of migration 0004_audit."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from loyalka.storage.database import Database, reset_schema
from loyalka.storage.tables import EntryRow
from loyalka.storage.tables_audit import AuditRow
from tests.conftest import empty, moscow
from tests.integration.audit_support import adjust, counts, hire
from tests.support import add_account, load_example, order, post

AT = moscow(2026, 11, 10, 12)
GUARDED = ("entries", "audit_log")


def with_history(db: Database) -> None:
    """An order (entries) and an adjustment (entries and audit lines)."""
    load_example(db, "textile.yaml", moscow(2026, 10, 1))
    add_account(db, "SALON-1", moscow(2026, 10, 1))
    hire(db, moscow(2026, 10, 1), ("OP-1", "operator"))
    post(db, order("e1", "SALON-1", "O-1", moscow(2026, 10, 5), rub=10_000))
    adjust(db, "adj-1", "500", by="OP-1", at=AT)


def snapshot(db: Database) -> dict[str, list[tuple[object, ...]]]:
    with db.engine.connect() as conn:
        return {
            table: [tuple(row) for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))] for table in GUARDED
        }


def guards(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        if db.dialect == "postgresql":
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        else:
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        return set(conn.exec_driver_sql(query).scalars())


def expected_guards(db: Database) -> set[str]:
    if db.dialect == "postgresql":
        return {f"{t}_{suffix}" for t in GUARDED for suffix in ("append_only", "no_truncate")}
    return {f"{t}_no_{op}" for t in GUARDED for op in ("update", "delete")}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'someone-else'",
        "UPDATE audit_log SET details = '{}' WHERE action = 'adjustment.applied'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE action = 'adjustment.requested'",
        "UPDATE entries SET amount_minor = amount_minor * 10",
        "UPDATE entries SET reason = 'quietly changed' WHERE type = 'adjust'",
        "DELETE FROM entries WHERE type = 'adjust'",
        "DELETE FROM entries",
    ],
)
def test_an_update_or_delete_through_the_database_fails_and_changes_nothing(db: Database, statement: str) -> None:
    with_history(db)
    before = snapshot(db)
    assert len(before["entries"]) == 2 and len(before["audit_log"]) == 3
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(statement))
    assert snapshot(db) == before


def test_truncating_the_audit_log_or_the_entries_fails_on_postgresql(db: Database) -> None:
    with_history(db)
    before = snapshot(db)
    for table in GUARDED:
        if db.dialect == "postgresql":
            with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {table} CASCADE"))
        # SQLite has no TRUNCATE: its DELETE FROM without WHERE is refused above
    assert snapshot(db) == before


def test_the_application_cannot_edit_an_audit_line_or_an_entry_either(db: Database) -> None:
    with_history(db)
    before = snapshot(db)
    with pytest.raises(DBAPIError, match="append-only"), db.unit_of_work() as s:
        s.scalars(select(AuditRow)).first().actor = "someone-else"  # type: ignore[union-attr]
    with pytest.raises(DBAPIError, match="append-only"), db.unit_of_work() as s:
        s.delete(s.scalars(select(EntryRow)).first())
    assert snapshot(db) == before


def test_the_guards_exist_at_head_and_survive_the_test_cleanup(db: Database) -> None:
    assert guards(db) >= expected_guards(db)
    with_history(db)
    empty(db)
    assert counts(db) == dict.fromkeys(counts(db), 0)
    assert guards(db) >= expected_guards(db)
    with_history(db)
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))


def test_downgrading_below_the_audit_migration_removes_the_guards_and_upgrading_restores_them(db: Database) -> None:
    try:
        db._run_migrations(lambda config: command.downgrade(config, "0002"))
        assert guards(db) == set()
        assert "audit_log" not in inspect(db.engine).get_table_names()
    finally:
        db.migrate()
    assert guards(db) >= expected_guards(db)


def test_resetting_the_schema_with_history_in_it_works_like_the_demo_reset(db: Database) -> None:
    """`loyalka demo --reset` downgrades every migration: dropping guarded tables full of rows is allowed."""
    with_history(db)
    try:
        reset_schema(db)
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    finally:
        db.migrate()
    assert guards(db) >= expected_guards(db)
