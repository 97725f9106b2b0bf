"""The weights table: regions, their need and optional seat bounds, validated and exact.

A weights file (``W.csv``) has columns ``region``, ``weight`` and optionally ``min`` and ``max``
(an empty cell means no bound). Weights are read from their decimal text into
:class:`fractions.Fraction`, so ``0.1`` is exactly one tenth. Every bad cell is reported at once.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import pandas as pd

from matcher.errors import DataValidationError, Problem

REGION = "region"
WEIGHT = "weight"
MINIMUM = "min"
MAXIMUM = "max"
PARENT = "parent"


@dataclass(frozen=True)
class WeightsTable:
    """Validated weights: aligned tuples, exact weights, integer bounds (``None`` = no maximum)."""

    regions: tuple[str, ...]
    weights: tuple[Fraction, ...]
    minimum: tuple[int, ...]
    maximum: tuple[int | None, ...]
    source: str = "weights"

    def __len__(self) -> int:
        return len(self.regions)

    def to_frame(self) -> pd.DataFrame:
        """The table as text columns, exactly as it would be written to a weights file."""
        return pd.DataFrame(
            {
                REGION: list(self.regions),
                WEIGHT: [decimal_text(w) for w in self.weights],
                MINIMUM: [str(v) for v in self.minimum],
                MAXIMUM: ["" if v is None else str(v) for v in self.maximum],
            }
        )


def decimal_text(value: Fraction) -> str:
    """Exact decimal text of a fraction whose denominator is 2**a * 5**b, else ``p/q``."""
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        return f"{value.numerator}/{value.denominator}"
    places = max(twos, fives)
    scaled = value * 10**places
    digits = str(abs(scaled.numerator))
    sign = "-" if value < 0 else ""
    if places == 0:
        return sign + digits
    digits = digits.rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def parse_weight(text: str) -> Fraction | None:
    """A non-negative finite weight from its text (``"12"``, ``"0.35"``, ``"1e3"``, ``"3/2"``)."""
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        return None
    return value


def _parse_count(text: str) -> int | None:
    value = parse_weight(text)
    if value is None or value.denominator != 1:
        return None
    return int(value)


def _cell_text(value: object) -> str:
    # Numbers from a frame are converted through their shortest text, never their binary value.
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def weights_from_frame(frame: pd.DataFrame, *, source: str = "weights") -> WeightsTable:
    """Validate a weights frame and return it exact.

    Parameters
    ----------
    frame : DataFrame
        Columns ``region``, ``weight``, optionally ``min`` and ``max``; text or number cells.
    source : str
        File name used in error messages.

    Raises
    ------
    DataValidationError
        Listing every problem: missing columns, empty or duplicate regions, non-numeric or
        negative weights, bounds that are not whole numbers >= 0, ``max`` below ``min``, no
        regions, weights summing to zero.
    """
    problems: list[Problem] = []
    for column in (REGION, WEIGHT):
        if column not in frame.columns:
            problems.append(Problem(source, None, column, None, "required column is missing"))
    if problems:
        raise DataValidationError(problems)
    if len(frame) == 0:
        raise DataValidationError([Problem(source, None, None, None, "there are no regions")])

    regions: list[str] = []
    weights: list[Fraction] = []
    minimum: list[int] = []
    maximum: list[int | None] = []
    first_row: dict[str, int] = {}
    has_min, has_max = MINIMUM in frame.columns, MAXIMUM in frame.columns
    for position, record in enumerate(frame.to_dict("records")):
        row = position + 2  # the header is spreadsheet row 1
        region = _cell_text(record[REGION])
        if not region:
            problems.append(Problem(source, row, REGION, region, "region must not be empty"))
        elif region in first_row:
            problems.append(
                Problem(
                    source,
                    row,
                    REGION,
                    region,
                    f"duplicate region (first on row {first_row[region]})",
                )
            )
        else:
            first_row[region] = row
        weight_text = _cell_text(record[WEIGHT])
        weight = parse_weight(weight_text)
        if weight is None:
            problems.append(Problem(source, row, WEIGHT, weight_text, "weight must be a number"))
            weight = Fraction(0)
        elif weight < 0:
            problems.append(
                Problem(source, row, WEIGHT, weight_text, "weight must not be negative")
            )
        low = 0
        if has_min and (low_text := _cell_text(record[MINIMUM])):
            parsed = _parse_count(low_text)
            if parsed is None or parsed < 0:
                problems.append(
                    Problem(source, row, MINIMUM, low_text, "min must be a whole number >= 0")
                )
            else:
                low = parsed
        high: int | None = None
        if has_max and (high_text := _cell_text(record[MAXIMUM])):
            parsed = _parse_count(high_text)
            if parsed is None or parsed < 0:
                problems.append(
                    Problem(source, row, MAXIMUM, high_text, "max must be a whole number >= 0")
                )
            elif parsed < low:
                problems.append(
                    Problem(source, row, MAXIMUM, high_text, f"max is below min ({low})")
                )
            else:
                high = parsed
        regions.append(region)
        weights.append(weight)
        minimum.append(low)
        maximum.append(high)
    if not problems and sum(weights) == 0:
        problems.append(
            Problem(source, None, WEIGHT, None, "weights sum to zero: there is no need to share by")
        )
    if problems:
        raise DataValidationError(problems)
    return WeightsTable(tuple(regions), tuple(weights), tuple(minimum), tuple(maximum), source)


def read_csv_text(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV (UTF-8) with every cell as text, so no number passes through a float.

    Raises
    ------
    DataValidationError
        The file is missing or is not a readable CSV.
    """
    target = Path(path)
    try:
        frame = pd.read_csv(target, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError as error:
        raise DataValidationError(
            [Problem(target.name, None, None, None, "file not found")]
        ) from error
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataValidationError(
            [Problem(target.name, None, None, None, f"not a readable CSV file: {error}")]
        ) from error
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def read_weights(path: str | os.PathLike[str]) -> WeightsTable:
    """Read and validate a weights CSV (see :func:`weights_from_frame`)."""
    return weights_from_frame(read_csv_text(path), source=Path(path).name)


# ---------------------------------------------------------------------------------------------
# bound presets: every city at least N, nobody above M % of the total, a top-up for some regions


def with_minimum_each(table: WeightsTable, seats: int) -> WeightsTable:
    """Raise every region's minimum to at least ``seats``.

    A maximum below ``seats`` is a conflict in the input and is reported, not silently raised.
    """
    problems = [
        Problem(table.source, None, MAXIMUM, str(high), f"max of {region} is below --min-each")
        for region, high in zip(table.regions, table.maximum, strict=True)
        if high is not None and high < seats
    ]
    if problems:
        raise DataValidationError(problems)
    return replace(table, minimum=tuple(max(low, seats) for low in table.minimum))


def with_max_share(table: WeightsTable, total: int, percent: Fraction) -> WeightsTable:
    """Cap every region at ``floor(percent / 100 * total)`` seats (keeping any lower maximum)."""
    cap = math.floor(percent * total / 100)
    problems = [
        Problem(
            table.source, None, MINIMUM, str(low), f"min of {region} is above the {percent}% cap"
        )
        for region, low in zip(table.regions, table.minimum, strict=True)
        if low > cap
    ]
    if problems:
        raise DataValidationError(problems)
    return replace(
        table, maximum=tuple(cap if high is None else min(high, cap) for high in table.maximum)
    )


def with_topup(table: WeightsTable, regions: Iterable[str], percent: Fraction) -> WeightsTable:
    """Multiply the weight of ``regions`` by ``1 + percent / 100`` (e.g. a Liaoxibei top-up)."""
    chosen = set(regions)
    factor = 1 + percent / 100
    return replace(
        table,
        weights=tuple(
            w * factor if r in chosen else w
            for r, w in zip(table.regions, table.weights, strict=True)
        ),
    )
