"""Reference data shipped in ``data/``: the one place every module reads these facts from.

Tables are read lazily (never at import) and cached. ``MATCHER_DATA_DIR`` points elsewhere.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pandas as pd

_REPO_DATA = Path(__file__).resolve().parent.parent / "data"


def data_dir() -> Path:
    """Directory holding the reference data (``MATCHER_DATA_DIR`` or the repository's ``data/``)."""
    return Path(os.environ.get("MATCHER_DATA_DIR", _REPO_DATA))


@cache
def _read_csv(name: str) -> pd.DataFrame:
    return pd.read_csv(data_dir() / name, dtype=str, keep_default_na=False, encoding="utf-8")


def cities() -> pd.DataFrame:
    """The 14 prefecture-level cities: ``code`` (str, GB/T 2260 first 4 digits), ``name``,
    ``pinyin``, ``english``, ``liaoxibei`` (bool), ``large`` (bool), ``population_millions``."""
    table = _read_csv("cities.csv").copy()
    table["liaoxibei"] = table["liaoxibei"] == "1"
    table["large"] = table["large"] == "1"
    table["population_millions"] = table["population_millions"].astype(float)
    return table


def city_codes() -> list[str]:
    """City codes in official order."""
    return cities()["code"].tolist()


def city_label(code: str) -> str:
    """'沈阳 Shenyang' for '2101'; the code itself if unknown."""
    row = cities().set_index("code")
    if code not in row.index:
        return code
    return f"{row.at[code, 'name']} {row.at[code, 'pinyin']}"
