"""Every table of Loyalka, for migrations and tests: the core tables and those of each feature module."""

from __future__ import annotations

from loyalka.storage import tables, tables_b2b  # noqa: F401 - imported for their tables

metadata = tables.Base.metadata

__all__ = ["metadata"]
