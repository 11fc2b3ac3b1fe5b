"""Alembic migrations on each backend: down to base drops every Loyalka table, up to head recreates the
schema of the models exactly, and migrating an up-to-date database changes nothing."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from loyalka.domain.accounts import AccountIn
from loyalka.services.accounts import create_account
from loyalka.services.programs import load_program
from loyalka.storage.database import Database, reset_schema
from loyalka.storage.schema import metadata
from loyalka.storage.tables import AccountRow
from tests.conftest import EXAMPLES, moscow

MODEL_TABLES = set(metadata.tables)


def tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def schema(db: Database) -> dict[str, object]:
    """Columns (name, nullable), indexes and unique constraints of every table, as the database reports them."""
    insp = inspect(db.engine)
    return {
        name: (
            sorted((c["name"], bool(c["nullable"])) for c in insp.get_columns(name)),
            sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes(name)),
            sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(name)),
            sorted((f["referred_table"], tuple(f["constrained_columns"])) for f in insp.get_foreign_keys(name)),
        )
        for name in sorted(tables(db))
    }


def revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_downgrade_to_base_and_upgrade_to_head_recreates_the_models_schema(db: Database) -> None:
    assert tables(db) == MODEL_TABLES
    head = revision(db)
    assert head is not None
    migrated = schema(db)
    try:
        reset_schema(db)
        assert tables(db) == set()
        assert revision(db) is None
    finally:
        db.migrate()  # whatever happens above, later tests need the schema
    assert tables(db) == MODEL_TABLES
    assert revision(db) == head
    assert schema(db) == migrated
    for name, table in metadata.tables.items():
        assert {c[0] for c in schema(db)[name][0]} == {c.name for c in table.columns}, name
    with db.engine.connect() as conn:  # the migrations and the models describe the same schema
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_migrating_an_up_to_date_database_twice_changes_nothing(db: Database) -> None:
    with db.unit_of_work() as s:
        load_program(s, (EXAMPLES / "textile.yaml").read_text(encoding="utf-8"), now=moscow(2026, 10, 1))
        create_account(s, AccountIn(code="SALON-1", name="Салон", region="Москва"), now=moscow(2026, 10, 1))
    before = (schema(db), revision(db))
    db.migrate()
    db.migrate()
    assert (schema(db), revision(db)) == before
    with db.unit_of_work() as s:
        assert s.scalars(select(AccountRow.code)).all() == ["SALON-1"]
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_a_database_of_the_first_release_keeps_its_orders_through_the_upgrade(db: Database) -> None:
    """Orders recorded under schema 0001 (a total, no lines) replay, return and correct after the upgrade."""
    from alembic import command

    from loyalka.domain.events import OrderIn, ReturnIn, request_hash
    from loyalka.services.events import post_orders
    from loyalka.services.returns import post_return
    from loyalka.storage.tables import EventRow, OrderRow

    at = moscow(2026, 10, 5, 12)
    legacy = OrderIn("e1", "SALON-1", "O-1", at, 700_000)
    with db.unit_of_work() as s:
        load_program(s, (EXAMPLES / "textile.yaml").read_text(encoding="utf-8"), now=moscow(2026, 10, 1))
        create_account(s, AccountIn(code="SALON-1", name="Салон", region="Москва"), now=moscow(2026, 10, 1))
        post_orders(s, [legacy], now=at)
    try:
        db._run_migrations(lambda config: command.downgrade(config, "0001"))
        assert "lines" not in {c["name"] for c in inspect(db.engine).get_columns("orders")}
    finally:
        db.migrate()
    with db.unit_of_work() as s:
        row = s.scalar(select(OrderRow))
        assert (row.lines, row.version, row.context, row.total_minor) == ([], 1, {}, 700_000)
        # the digest of an event of the first release has the same form (it was stored before the upgrade)
        assert s.scalar(select(EventRow.request_hash)) == request_hash(legacy)
        [again] = post_orders(s, [legacy], now=at)
        assert again.replayed is True
    with db.unit_of_work() as s:
        returned = post_return(s, ReturnIn("r1", "O-1", moscow(2026, 10, 6), 200_000), now=moscow(2026, 10, 6))
    assert returned.result["taken_back"][0]["points"] == "200.00"
    with db.unit_of_work() as s:
        [fixed] = post_orders(s, [OrderIn("e2", "SALON-1", "O-1", at, 800_000, version=2)], now=moscow(2026, 10, 7))
    assert fixed.result["changes"] == [{"kind": "bonus", "rule": "monthly-orders", "points": "100.00", "debt": "0.00"}]
