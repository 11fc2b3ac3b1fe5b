"""The rules of manual adjustments, pure: what a reason must be, each role's limit in a kind's units, who may
approve an amount. The services apply them (``services.adjustments``)."""

from __future__ import annotations

import re

from loyalka.errors import InvalidInput, RuleViolation
from loyalka.program.b2b import Adjustments
from loyalka.program.models import PointKind, Program

MAX_REASON_CHARS = 300  # what a ledger entry's reason holds
_WORD = re.compile(r"[^\W\d_]{2,}")  # a word of two letters or more, in any alphabet


def clean_reason(text: str | None, min_chars: int, *, field: str = "reason") -> str:
    """A reason is a sentence that says why: at least ``min_chars`` characters and two words."""
    reason = " ".join((text or "").split())
    if not reason:
        raise InvalidInput("a reason is required: say why the points change", code="missing_reason", field=field)
    if len(reason) < min_chars or len(_WORD.findall(reason)) < 2:
        raise InvalidInput(
            f"the reason {reason!r} is too short: write a sentence of at least {min_chars} characters that says "
            "why (e.g. 'goodwill for the late delivery of order O-17')",
            code="reason_too_short",
            field=field,
        )
    if len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(
            f"the reason is {len(reason)} characters long; keep it within {MAX_REASON_CHARS}",
            code="reason_too_long",
            field=field,
        )
    return reason


def role_limit(rules: Adjustments, role: str, kind: PointKind) -> int | None:
    """The most a person of ``role`` may adjust alone, in ``kind``'s minor units (None: no limit)."""
    if role not in rules.limits:
        raise RuleViolation(
            f"role {role!r} has no adjustment limit in the program (roles: {', '.join(rules.limits)})",
            code="role_not_allowed",
            field="by",
        )
    limit = rules.limits[role]
    return None if limit is None else kind.units(limit)


def approver_roles(rules: Adjustments, kind: PointKind, amount_minor: int) -> list[str]:
    """The roles that may approve an adjustment of ``amount_minor`` (the kind's minor units)."""
    return [
        role
        for role, limit in rules.limits.items()
        if (rules.approver_roles is None or role in rules.approver_roles)
        and (limit is None or amount_minor <= kind.units(limit))
    ]


def point_kind(rules: Program, kind: str) -> PointKind:
    found = rules.point_kinds.get(kind)
    if found is None:
        raise InvalidInput(
            f"point kind {kind!r} is not one of the program's ({', '.join(rules.point_kinds)})",
            code="unknown_kind",
            field="kind",
        )
    return found


def limits_text(rules: Program, kind: PointKind) -> str:
    limits = rules.adjustments.limits
    return ", ".join(f"{r} {'none' if v is None else kind.format(kind.units(v))}" for r, v in limits.items())


__all__ = ["MAX_REASON_CHARS", "approver_roles", "clean_reason", "limits_text", "point_kind", "role_limit"]
