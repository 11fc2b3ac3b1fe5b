"""ИНН: 10 digits for an organisation, 12 for an individual entrepreneur, each with check digits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalka.domain.inn import is_valid_inn, make_inn10, validate_inn
from loyalka.errors import InvalidInput

VALID = [
    "7707083893",  # ПАО Сбербанк
    "7736207543",  # ООО «Яндекс»
    "500100732259",  # an individual entrepreneur, both check digits
]

prefixes = st.text(alphabet="0123456789", min_size=9, max_size=9)


@pytest.mark.parametrize("inn", VALID)
def test_known_real_inns_are_valid(inn: str) -> None:
    assert is_valid_inn(inn)
    assert validate_inn(inn) == inn


@pytest.mark.parametrize("digit", [d for d in "0123456789" if d != "3"])
def test_a_ten_digit_inn_with_a_wrong_check_digit_is_invalid(digit: str) -> None:
    inn = "770708389" + digit
    assert not is_valid_inn(inn)
    with pytest.raises(InvalidInput) as info:
        validate_inn(inn)
    assert info.value.code == "invalid_inn"
    assert "checksum" in info.value.message


@pytest.mark.parametrize(
    "inn",
    [
        "500100732258",  # last check digit wrong
        "500100732249",  # first check digit wrong
        "500100732269",  # first wrong, second as for the real one
        "500100732159",  # a body digit changed
    ],
)
def test_a_twelve_digit_inn_needs_both_check_digits_right(inn: str) -> None:
    assert not is_valid_inn(inn)
    with pytest.raises(InvalidInput, match="checksum") as info:
        validate_inn(inn)
    assert info.value.code == "invalid_inn"


def test_swapping_two_digits_of_a_valid_inn_breaks_it() -> None:
    assert not is_valid_inn("7770083893")  # 7707... with the 3rd and 4th digits swapped


@pytest.mark.parametrize(
    "inn",
    ["", "770708389", "77070838930", "50010073225", "5001007322590", "7707083893" * 2],
    ids=["empty", "9", "11", "11-from-12", "13", "20"],
)
def test_an_inn_of_a_length_other_than_10_or_12_is_invalid(inn: str) -> None:
    assert not is_valid_inn(inn)
    with pytest.raises(InvalidInput, match="10 or 12 digits") as info:
        validate_inn(inn, field="client.inn")
    assert info.value.code == "invalid_inn"
    assert info.value.field == "client.inn"


@pytest.mark.parametrize(
    "inn",
    [
        "770708389a",
        "7707-83893",
        "7707 83893",
        "-707083893",
        "77070838.3",
        "７７０７０８３８９３",  # full-width digits: str.isdigit() says yes, the INN says no
        "٧٧٠٧٠٨٣٨٩٣",  # Arabic-Indic digits
    ],
)
def test_an_inn_with_anything_but_ascii_digits_is_invalid(inn: str) -> None:
    assert not is_valid_inn(inn)
    with pytest.raises(InvalidInput) as info:
        validate_inn(inn)
    assert info.value.code == "invalid_inn"
    assert info.value.field == "inn"


def test_validate_inn_strips_surrounding_spaces_and_returns_the_digits() -> None:
    assert validate_inn("  7707083893\n") == "7707083893"


def test_is_valid_inn_does_not_strip_spaces() -> None:
    assert not is_valid_inn(" 7707083893")


def test_make_inn10_completes_sberbanks_prefix_with_its_real_check_digit() -> None:
    assert make_inn10("770708389") == "7707083893"
    assert make_inn10("773620754") == "7736207543"


@settings(max_examples=300, database=None)
@given(prefixes)
def test_make_inn10_always_produces_a_valid_inn_that_keeps_the_prefix(prefix: str) -> None:
    inn = make_inn10(prefix)
    assert len(inn) == 10
    assert inn.startswith(prefix)
    assert is_valid_inn(inn)
    assert validate_inn(inn) == inn


@settings(max_examples=300, database=None)
@given(prefixes)
def test_exactly_one_check_digit_completes_nine_digits_to_a_valid_inn(prefix: str) -> None:
    valid = [d for d in "0123456789" if is_valid_inn(prefix + d)]
    assert valid == [make_inn10(prefix)[-1]]
