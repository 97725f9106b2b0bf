"""Small vectorised drawing helpers shared by the generator's modules."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder, ties by
    order), so a city's share is exact to one unit and does not depend on the seed."""
    weights = np.asarray(weights, dtype=float)
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    quotas = total * weights / weights.sum()
    counts = np.floor(quotas).astype(np.int64)
    remainder = total - int(counts.sum())
    order = np.argsort(-(quotas - counts), kind="stable")
    counts[order[:remainder]] += 1
    return counts


def from_blocks(
    rng: np.random.Generator, block: np.ndarray, start: np.ndarray, count: np.ndarray
) -> np.ndarray:
    """For each row, a uniform random position inside block ``block[row]`` of a sorted array
    whose blocks begin at ``start`` and hold ``count`` items (every block must be non-empty)."""
    offset = np.floor(rng.random(len(block)) * count[block]).astype(np.int64)
    return start[block] + offset


def choice(rng: np.random.Generator, options: object, n: int, p: object = None) -> np.ndarray:
    """``n`` draws from the sequence ``options`` (with replacement), optionally weighted."""
    values = np.asarray(options)
    weights = None if p is None else np.asarray(p, dtype=float)
    return values[rng.choice(len(values), size=n, p=weights)]


def day(value: date) -> np.datetime64:
    """A date as ``datetime64[D]``."""
    return np.datetime64(value, "D")


def days_between(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A uniform random day in ``[low, high]`` per row (``datetime64[D]`` arrays)."""
    low_i = np.asarray(low, dtype="datetime64[D]").astype(np.int64)
    high_i = np.asarray(high, dtype="datetime64[D]").astype(np.int64)
    span = np.maximum(high_i - low_i, 0) + 1
    return (low_i + np.floor(rng.random(len(low_i)) * span).astype(np.int64)).astype(
        "datetime64[D]"
    )


def years_before(reference: date, years: int) -> np.datetime64:
    """The day ``years`` years before ``reference`` (29 February falls back to the 28th)."""
    try:
        return day(reference.replace(year=reference.year - years))
    except ValueError:
        return day(reference.replace(year=reference.year - years, day=28))


def join_columns(columns: list[pd.Series], present: list[np.ndarray]) -> pd.Series:
    """Join up to k string columns with ``|`` where ``present``; rows with none become <NA>."""
    result = pd.Series("", index=columns[0].index, dtype="string")
    for column, mask in zip(columns, present, strict=True):
        mask_s = pd.Series(mask, index=column.index)
        separator = pd.Series(np.where(result.str.len() > 0, "|", ""), index=column.index)
        joined = result + separator.astype("string") + column.astype("string")
        result = result.where(~mask_s, joined)
    return result.where(result.str.len() > 0, pd.NA)


def ids(prefix: str, n: int, width: int = 7) -> np.ndarray:
    """``prefix`` followed by 1..n zero-padded to ``width`` digits: H0000001, H0000002, …"""
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width))
