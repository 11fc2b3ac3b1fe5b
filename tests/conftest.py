"""Shared fixtures: a migrated database per backend (SQLite always; PostgreSQL when
LOYALKA_TEST_DATABASE_URL is set), emptied before each test so tests never see each other's data."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from loyalka.storage import schema  # noqa: F401 - registers every feature's tables on Base
from loyalka.storage.database import Database
from loyalka.storage.schema import metadata  # every table, the features' too

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PG_URL = os.environ.get("LOYALKA_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgres"] if PG_URL else ["sqlite"]


def moscow(*args: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo("Europe/Moscow"))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class PostgresScratch:
    """A database of its own on the test server, dropped afterwards."""

    def __init__(self, base_url: str) -> None:
        self.base = make_url(base_url)
        self.name = f"loyalka_t_{uuid.uuid4().hex[:12]}"
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = self.base.set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def _databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Database]]:
    made: dict[str, Database] = {}
    scratch = None
    sqlite_file = tmp_path_factory.mktemp("db") / "loyalka.db"
    made["sqlite"] = Database(f"sqlite:///{sqlite_file}")
    made["sqlite"].migrate()
    if PG_URL:
        scratch = PostgresScratch(PG_URL)
        made["postgres"] = Database(scratch.url)
        made["postgres"].migrate()
    yield made
    for database in made.values():
        database.dispose()
    if scratch is not None:
        scratch.drop()


def empty(database: Database) -> None:
    """Empty every table. The append-only guards (triggers refusing UPDATE, DELETE, TRUNCATE on the ledger's
    entries and the audit log) are lifted for the cleanup only, inside its transaction: on PostgreSQL they are
    disabled and enabled again, on SQLite dropped and recreated from their own stored definitions."""
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with database.engine.begin() as conn:
        if database.dialect == "postgresql":
            guarded = conn.execute(
                text("SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal")
            ).scalars()
            guarded = sorted(guarded)
            for name in guarded:
                conn.exec_driver_sql(f"ALTER TABLE {name} DISABLE TRIGGER USER")
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            for name in guarded:
                conn.exec_driver_sql(f"ALTER TABLE {name} ENABLE TRIGGER USER")
        else:
            triggers = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all()
            for name, _ in triggers:
                conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
            for _, sql in triggers:
                conn.exec_driver_sql(sql)


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, _databases: dict[str, Database]) -> Database:
    database = _databases[request.param]
    empty(database)
    return database


@pytest.fixture
def pg_db(_databases: dict[str, Database]) -> Database:
    """PostgreSQL only (race tests): fails loudly when the URL is not set, never skips silently."""
    if "postgres" not in _databases:
        pytest.fail("this test needs PostgreSQL: set LOYALKA_TEST_DATABASE_URL (bash .ci/run does)")
    database = _databases["postgres"]
    empty(database)
    return database


SHARED_DATA = ROOT.parent / "shared" / "data" / "online_retail.csv.gz"


@pytest.fixture(scope="session")
def online_retail():  # type: ignore[no-untyped-def]
    """The UCI "Online Retail" data beside the checkout (../shared/data), read once per test session. CI has it;
    a missing file fails the tests that need it loudly instead of skipping them."""
    from loyalka.analytics.history import ONLINE_RETAIL, read_history

    if not SHARED_DATA.exists():
        pytest.fail(f"the real data set is not at {SHARED_DATA}: these tests need ../shared beside the checkout")
    return read_history(SHARED_DATA, ONLINE_RETAIL)
