"""Realistic noise on free text, so that exact matching fails and fuzzy matching matters.

Counsellors and employers type titles and skills by hand: they use synonyms and variant wording,
make input-method typos (a homophone or a dropped character), type full-width letters and
digits, add decorations such as 【急聘】 or （双休）, and leave stray spaces. Each function takes a
string Series and the generator's ``numpy.random.Generator`` and changes a random share of rows;
all work is vectorised over rows (loops run over the handful of variants, never over rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Decorations job ads put around a title.
TITLE_PREFIXES: tuple[str, ...] = ("【急聘】", "诚聘", "急招", "【高薪】", "招聘", "[急]", "★")
TITLE_SUFFIXES: tuple[str, ...] = (
    "（双休）",
    "(五险一金)",
    "【包吃住】",
    "（长期）",
    "(男女不限)",
    "若干名",
    "2名",
    "（可实习）",
    "-急",
)
# What seekers write around what they want.
WISH_PREFIXES: tuple[str, ...] = ("求职:", "意向：", "应聘", "想找")
WISH_SUFFIXES: tuple[str, ...] = ("工作", "类", "相关", "均可", "优先", "（有经验）")

# Input-method homophones and look-alikes: (intended, typed).
TYPOS: tuple[tuple[str, str], ...] = (
    ("员", "园"),
    ("保", "宝"),
    ("洁", "结"),
    ("管", "官"),
    ("理", "里"),
    ("修", "休"),
    ("计", "记"),
    ("技", "即"),
    ("维", "唯"),
    ("务", "物"),
    ("销", "消"),
    ("售", "受"),
    ("护", "户"),
    ("助", "住"),
    ("工", "公"),
    ("安", "按"),
    ("师", "施"),
    ("装", "庄"),
    ("服", "伏"),
    ("导", "道"),
    ("检", "简"),
    ("区", "曲"),
)

_FULL_WIDTH = str.maketrans(
    {chr(code): chr(code + 0xFEE0) for code in range(0x21, 0x7F)} | {" ": "\u3000"}
)


def _pick(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    return rng.random(n) < rate


def decorate(
    texts: pd.Series,
    rng: np.random.Generator,
    rate: float,
    prefixes: tuple[str, ...] = TITLE_PREFIXES,
    suffixes: tuple[str, ...] = TITLE_SUFFIXES,
) -> pd.Series:
    """Add a prefix, a suffix or both to a ``rate`` share of rows."""
    n = len(texts)
    chosen = _pick(rng, n, rate)
    where = rng.integers(0, 3, n)  # 0 prefix, 1 suffix, 2 both
    prefix = np.asarray(prefixes, dtype=object)[rng.integers(0, len(prefixes), n)]
    suffix = np.asarray(suffixes, dtype=object)[rng.integers(0, len(suffixes), n)]
    prefix = np.where(chosen & (where != 1), prefix, "")
    suffix = np.where(chosen & (where != 0), suffix, "")
    return pd.Series(prefix, index=texts.index) + texts + pd.Series(suffix, index=texts.index)


def typo(texts: pd.Series, rng: np.random.Generator, rate: float) -> pd.Series:
    """Replace one character by a homophone, or drop one, in about a ``rate`` share of rows.

    Rows without a character the homophone table knows get a dropped character instead.
    """
    n = len(texts)
    chosen = _pick(rng, n, rate)
    result = texts.copy()
    if not chosen.any():
        return result
    subset = texts[chosen]
    changed = pd.Series(False, index=subset.index)
    for intended, typed in TYPOS:
        has = subset.str.contains(intended, regex=False) & ~changed
        if has.any():
            subset = subset.where(~has, subset.str.replace(intended, typed, n=1, regex=False))
            changed |= has
    # Drop a character (never from one- or two-character texts, which would lose their meaning).
    rest = ~changed & (subset.str.len() > 2)
    positions = rng.integers(1, 3, len(subset))
    for position in (1, 2):
        at = rest & (positions == position)
        if at.any():
            dropped = subset.str.slice(0, position) + subset.str.slice(position + 1)
            subset = subset.where(~at, dropped)
    result[chosen] = subset
    return result


def full_width(texts: pd.Series, rng: np.random.Generator, rate: float) -> pd.Series:
    """Turn ASCII letters, digits, punctuation and spaces full-width in a ``rate`` share of rows."""
    chosen = _pick(rng, len(texts), rate)
    result = texts.copy()
    if chosen.any():
        result[chosen] = texts[chosen].str.translate(_FULL_WIDTH)
    return result


def spaces(texts: pd.Series, rng: np.random.Generator, rate: float) -> pd.Series:
    """Add stray spaces (after the first character, leading or trailing) to a ``rate`` share."""
    n = len(texts)
    chosen = _pick(rng, n, rate)
    kind = rng.integers(0, 3, n)
    result = texts.copy()
    inside, leading, trailing = chosen & (kind == 0), chosen & (kind == 1), chosen & (kind == 2)
    if inside.any():
        subset = texts[inside]
        result[inside] = subset.str.slice(0, 1) + " " + subset.str.slice(1)
    if leading.any():
        result[leading] = "  " + texts[leading]
    if trailing.any():
        result[trailing] = texts[trailing] + " "
    return result


def noisy_titles(
    titles: pd.Series,
    rng: np.random.Generator,
    rates: dict[str, float],
    prefixes: tuple[str, ...] = TITLE_PREFIXES,
    suffixes: tuple[str, ...] = TITLE_SUFFIXES,
) -> pd.Series:
    """Apply typos, decorations, full-width characters and spaces in that order.

    ``rates`` gives ``typo_rate``, ``decoration_rate``, ``full_width_rate`` and ``space_rate``.
    """
    out = typo(titles.astype("string"), rng, rates["typo_rate"])
    out = decorate(out, rng, rates["decoration_rate"], prefixes, suffixes)
    out = full_width(out, rng, rates["full_width_rate"])
    return spaces(out, rng, rates["space_rate"])


def synonym_table(
    skills: pd.DataFrame,
) -> tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
    """(skill → row, start, count, variants) so a variant of skill ``s`` is drawn by offset.

    Each skill's block holds its synonyms; skills without synonyms have an empty block.
    """
    variants: list[str] = []
    start = np.zeros(len(skills), dtype=np.int64)
    count = np.zeros(len(skills), dtype=np.int64)
    index: dict[str, int] = {}
    for row, (skill, cell) in enumerate(zip(skills["skill"], skills["synonyms"], strict=True)):
        index[str(skill)] = row
        items = [s.strip() for s in str(cell).split("|") if s.strip()]
        start[row] = len(variants)
        count[row] = len(items)
        variants.extend(items)
    return index, start, count, np.asarray(variants, dtype=object)


def noisy_skills(
    skills: pd.Series,
    table: tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray],
    rng: np.random.Generator,
    synonym_rate: float,
) -> pd.Series:
    """Replace a ``synonym_rate`` share of canonical skills by one of their synonyms."""
    index, start, count, variants = table
    rows = skills.map(index).to_numpy(dtype=float)
    known = ~np.isnan(rows)
    rows_int = np.where(known, rows, 0).astype(np.int64)
    has_synonym = known & (count[rows_int] > 0)
    chosen = has_synonym & (rng.random(len(skills)) < synonym_rate)
    offset = start[rows_int] + np.floor(rng.random(len(skills)) * np.maximum(count[rows_int], 1))
    picked = variants[np.where(chosen, offset, 0).astype(np.int64)] if len(variants) else None
    if picked is None:
        return skills.copy()
    return skills.where(~chosen, pd.Series(picked, index=skills.index))
