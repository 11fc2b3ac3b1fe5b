"""Who may take a reward of the catalog now, and why not. Pure: the reward, the member's facts, the stock."""

from __future__ import annotations

from dataclasses import dataclass

from loyalka.errors import InsufficientPoints, LoyaltyError, RuleViolation
from loyalka.program.catalog import Reward
from loyalka.program.lookup import find_by_id
from loyalka.program.models import Program


@dataclass(frozen=True, slots=True)
class Member:
    code: str
    status: str  # active | left | blocked
    tier: str | None
    spendable_minor: dict[str, int]  # kind -> points spendable now
    spending_blocked: str | None = None  # why the account may not spend now (an overdue invoice...)


def find_reward(rules: Program, reward_id: str) -> Reward:
    return find_by_id(rules.rewards, reward_id, what="reward", code="reward_not_found", field="reward")


def price_minor(rules: Program, reward: Reward) -> int:
    """The reward's price in its point kind's minor units."""
    return rules.point_kinds[reward.price.kind].units(reward.price.points)


def refusal(rules: Program, reward: Reward, member: Member, stock: int | None) -> LoyaltyError | None:
    """Why ``member`` may not take ``reward`` now (``stock`` None: unlimited), or None."""
    if member.status != "active":
        return RuleViolation(
            f"account {member.code} is {member.status}, not a member: it cannot take rewards",
            code="account_not_member",
            field="account",
        )
    if reward.tiers is not None and member.tier not in reward.tiers:
        return RuleViolation(
            f"{reward.id} is for {', '.join(reward.tiers)} members; account {member.code} is "
            f"{member.tier or 'without a tier'}",
            code="reward_not_available",
            field="reward",
        )
    if member.spending_blocked:
        return RuleViolation(
            f"account {member.code} may not spend points now: {member.spending_blocked}",
            code="spending_blocked",
            field="account",
        )
    price, kind = price_minor(rules, reward), reward.price.kind
    have = member.spendable_minor.get(kind, 0)
    if have < price:
        return InsufficientPoints(
            f"{reward.id} costs {rules.points(kind, price)} {kind}; account {member.code} has "
            f"{rules.points(kind, have)} spendable",
            field="reward",
        )
    if stock is not None and stock <= 0:
        return out_of_stock(reward)
    return None


def out_of_stock(reward: Reward) -> RuleViolation:
    return RuleViolation(f"{reward.id} is out of stock", code="out_of_stock", field="reward")
