"""Persistence: SQLAlchemy 2 tables, the database and its unit of work, Alembic migrations."""
