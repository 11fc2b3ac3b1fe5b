"""Transfers as pure rules: may this member send that many points of a kind, given what it sent this month?"""

from __future__ import annotations

from collections.abc import Iterable

from loyalka.errors import RuleViolation
from loyalka.program.b2b import Transfers
from loyalka.program.models import PointKind


def check_party(transfers: Transfers, code: str, status: str, tags: Iterable[str], *, field: str) -> None:
    """Both sides must be active members without an excluded tag."""
    if status != "active":
        raise RuleViolation(
            f"account {code} is {status}, not a member: it can neither send nor receive points",
            code="account_not_member",
            field=field,
        )
    excluded = sorted(set(tags) & set(transfers.exclude_tags))
    if excluded:
        raise RuleViolation(
            f"account {code} is tagged {', '.join(excluded)}: such accounts can neither send nor receive points",
            code="account_excluded",
            field=field,
        )


def check_amount(transfers: Transfers, kind: PointKind, points_minor: int, sent_this_month_minor: int) -> None:
    """The program's limits on one transfer of ``points_minor`` (the kind's minor units)."""
    minimum = kind.units(transfers.min)
    if points_minor < minimum:
        raise RuleViolation(
            f"a transfer is at least {kind.format(minimum)} points; {kind.format(points_minor)} is below it",
            code="transfer_below_min",
            field="points",
        )
    if transfers.max_per_transfer is not None and points_minor > kind.units(transfers.max_per_transfer):
        raise RuleViolation(
            f"a transfer is at most {kind.format(kind.units(transfers.max_per_transfer))} points; "
            f"{kind.format(points_minor)} is above it",
            code="transfer_above_max",
            field="points",
        )
    left = month_left(transfers, kind, sent_this_month_minor)
    if left is not None and points_minor > left:
        assert transfers.max_per_month is not None
        raise RuleViolation(
            f"an account sends at most {kind.format(kind.units(transfers.max_per_month))} points a month; "
            f"it sent {kind.format(sent_this_month_minor)} this month, so {kind.format(left)} are left",
            code="monthly_transfer_limit",
            field="points",
        )


def month_left(transfers: Transfers, kind: PointKind, sent_this_month_minor: int) -> int | None:
    """What the account may still send this month (None: no monthly limit)."""
    if transfers.max_per_month is None:
        return None
    return max(kind.units(transfers.max_per_month) - sent_this_month_minor, 0)
