"""What only the published rules need: names of order-line categories, how points of a kind are counted in
words, the notice the seller gives of a new version, and the seller's own closing clauses.

None of it changes what the engine computes; all of it is optional (the rules fall back to the category's
id in quotes, to "балл / балла / баллов" and "point / points", to no notice period and no extra clauses).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pydantic import Field, field_validator

from loyalka.program.types import Ident, Strict, Text

if TYPE_CHECKING:
    from loyalka.program.models import Program


class Units(Strict):
    """A kind's points with a number: Russian one / few / many (1 бонусный рубль, 2 бонусных рубля,
    5 бонусных рублей), English one / many (1 bonus ruble, 5 bonus rubles)."""

    ru: list[str]
    en: list[str]

    @field_validator("ru")
    @classmethod
    def _three_forms(cls, value: list[str]) -> list[str]:
        if len(value) != 3 or not all(form.strip() for form in value):
            raise ValueError('give the three Russian forms for 1, 2 and 5: ["балл", "балла", "баллов"]')
        return value

    @field_validator("en")
    @classmethod
    def _two_forms(cls, value: list[str]) -> list[str]:
        if len(value) != 2 or not all(form.strip() for form in value):
            raise ValueError('give the two English forms for 1 and 5: ["point", "points"]')
        return value


class Publication(Strict):
    categories: dict[str, Text] = Field(default_factory=dict)  # category id -> its name in the rules
    units: dict[Ident, Units] = Field(default_factory=dict)  # point kind -> how its points are counted
    notice_days: int = Field(default=0, ge=0, le=365)  # a new version is announced this many days ahead
    clauses: list[Text] = Field(default_factory=list)  # the seller's own closing clauses, verbatim


def publication_problems(program: Program) -> Iterator[tuple[str, str]]:
    """Units given for a point kind the program does not define."""
    known = ", ".join(sorted(program.point_kinds))
    for kind in program.publication.units:
        if kind not in program.point_kinds:
            yield f"publication.units.{kind}", f"refers to point kind {kind!r}, which is not defined ({known})"
