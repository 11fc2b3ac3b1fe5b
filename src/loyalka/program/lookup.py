"""Finding an item of a program section (a campaign, a grant, a reward...) by its id, or saying which exist."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from loyalka.errors import NotFound


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_HasId)


def find_by_id(items: Sequence[T], ident: str, *, what: str, code: str, field: str) -> T:
    """The item whose id is ``ident``; else NotFound (``code``) naming the ids there are."""
    found = next((item for item in items if item.id == ident), None)
    if found is None:
        known = ", ".join(item.id for item in items) or "the program has none"
        raise NotFound(f"the program has no {what} {ident!r} ({known})", code=code, field=field)
    return found
