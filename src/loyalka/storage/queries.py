"""Query helpers for batches: a filter "column is one of these thousand values".

``IN (...)`` with a bound parameter per value makes every batch a new SQL text of thousands of placeholders,
which the PostgreSQL driver parses anew each time; ``= ANY(array)`` is one parameter and one SQL text, parsed
once. SQLite has no arrays and keeps ``IN``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def among(session: Session, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column`` is one of ``values``, written the way the session's database reads fastest."""
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type), unique=True))
    return column.in_(values)
