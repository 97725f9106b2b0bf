"""Resident identity numbers (GB 11643): hand cases and properties."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import idnumber

# Published sample numbers whose check characters are known.
KNOWN_VALID = ["11010519491231002X", "440524188001010014", "110101199003074477"]


@pytest.mark.parametrize("number", KNOWN_VALID)
def test_known_valid_numbers(number: str) -> None:
    assert idnumber.problem(number) is None


def test_parse_reads_region_birth_date_and_sex() -> None:
    info = idnumber.parse("11010519491231002X")
    assert info.region == "110105"
    assert info.birth_date == date(1949, 12, 31)
    assert info.sex == "F"  # sequence 002: even
    assert idnumber.parse("440524188001010014").sex == "M"  # sequence 001: odd


def test_lower_case_x_and_spaces_are_accepted() -> None:
    assert idnumber.is_valid(" 11010519491231002x ")


@pytest.mark.parametrize(
    ("number", "rule"),
    [
        ("11010519491231002", "must have 18 characters"),
        ("1101051949123100X2", "must be 17 digits followed by a digit or X"),
        ("11010519490230002X", "not a real date"),  # 30 February
        ("11010518700101002X", "out of range"),
        ("11010519491231002Y", "must be 17 digits"),
        ("110105194912310021", "check character does not match"),
    ],
)
def test_invalid_numbers_name_their_rule(number: str, rule: str) -> None:
    assert rule in (idnumber.problem(number) or "")
    with pytest.raises(ValueError, match=rule.split(" ")[0]):
        idnumber.parse(number)


def test_future_birth_date_is_rejected_against_today() -> None:
    number = idnumber.make("210102", date(2009, 6, 1), 11)
    assert idnumber.problem(number, today=date(2009, 3, 2)) is not None
    assert idnumber.problem(number, today=date(2010, 1, 1)) is None


def test_x_check_character() -> None:
    # Find a sequence whose check character is X and check it validates.
    for sequence in range(1000):
        number = idnumber.make("210102", date(1970, 1, 1), sequence)
        if number.endswith("X"):
            break
    assert number.endswith("X") and idnumber.is_valid(number)
    assert not idnumber.is_valid(number[:-1] + "0")


def test_mask_never_shows_birth_date_or_sequence() -> None:
    assert idnumber.mask("11010519491231002X") == "1101**********002X"
    assert idnumber.mask("123") == "***"


regions = st.sampled_from(["210102", "210202", "210302", "211402", "211421"])
births = st.dates(min_value=date(1920, 1, 1), max_value=date(2008, 12, 31))
sequences = st.integers(min_value=0, max_value=999)


@settings(max_examples=300, deadline=None)
@given(regions, births, sequences)
def test_made_numbers_are_valid_and_round_trip(region: str, born: date, sequence: int) -> None:
    number = idnumber.make(region, born, sequence)
    info = idnumber.parse(number)
    assert (info.region, info.birth_date) == (region, born)
    assert info.sex == ("M" if sequence % 2 else "F")


@settings(max_examples=300, deadline=None)
@given(regions, births, sequences, st.integers(min_value=0, max_value=16), st.integers(1, 9))
def test_any_single_digit_change_is_caught(
    region: str, born: date, sequence: int, position: int, delta: int
) -> None:
    number = idnumber.make(region, born, sequence)
    digit = (int(number[position]) + delta) % 10
    changed = number[:position] + str(digit) + number[position + 1 :]
    assert not idnumber.is_valid(changed, today=date(2100, 1, 1))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(regions, births, sequences), min_size=1, max_size=30))
def test_vectorised_functions_agree_with_scalar(people: list[tuple[str, date, int]]) -> None:
    numbers = [idnumber.make(r, b, s) for r, b, s in people]
    # corrupt every third number's check character
    numbers = [
        n[:-1] + ("0" if n[-1] != "0" else "1") if i % 3 == 0 else n for i, n in enumerate(numbers)
    ]
    series = pd.Series(numbers)
    vectorised = idnumber.problems_series(series).tolist()
    scalar = [idnumber.problem(n) for n in numbers]
    assert [v if isinstance(v, str) else None for v in vectorised] == scalar
    made = idnumber.make_array(
        np.array([int(r) for r, _, _ in people]),
        np.array([int(b.strftime("%Y%m%d")) for _, b, _ in people]),
        np.array([s for _, _, s in people]),
    )
    assert made.tolist() == [idnumber.make(r, b, s) for r, b, s in people]
    assert idnumber.mask_series(series).tolist() == [idnumber.mask(n) for n in numbers]
