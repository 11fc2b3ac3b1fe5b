"""A program file is validated data: every mistake is reported with its dotted path and its line.

Each bad file is the textile example with one edit; ``edited`` asserts the edit really happened, so no
test here can silently pass on the valid file.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from loyalka.errors import InvalidProgram, ProgramIssue
from loyalka.program.loader import content_hash, load_program_file, parse_program

EXAMPLE = Path(__file__).parents[2] / "examples" / "textile.yaml"
TEXT = EXAMPLE.read_text(encoding="utf-8")

SECOND_RULE_SAME_ID = """  - id: monthly-orders
    kind: bonus
    amount: {percent: "5%"}

spending:
"""


def edited(old: str, new: str, text: str = TEXT) -> str:
    assert text.count(old) == 1, f"the example no longer contains exactly one {old!r}"
    changed = text.replace(old, new)
    assert changed != text
    return changed


def line_of(text: str, fragment: str, *, last: bool = False) -> int:
    """1-based line of the first (or last) occurrence of ``fragment``."""
    index = text.rindex(fragment) if last else text.index(fragment)
    return text.count("\n", 0, index) + 1


def issues_of(text: str) -> list[ProgramIssue]:
    with pytest.raises(InvalidProgram) as info:
        parse_program(text, source="textile.yaml")
    assert info.value.issues, "InvalidProgram must carry at least one issue"
    assert info.value.code == "invalid_program"
    return info.value.issues


def only_issue(text: str) -> ProgramIssue:
    issues = issues_of(text)
    assert len(issues) == 1, issues
    return issues[0]


# --- the example ---------------------------------------------------------------------------------------


def test_the_textile_example_validates() -> None:
    program, text = load_program_file(EXAMPLE)
    assert text == TEXT
    assert program.program.code == "liontex-privilege"
    assert program.program.timezone == "Europe/Moscow"


def test_the_example_reads_amounts_as_minor_units_and_percentages_as_exact_rates() -> None:
    program = parse_program(TEXT)
    bonus = program.point_kinds["bonus"]
    assert bonus.value_per_point == 100
    assert bonus.redemption.max_order_share == Decimal("0.15")
    assert bonus.activation.after == "next_period"
    assert bonus.expiry.after == "end_of_next_period"
    assert program.earning[0].amount.percent == Decimal("0.1")
    assert program.earning[0].amount.rounding == "down"
    assert program.membership.stay_threshold is not None
    assert program.membership.stay_threshold.min_purchases == 900000
    assert [b.qualify.min_points_earned for b in program.benefits] == [200000, 200000]
    assert [lb.period for lb in program.leaderboards] == ["quarter", "half_year"]
    assert program.kind_order == ["bonus"]


def test_the_content_hash_is_stable_and_changes_with_the_text() -> None:
    assert content_hash(TEXT) == content_hash(TEXT)
    assert content_hash(TEXT) != content_hash(TEXT + "\n# a comment\n")
    assert len(content_hash(TEXT)) == 64


# --- YAML syntax -----------------------------------------------------------------------------------------


def test_an_unclosed_bracket_is_a_yaml_syntax_issue_with_its_line() -> None:
    bad = edited('en: "Bonus rubles"}', 'en: "Bonus rubles"')
    issue = only_issue(bad)
    assert issue.path == ""
    assert "YAML syntax" in issue.message
    assert "'}'" in issue.message
    # the parser notices the unclosed mapping at the first token it cannot take: the next line
    assert issue.line == line_of(bad, "    decimals: 2")


def test_a_key_given_twice_is_reported_at_its_second_occurrence() -> None:
    bad = edited("    decimals: 2\n", "    decimals: 2\n    decimals: 1\n")
    issue = only_issue(bad)
    assert issue.path == "point_kinds.bonus.decimals"
    assert issue.line == line_of(bad, "decimals: 1")
    assert "twice" in issue.message


def test_an_empty_file_is_refused_as_not_a_mapping() -> None:
    issue = only_issue("")
    assert issue.path == ""
    assert issue.line == 1
    assert "mapping" in issue.message


def test_a_file_of_comments_only_is_refused_as_not_a_mapping() -> None:
    assert "mapping" in only_issue("# nothing here yet\n").message


def test_a_list_instead_of_a_mapping_is_refused() -> None:
    issue = only_issue("- program: liontex\n- point_kinds: {}\n")
    assert issue.path == ""
    assert issue.line == 1
    assert "'program:'" in issue.message


# --- schema ----------------------------------------------------------------------------------------------


def test_an_unknown_key_inside_a_point_kind_is_reported_at_its_line() -> None:
    bad = edited("    decimals: 2\n", "    decimals: 2\n    colour: red\n")
    issue = only_issue(bad)
    assert issue.path == "point_kinds.bonus.colour"
    assert issue.line == line_of(bad, "colour: red")
    assert "unknown key" in issue.message


def test_a_wrong_type_is_reported_with_its_path_and_line() -> None:
    bad = edited("decimals: 2", 'decimals: "two"')
    issue = only_issue(bad)
    assert issue.path == "point_kinds.bonus.decimals"
    assert issue.line == line_of(bad, 'decimals: "two"')
    assert "integer" in issue.message


def test_a_rate_written_as_a_float_is_refused_in_favour_of_a_percentage() -> None:
    bad = edited('max_order_share: "15%"', "max_order_share: 0.15")
    issue = only_issue(bad)
    assert issue.path == "point_kinds.bonus.redemption.max_order_share"
    assert issue.line == line_of(bad, "max_order_share: 0.15")
    assert 'percentage such as "10%"' in issue.message


def test_a_percentage_above_100_is_refused() -> None:
    bad = edited('percent: "10%"', 'percent: "110%"')
    issue = only_issue(bad)
    assert issue.path == "earning.0.amount.percent"
    assert issue.line == line_of(bad, 'percent: "110%"')
    assert "above 100%" in issue.message


def test_a_negative_amount_is_refused() -> None:
    bad = edited('min_purchases: "9000.00"', 'min_purchases: "-5"')
    issue = only_issue(bad)
    assert issue.path == "membership.stay_threshold.min_purchases"
    assert issue.line == line_of(bad, 'min_purchases: "-5"')
    assert "negative" in issue.message


def test_a_non_numeric_amount_is_refused() -> None:
    bad = edited('min_purchases: "9000.00"', 'min_purchases: "abc"')
    issue = only_issue(bad)
    assert issue.path == "membership.stay_threshold.min_purchases"
    assert issue.line == line_of(bad, 'min_purchases: "abc"')
    assert "not an amount" in issue.message


def test_an_unquoted_decimal_amount_is_a_float_and_is_refused() -> None:
    bad = edited('min_purchases: "9000.00"', "min_purchases: 9000.50")
    issue = only_issue(bad)
    assert issue.path == "membership.stay_threshold.min_purchases"
    assert issue.line == line_of(bad, "min_purchases: 9000.50")


def test_an_amount_with_both_percent_and_step_is_refused() -> None:
    bad = edited("      rounding: down", '      step: {every: "100.00", points: "1.00"}\n      rounding: down')
    issue = only_issue(bad)
    assert issue.path == "earning.0.amount"
    assert issue.line == line_of(bad, "    amount:")
    assert "exactly one of 'percent'" in issue.message


def test_an_amount_with_neither_percent_nor_step_is_refused() -> None:
    bad = edited('      percent: "10%"              # 1000 RUB of orders = 100 bonus RUB\n', "")
    issue = only_issue(bad)
    assert issue.path == "earning.0.amount"
    assert "exactly one of" in issue.message


def test_an_unknown_time_zone_is_refused() -> None:
    bad = edited("timezone: Europe/Moscow", "timezone: Europe/Moskva")
    issue = only_issue(bad)
    assert issue.path == "program.timezone"
    assert issue.line == line_of(bad, "timezone: Europe/Moskva")
    assert "unknown time zone 'Europe/Moskva'" in issue.message


def test_a_missing_required_key_is_reported_at_its_section() -> None:
    bad = edited("  code: liontex-privilege\n", "")
    issue = only_issue(bad)
    assert issue.path == "program.code"
    assert issue.line == line_of(bad, "program:")
    assert "required key is missing" in issue.message


def test_every_schema_mistake_is_reported_at_once() -> None:
    bad = edited("decimals: 2", 'decimals: "two"')
    bad = edited('max_order_share: "15%"', "max_order_share: 0.15", bad)
    issues = issues_of(bad)
    assert [(i.path, i.line) for i in issues] == [
        ("point_kinds.bonus.decimals", line_of(bad, 'decimals: "two"')),
        ("point_kinds.bonus.redemption.max_order_share", line_of(bad, "max_order_share: 0.15")),
    ]


# --- cross-references ------------------------------------------------------------------------------------


def test_an_earning_rule_for_an_undefined_point_kind_is_reported_at_its_kind_line() -> None:
    bad = edited("    kind: bonus\n", "    kind: bonu\n")
    issue = only_issue(bad)
    assert issue.path == "earning.0.kind"
    assert issue.line == line_of(bad, "kind: bonu\n")
    assert "'bonu', which is not defined in point_kinds (bonus)" in issue.message


def test_a_rule_id_used_twice_is_reported_at_the_second_rule() -> None:
    bad = edited("\nspending:\n", "\n" + SECOND_RULE_SAME_ID)
    issue = only_issue(bad)
    assert issue.path == "earning.1.id"
    assert issue.line == line_of(bad, "- id: monthly-orders", last=True)
    assert "used twice" in issue.message


def test_a_benefit_id_used_twice_is_reported() -> None:
    bad = edited("  - id: special_payment_terms", "  - id: free_delivery")
    issue = only_issue(bad)
    assert issue.path == "benefits.1.id"
    assert issue.line == line_of(bad, "- id: free_delivery", last=True)


def test_an_invalid_cel_condition_is_reported_at_its_when_line() -> None:
    bad = edited("    event: order\n", '    event: order\n    when: "order.total >"\n')
    issue = only_issue(bad)
    assert issue.path == "earning.0.when"
    assert issue.line == line_of(bad, "when:")
    assert "not a valid CEL expression" in issue.message


def test_a_valid_cel_condition_is_accepted() -> None:
    good = edited("    event: order\n", '    event: order\n    when: "order.total >= 900000"\n')
    assert parse_program(good).earning[0].when == "order.total >= 900000"


def test_kind_order_must_name_defined_point_kinds() -> None:
    bad = edited("  hold_ttl_s: 900", "  hold_ttl_s: 900\n  kind_order: [bonus, premium]")
    issue = only_issue(bad)
    assert issue.path == "spending.kind_order.1"
    assert issue.line == line_of(bad, "kind_order:")
    assert "'premium'" in issue.message


# --- files -----------------------------------------------------------------------------------------------


def test_the_error_names_the_file_and_the_line() -> None:
    bad = edited("timezone: Europe/Moscow", "timezone: Europe/Moskva")
    with pytest.raises(InvalidProgram) as info:
        parse_program(bad, source="textile.yaml")
    line = line_of(bad, "timezone:")
    assert f"textile.yaml: line {line}: program.timezone: unknown time zone" in str(info.value)
    assert info.value.field == "program.timezone"
    assert info.value.as_dict()["issues"] == [
        {"path": "program.timezone", "line": line, "message": info.value.issues[0].message}
    ]


def test_a_missing_file_is_an_invalid_program_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(InvalidProgram) as info:
        load_program_file(tmp_path / "nope.yaml")
    assert "no such file" in info.value.issues[0].message


def test_a_file_that_is_not_utf8_is_an_invalid_program(tmp_path: Path) -> None:
    path = tmp_path / "cp1251.yaml"
    path.write_bytes(TEXT.encode("cp1251", errors="replace"))
    with pytest.raises(InvalidProgram) as info:
        load_program_file(path)
    assert "not UTF-8" in info.value.issues[0].message


# --- regressions: mistakes found by these tests and fixed ------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("  currency: RUB", "  currency: !include currency.yaml", "!include"),  # an unknown YAML tag
        ("  currency: RUB", "  currency: 2026-13-45", "2026-13-45"),  # looks like a date, is not one
    ],
    ids=["unknown-tag", "impossible-date"],
)
def test_yaml_that_composes_but_does_not_construct_is_an_invalid_program_with_its_line(
    old: str, new: str, fragment: str
) -> None:
    # a tag such as `!include` or a text that looks like a date must not escape the loader as a raw error
    bad = edited(old, new)
    issue = only_issue(bad)
    assert issue.line == line_of(bad, fragment)


def test_a_point_kind_listed_twice_in_kind_order_is_refused() -> None:
    # counted twice, the kind would let bonuses pay 30% of an order although max_order_share is 15%
    bad = edited("  hold_ttl_s: 900", "  hold_ttl_s: 900\n  kind_order: [bonus, bonus]")
    issue = only_issue(bad)
    assert issue.path == "spending.kind_order.1"
    assert issue.line == line_of(bad, "kind_order:")


def test_a_benefit_over_another_period_than_the_month_is_refused() -> None:
    # benefits are granted at a month's close only: a quarter's would be published and never granted
    bad = edited(
        '    qualify: {period: month, min_points_earned: "2000.00"}\n    valid_for: next_period\n  - id: special',
        '    qualify: {period: quarter, min_points_earned: "2000.00"}\n    valid_for: next_period\n  - id: special',
    )
    issue = only_issue(bad)
    assert issue.path == "benefits.0.qualify.period"
    assert issue.line == line_of(bad, "period: quarter")


def test_kind_order_must_list_every_point_kind() -> None:
    # a kind left out of kind_order could never pay for an order, although its points are spendable
    extra = '  extra:\n    name: {ru: "Доп", en: "Extra"}\n\nearning:'
    bad = edited("  hold_ttl_s: 900", "  hold_ttl_s: 900\n  kind_order: [bonus]", edited("\nearning:", extra))
    issue = only_issue(bad)
    assert issue.path == "spending.kind_order"
    assert issue.line == line_of(bad, "kind_order:")
    assert "'extra'" in issue.message


def test_a_directory_is_an_invalid_program_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(InvalidProgram) as info:
        load_program_file(tmp_path)
    assert "cannot be read" in info.value.issues[0].message


@pytest.mark.parametrize(
    ("condition", "unknown"),
    [
        ('"order.totl > 100"', "order.totl"),  # a typo: every order would fail to post
        ('"account.region == \\"Москва\\" && order.totl > 100"', "order.totl"),  # hidden behind a false operand
        ('"payment.days_early >= 0"', "payment"),  # a payment's field in an order rule
    ],
    ids=["typo", "short-circuited", "other-event"],
)
def test_a_rule_condition_naming_a_field_its_event_lacks_is_refused(condition: str, unknown: str) -> None:
    bad = edited("    event: order\n", f"    event: order\n    when: {condition}\n")
    issue = only_issue(bad)
    assert issue.path == "earning.0.when"
    assert issue.line == line_of(bad, "when:")
    assert unknown in issue.message and "order.total" in issue.message  # what it may use


def test_a_condition_that_fails_on_a_sample_order_is_refused() -> None:
    bad = edited("    event: order\n", '    event: order\n    when: "order.total / 0 > 1"\n')
    issue = only_issue(bad)
    assert issue.path == "earning.0.when"
    assert "cannot be evaluated" in issue.message


def test_a_volume_bonus_may_deduct_only_rules_of_its_own_kind() -> None:
    # the deduction subtracts the rules' points from the bonus's: another kind's are other units
    volume = (
        '\nvolume_bonuses:\n  - id: quarter\n    kind: extra\n    brackets: [{from: "1000.00", percent: "1%"}]\n'
        "    net_of_rules: [monthly-orders]\n"
    )
    extra = '  extra:\n    name: {ru: "Доп", en: "Extra"}\n    decimals: 0\n\nearning:'
    bad = edited("\nearning:", extra) + volume
    issue = only_issue(bad)
    assert issue.path == "volume_bonuses.0.net_of_rules.0"
    assert issue.line == line_of(bad, "net_of_rules:")
    assert "'bonus'" in issue.message and "'extra'" in issue.message


def test_a_rewards_stock_beyond_what_its_column_holds_is_refused() -> None:
    reward = (
        "\nrewards:\n  - id: mug\n    name: {ru: Кружка, en: Mug}\n    type: gift\n"
        '    price: {kind: bonus, points: "10"}\n    stock: 99999999999\n'
    )
    issue = only_issue(TEXT + reward)
    assert issue.path == "rewards.0.stock"
    assert issue.line == line_of(TEXT + reward, "stock: 9")
