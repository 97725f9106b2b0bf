"""Resident identity numbers (居民身份证号码), GB 11643-1999.

18 characters: a 6-digit region code (GB/T 2260), an 8-digit birth date YYYYMMDD, a 3-digit sequence
whose last digit is odd for men and even for women, and an ISO 7064 MOD 11-2 check character (0-9 or
X). Identity numbers are real-name data: anything shown to a person or written to a log goes through
:func:`mask`.

Scalar functions serve single values (the API); the ``*_series`` functions are vectorised over
pandas for loaders that check hundreds of thousands of rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)  # 7, 9, 10, 5, …
_CHECK_CHARS = "10X98765432"  # check character for (sum of weighted digits) mod 11
# [0-9], not \d: \d also matches fullwidth and other scripts' digits, which are not ASCII.
_PATTERN = re.compile(r"^[0-9]{17}[0-9X]$")
_EARLIEST_BIRTH = date(1880, 1, 1)  # the oldest published sample number is 1880


@dataclass(frozen=True)
class IdentityInfo:
    """What an identity number says about its holder."""

    region: str  # 6-digit region code
    birth_date: date
    sex: str  # "M" or "F"


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(d) * int(w) for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalise(value: str) -> str:
    """Strip spaces and upper-case a trailing x, as people type it."""
    return value.strip().upper()


def problem(value: str, today: date | None = None) -> str | None:
    """The rule an identity number breaks, or ``None`` if it is valid.

    Parameters
    ----------
    value : str
        The number as given (a trailing lower-case x is accepted).
    today : date, optional
        Birth dates after this day are rejected; defaults to the current date.
    """
    text = normalise(value)
    if len(text) != 18:
        return f"must have 18 characters, has {len(text)}"
    if not _PATTERN.match(text):
        return "must be 17 digits followed by a digit or X"
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return "birth date (characters 7-14) is not a real date"
    if born < _EARLIEST_BIRTH or born > (today or date.today()):
        return "birth date (characters 7-14) is out of range"
    if check_character(text[:17]) != text[17]:
        return "check character does not match (ISO 7064 MOD 11-2)"
    return None


def is_valid(value: str, today: date | None = None) -> bool:
    """Whether ``value`` is a valid 18-digit identity number."""
    return problem(value, today) is None


def parse(value: str) -> IdentityInfo:
    """Region, birth date and sex of a valid number; ``ValueError`` naming the rule if invalid."""
    reason = problem(value)
    if reason is not None:
        raise ValueError(f"invalid identity number {mask(value)}: {reason}")
    text = normalise(value)
    born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    return IdentityInfo(region=text[:6], birth_date=born, sex="M" if int(text[16]) % 2 else "F")


def mask(value: object) -> str:
    """Show the region prefix and the last four characters only: ``2101**********123X``."""
    text = normalise(str(value))
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def mask_series(values: pd.Series) -> pd.Series:
    """:func:`mask` over a column."""
    text = values.astype("string").str.strip().str.upper()
    length = text.str.len()
    return text.str[:4] + length.sub(8).clip(lower=0).map(lambda n: "*" * int(n)) + text.str[-4:]


def problems_series(values: pd.Series, today: date | None = None) -> pd.Series:
    """Vectorised :func:`problem`: the broken rule per row, ``<NA>`` where the number is valid."""
    text = values.astype("string").fillna("").str.strip().str.upper()
    result = pd.Series(pd.NA, index=values.index, dtype="string")

    wrong_length = text.str.len() != 18
    result[wrong_length] = "must have 18 characters"
    shape_ok = text.str.fullmatch(r"[0-9]{17}[0-9X]").fillna(False).astype(bool)
    result[~wrong_length & ~shape_ok] = "must be 17 digits followed by a digit or X"

    candidates = shape_ok & ~wrong_length
    if not candidates.any():
        return result
    ok_text = text[candidates]
    born = pd.to_datetime(ok_text.str[6:14], format="%Y%m%d", errors="coerce")
    upper = pd.Timestamp(today or date.today())
    bad_date = born.isna()
    result[bad_date[bad_date].index] = "birth date (characters 7-14) is not a real date"
    out_of_range = ~bad_date & ((born < pd.Timestamp(_EARLIEST_BIRTH)) | (born > upper))
    result[out_of_range[out_of_range].index] = "birth date (characters 7-14) is out of range"

    raw = np.frombuffer("".join(ok_text.str[:17].tolist()).encode("ascii"), dtype=np.uint8)
    digits = (raw.astype(np.int64) - ord("0")).reshape(-1, 17)
    expected = np.array(list(_CHECK_CHARS))[(digits @ _WEIGHTS) % 11]
    bad_check = pd.Series(expected != ok_text.str[17].to_numpy(), index=ok_text.index)
    bad_check &= ~bad_date & ~out_of_range
    result[bad_check[bad_check].index] = "check character does not match (ISO 7064 MOD 11-2)"
    return result


def birth_dates_series(values: pd.Series) -> pd.Series:
    """Birth dates (datetime64) encoded in valid numbers; ``NaT`` where unreadable."""
    text = values.astype("string").str.strip()
    return pd.to_datetime(text.str[6:14], format="%Y%m%d", errors="coerce")


def sexes_series(values: pd.Series) -> pd.Series:
    """ "M"/"F" from the sequence digit's parity; ``<NA>`` where unreadable."""
    digit = pd.to_numeric(values.astype("string").str[16], errors="coerce")
    return digit.map(lambda d: pd.NA if pd.isna(d) else ("M" if int(d) % 2 else "F")).astype(
        "string"
    )


def make(region: str, birth_date: date, sequence: int) -> str:
    """Build a valid number; ``sequence`` is 0-999 and its parity gives the sex (odd = male)."""
    if not (len(region) == 6 and region.isdigit()):
        raise ValueError("region must be 6 digits")
    if not 0 <= sequence <= 999:
        raise ValueError("sequence must be in 0..999")
    first17 = f"{region}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def make_array(
    regions: np.ndarray, birth_yyyymmdd: np.ndarray, sequences: np.ndarray
) -> np.ndarray:
    """Vectorised :func:`make`: arrays of int region, int YYYYMMDD and int sequence."""
    first17 = np.char.add(
        np.char.add(regions.astype("U6"), birth_yyyymmdd.astype("U8")),
        np.char.zfill(sequences.astype("U3"), 3),
    )
    raw = first17.astype("S17").view(np.uint8).reshape(-1, 17).astype(np.int64) - ord("0")
    checks = np.array(list(_CHECK_CHARS))[(raw @ _WEIGHTS) % 11]
    return np.char.add(first17, checks)
