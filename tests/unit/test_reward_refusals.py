"""Who may take a reward now, and the first reason why not: pure, no database (seed 002's catalog)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from loyalka.engine.rewards import Member, find_reward, price_minor, refusal
from loyalka.errors import NotFound
from loyalka.program.loader import parse_program
from tests.conftest import EXAMPLES

RULES = parse_program((EXAMPLES / "wholesale_tiers.yaml").read_text(encoding="utf-8"))
TRAINING = find_reward(RULES, "staff-training")


def gold(points: int, **changes: Any) -> Member:
    return replace(Member("GOLD-CO", "active", "gold", {"points": points}), **changes)


def code_of(member: Member, stock: int | None = 10) -> str | None:
    found = refusal(RULES, TRAINING, member, stock)
    return found.code if found else None


def test_the_price_is_in_the_kinds_own_units() -> None:
    assert price_minor(RULES, TRAINING) == 15000  # whole points: decimals 0


def test_a_gold_member_with_enough_points_may_take_the_training() -> None:
    assert code_of(gold(15000)) is None


def test_the_first_reason_why_not_is_given() -> None:
    assert code_of(gold(0, status="left", tier="silver"), stock=0) == "account_not_member"
    assert code_of(gold(0, tier="silver"), stock=0) == "reward_not_available"
    assert code_of(gold(0, tier=None)) == "reward_not_available"
    assert code_of(gold(0, spending_blocked="invoice INV-7 is overdue"), stock=0) == "spending_blocked"
    assert code_of(gold(14999), stock=0) == "insufficient_points"
    assert code_of(gold(15000), stock=0) == "out_of_stock"
    assert code_of(gold(15000), stock=None) is None  # unlimited


def test_an_unknown_reward_names_those_there_are() -> None:
    with pytest.raises(NotFound) as missing:
        find_reward(RULES, "gold-watch")
    assert (
        missing.value.message
        == "the program has no reward 'gold-watch' (free-delivery, staff-training, certificate-5000)"
    )
