"""Decisions at a period close: who leaves the program, who gets benefits, who leads a leaderboard."""

from __future__ import annotations

from dataclasses import dataclass

from loyalka.domain.periods import Period
from loyalka.program.models import Leaderboard, Program


@dataclass(frozen=True, slots=True)
class MemberMonth:
    """One member's figures for the month being closed."""

    account_id: int
    purchases_minor: int  # orders less returns, in money
    earned_minor: dict[str, int]  # points earned in the month by kind (after returns)
    joined_period_index: int  # how many closed periods since joining before this one (0 = joined this month)
    region: str | None = None
    industry: str | None = None


def leavers(program: Program, members: list[MemberMonth]) -> list[int]:
    """Members whose purchases in the closed month fall below the stay threshold (after the grace periods)."""
    threshold = program.membership.stay_threshold
    if threshold is None:
        return []
    grace = program.membership.grace_periods
    return [
        m.account_id for m in members if m.joined_period_index >= grace and m.purchases_minor < threshold.min_purchases
    ]


def rejoiners(program: Program, former: list[MemberMonth]) -> list[int]:
    """Clients who left earlier and whose purchases in the closed month reach the threshold again."""
    threshold = program.membership.stay_threshold
    if threshold is None or not program.membership.rejoin:
        return []
    return [m.account_id for m in former if m.purchases_minor >= threshold.min_purchases]


def benefits_earned(program: Program, members: list[MemberMonth], leaving: set[int]) -> dict[str, list[int]]:
    """Benefit id -> accounts that qualified in the month (members leaving the program get none)."""
    result: dict[str, list[int]] = {}
    for benefit in program.benefits:
        result[benefit.id] = [
            m.account_id
            for m in members
            if m.account_id not in leaving and _as_written(program, m.earned_minor) >= benefit.qualify.min_points_earned
        ]
    return result


def _as_written(program: Program, earned_minor: dict[str, int]) -> int:
    """Points of every kind, in the file's notation (hundredths): what a threshold such as "2000.00" counts,
    whatever the kinds' decimals (2,000 whole points are 200000, like 2,000.00 points)."""
    total = 0
    for name, minor in earned_minor.items():
        kind = program.point_kinds.get(name)
        total += minor * 100 // 10**kind.decimals if kind is not None else minor
    return total


@dataclass(frozen=True, slots=True)
class Standing:
    board: str
    period: str
    group: str
    rank: int
    account_id: int
    value_minor: int


def leaderboard(board: Leaderboard, period: Period, totals: list[tuple[int, str | None, int]]) -> list[Standing]:
    """Rank (account, group, value) totals of a quarter or half-year: top N per group, ties by account id."""
    groups: dict[str, list[tuple[int, int]]] = {}
    for account_id, group, value in totals:
        if value > 0:
            groups.setdefault(group or "—" if board.group_by != "all" else "all", []).append((account_id, value))
    standings = []
    for group, rows in sorted(groups.items()):
        rows.sort(key=lambda r: (-r[1], r[0]))
        standings.extend(
            Standing(board.id, period.key, group, i + 1, acc, value) for i, (acc, value) in enumerate(rows[: board.top])
        )
    return standings
