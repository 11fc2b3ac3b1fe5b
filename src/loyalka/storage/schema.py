"""Every table of Loyalka, for migrations and tests: the core tables and those of each feature module."""

from __future__ import annotations

from loyalka.storage import (  # noqa: F401 - each feature module's tables join the metadata
    tables,
    tables_audit,
    tables_tiers,
)

metadata = tables.Base.metadata

__all__ = ["metadata"]
