"""Every table of Loyalka, for migrations and tests: the core tables and those of each feature module."""

from __future__ import annotations

from loyalka.storage import (
    tables,
    tables_tiers,  # noqa: F401 - its tables join the metadata
)

metadata = tables.Base.metadata

__all__ = ["metadata"]
