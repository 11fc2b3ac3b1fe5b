"""The database: engine set-up for SQLite (embedded default) and PostgreSQL, migrations, unit of work."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from platformdirs import user_data_dir
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from loyalka.storage import schema  # noqa: F401 - every feature's tables are on Base.metadata wherever a database is

MIGRATIONS = Path(__file__).with_name("migrations")


def default_url() -> str:
    """``LOYALKA_DATABASE_URL`` if set, else a SQLite file in the user's data directory."""
    url = os.environ.get("LOYALKA_DATABASE_URL")
    if url:
        return url
    folder = Path(user_data_dir("loyalka", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'loyalka.db'}"


def url_for(db: str | None) -> str:
    """``--db`` may be a URL or a path to a SQLite file."""
    if not db:
        return default_url()
    return db if "://" in db else f"sqlite:///{Path(db).expanduser().resolve()}"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _sqlite_immediate_transactions(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_immediate_transactions(engine: Engine) -> None:
    """SQLite: take the write lock when a transaction begins, so two writers queue instead of deadlocking."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_url()
        self.engine = make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Bring the schema to the newest migration (idempotent)."""
        self._run_migrations(lambda config: command.upgrade(config, "head"))

    def _run_migrations(self, run: Callable[[Config], None]) -> None:
        """Run migrations in one transaction. On SQLite, foreign keys are off meanwhile (a migration recreates
        a table that others refer to) and checked once it is done."""
        with self.engine.connect() as connection:
            sqlite = self.dialect == "sqlite"
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            try:
                with connection.begin():
                    config = alembic_config(self.url)
                    config.attributes["connection"] = connection
                    run(config)
                    if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                        raise RuntimeError("a migration left rows that refer to missing rows; nothing was changed")
            finally:
                if sqlite:
                    connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction per command: commits when the block ends normally, rolls back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def is_empty(database: Database) -> bool:
    """No program and no account yet."""
    from sqlalchemy import func, select

    from loyalka.storage.tables import AccountRow, ProgramRow

    with database.unit_of_work() as session:
        return not session.scalar(select(func.count()).select_from(ProgramRow)) and not session.scalar(
            select(func.count()).select_from(AccountRow)
        )


def reset_schema(database: Database) -> None:
    """Drop every Loyalka table (all migrations down), for the demo's --reset."""
    database._run_migrations(lambda config: command.downgrade(config, "base"))
