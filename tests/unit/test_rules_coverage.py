"""A tripwire for the published rules: every key a program file may hold was weighed by
``program/rules_*.py`` — rendered, or left out on purpose (see the docstring of ``rules_text.py``).

When a model gains a key, this test fails: make the rules say what the engine does with it (or add it to
the list of what is left out, with the reason), then add it here."""

from __future__ import annotations

import typing

from pydantic import BaseModel

from loyalka.program.models import Program

KNOWN = {
    "Program": {
        "adjustments",
        "benefits",
        "campaigns",
        "codes",
        "earning",
        "grants",
        "invoices",
        "leaderboards",
        "membership",
        "messages",
        "point_kinds",
        "program",
        "publication",
        "referrals",
        "returns",
        "rewards",
        "segments",
        "spending",
        "stamp_cards",
        "tiers",
        "transfers",
        "triggers",
        "volume_bonuses",
    },
    "ProgramInfo": {"code", "currency", "description", "name", "timezone"},
    "Text": {"en", "ru"},
    "PointKind": {"activation", "decimals", "expiry", "name", "redemption", "value_per_point"},
    "Activation": {"after", "days", "period"},
    "Expiry": {"after", "by_tier", "days", "months", "period"},
    "ExpiryRule": {"after", "days", "months", "period"},
    "Redemption": {"categories", "max_order_share"},
    "EarningRule": {
        "activities",
        "amount",
        "base",
        "categories",
        "description",
        "event",
        "id",
        "include_promo",
        "kind",
        "limit",
        "min_order",
        "on_payment",
        "tier_multiplier",
        "when",
    },
    "Amount": {"fixed", "percent", "rounding", "step"},
    "Step": {"every", "points"},
    "RuleLimit": {"count", "period"},
    "Spending": {"categories", "earn_on_points_paid", "hold_ttl_s", "kind_order", "lot_order", "max_order_share"},
    "Returns": {"on_shortfall"},
    "Membership": {"grace_periods", "on_exit", "rejoin", "stay_threshold"},
    "StayThreshold": {"min_purchases", "period"},
    "Benefit": {"id", "name", "qualify", "valid_for"},
    "BenefitQualification": {"min_points_earned", "period"},
    "Leaderboard": {"group_by", "id", "metric", "name", "period", "prizes", "top"},
    "Tiers": {"downgrade", "evaluation", "levels"},
    "TierLevel": {"benefits", "earn_multiplier", "id", "name", "qualify"},
    "Criterion": {"all", "any", "breadth", "orders", "single_purchase", "turnover"},
    "SumAtLeast": {"min", "window"},
    "Window": {"calendar", "rolling_months"},
    "CountAtLeast": {"min", "window"},
    "BreadthAtLeast": {"by", "min", "window"},
    "TierBenefits": {
        "closed_sales",
        "free_delivery",
        "other",
        "payment_terms_days",
        "personal_manager",
        "priority_service",
    },
    "TierEvaluation": {"at", "upgrade", "upgrade_includes_trigger"},
    "TierDowngrade": {"keep_periods", "step"},
    "Triggers": {
        "anniversary",
        "birthday",
        "expiry_reminder",
        "first_order",
        "inactivity",
        "order_message",
        "tier_change_message",
        "welcome_message",
    },
    "FirstOrder": {"at_least", "kind", "message"},
    "Birthday": {"kind", "message", "points", "roles"},
    "Anniversary": {"kind", "message", "of", "points"},
    "Inactivity": {"after_days", "kind", "message", "points"},
    "ExpiryReminder": {"days_before", "message", "min_points"},
    "MessageTemplate": {"body", "subject"},
    "Segment": {"filter", "id", "name"},
    "SegmentFilter": {
        "inactive_days",
        "industries",
        "orders",
        "purchases",
        "regions",
        "statuses",
        "tags_all",
        "tags_any",
        "tiers",
        "when",
    },
    "PurchaseFilter": {"max", "min", "window_days"},
    "CountFilter": {"max", "min", "window_days"},
    "Campaign": {"grant", "id", "message", "name", "segment"},
    "PointsGrant": {"kind", "points"},
    "Grant": {"grant", "id", "message", "name"},
    "CodeSet": {"format", "grant", "id", "issued_only", "message", "name", "per_account"},
    "Transfers": {"exclude_tags", "kinds", "max_per_month", "max_per_transfer", "min", "period"},
    "Referrals": {"message", "min_order", "referred", "referrer", "within_days"},
    "StampCard": {"cells", "columns", "gifts", "id", "name", "stamp"},
    "StampRule": {"min_order", "when"},
    "ColumnGift": {"by_tier", "default"},
    "Reward": {"description", "id", "name", "price", "stock", "tiers", "type"},
    "Price": {"kind", "points"},
    "Invoices": {"default_due_days", "overdue"},
    "Overdue": {"block_earning", "block_spending", "grace_days"},
    "VolumeBonus": {"brackets", "categories", "id", "kind", "net_of_rules", "period"},
    "Bracket": {"from_", "percent"},
    "Adjustments": {"approver_roles", "limits", "net_debts", "reason_min_chars"},
    "Publication": {"categories", "clauses", "notice_days", "units"},
    "Units": {"en", "ru"},
}


def _models(model: type[BaseModel], found: dict[str, set[str]]) -> dict[str, set[str]]:
    if model.__name__ not in found:
        found[model.__name__] = set(model.model_fields)
        for field in model.model_fields.values():
            for inner in _types(field.annotation):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    _models(inner, found)
    return found


def _types(annotation: object) -> list[object]:
    args = typing.get_args(annotation)
    return [t for arg in args for t in _types(arg)] if args else [annotation]


def test_every_key_of_a_program_file_is_known_to_the_published_rules() -> None:
    found = _models(Program, {})
    new = {name: sorted(fields - KNOWN.get(name, set())) for name, fields in found.items()}
    assert {name: fields for name, fields in new.items() if fields} == {}, (
        "the program models have keys the published rules have not weighed; render them in program/rules_*.py"
    )
