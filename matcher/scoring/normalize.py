"""Normalise free-text job titles so that the same job written differently compares equal.

Recruitment titles arrive as ``"【急聘】社区保洁员（双休）"``, ``"社区 保洁員"`` or
``"ＣＡＤ制图员"``: full-width Latin, traditional or variant characters, decorations in
brackets, advertising words and stray punctuation. :func:`normalize_title` removes all of that;
:func:`segment` splits Chinese into words with jieba, because rapidfuzz's token scorers split on
spaces only and would treat an unsegmented Chinese title as a single token.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import jieba

# Longer inputs are cut: a title is a few words, and a pasted job description must not make
# every scorer quadratic in its length.
MAX_TITLE_CHARS = 64

# Traditional and common variant forms seen in titles → the simplified standard form. A small,
# deliberate table (not a full converter): the characters that occur in job titles.
_VARIANTS = str.maketrans(
    {
        "員": "员",
        "師": "师",
        "務": "务",
        "區": "区",
        "銷": "销",
        "運": "运",
        "專": "专",
        "業": "业",
        "計": "计",
        "會": "会",
        "護": "护",
        "醫": "医",
        "導": "导",
        "車": "车",
        "機": "机",
        "電": "电",
        "維": "维",
        "廚": "厨",
        "衛": "卫",
        "經": "经",
        "營": "营",
        "藥": "药",
        "裝": "装",
        "記": "记",
        "財": "财",
        "幹": "干",
        "設": "设",
        "駕": "驾",
        "駛": "驶",
        "檢": "检",
        "驗": "验",
        "綜": "综",
        "網": "网",
        "絡": "络",
        "農": "农",
        "術": "术",
        "環": "环",
        "開": "开",
        "發": "发",
        "養": "养",
        "園": "园",
        "項": "项",
        "資": "资",
        "質": "质",
        "學": "学",
        "數": "数",
        "據": "据",
        "貨": "货",
        "產": "产",
        "價": "价",
        "觀": "观",
        "調": "调",
        "輔": "辅",
        "勞": "劳",
        "動": "动",
        "門": "门",
        "鐘": "钟",
        "點": "点",
        "廣": "广",
        "場": "场",
        "館": "馆",
        "樂": "乐",
        "練": "练",
        "與": "与",
        "長": "长",
        "監": "监",
        "總": "总",
        "統": "统",
        "體": "体",
        "製": "制",
        "圖": "图",
        "縫": "缝",
        "紉": "纫",
        "錶": "表",
        "鍋": "锅",
        "爐": "炉",
        "銲": "焊",
        "鉗": "钳",
        "掃": "扫",
        "潔": "洁",
        "綠": "绿",
        "稅": "税",
        "帳": "账",
        "賬": "账",
        "倉": "仓",
        "儲": "储",
        "廳": "厅",
        "飯": "饭",
        "傳": "传",
        "遞": "递",
        "訊": "讯",
        "話": "话",
        "視": "视",
        "頻": "频",
        "攝": "摄",
        "藝": "艺",
        "線": "线",
        "鋼": "钢",
        "鐵": "铁",
        "礦": "矿",
        "糧": "粮",
        "裏": "里",
        "裡": "里",
        "着": "着",
        "彫": "雕",
        "鑑": "鉴",
        "鑒": "鉴",
        "衞": "卫",
        "〇": "零",
    }
)

# Paired brackets whose content is decoration in a recruitment title: （双休） 【急聘】 [包吃住]
# 〔长期〕 「日结」 『五险一金』 <可兼职>. After NFKC the full-width round and square brackets are
# already ASCII; the CJK ones stay.
_BRACKETS = re.compile(
    r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕|「[^「」]*」|『[^『』]*』|<[^<>]*>|〖[^〖〗]*〗"
)
_BRACKET_CHARS = re.compile(r"[()\[\]【】〔〕「」『』<>〖〗《》]")

# Advertising words that precede or follow the real title ("急聘保洁员", "保安 包吃住").
_DECORATION_WORDS = (
    "高薪诚聘",
    "高薪急聘",
    "高薪招聘",
    "长期招聘",
    "急聘",
    "诚聘",
    "急招",
    "直招",
    "招聘",
    "高薪",
    "包吃住",
    "包食宿",
    "五险一金",
    "双休",
    "日结",
    "周结",
    "长期",
    "可兼职",
    "兼职",
    "不限经验",
    "无需经验",
    "可培训",
    "若干名",
    "若干",
    "数名",
)
_LEADING = re.compile("^(?:" + "|".join(sorted(_DECORATION_WORDS, key=len, reverse=True)) + ")+")
_TRAILING = re.compile("(?:" + "|".join(sorted(_DECORATION_WORDS, key=len, reverse=True)) + ")+$")
_COUNT_SUFFIX = re.compile(r"\d+\s*(?:名|人|位)$")

# Everything that is not a letter, digit or CJK ideograph separates words.
_SEPARATORS = re.compile(r"[^\w\u3400-\u4dbf\u4e00-\u9fff]+|_")
_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
# Punctuation between two ideographs separates alternatives ("财务主管/总账主管"). It is written
# "/", never a space: a space between ideographs is typing noise that the next pass would join,
# so only a separator that survives a second pass keeps the normal form a fixed point.
_ALTERNATIVES = "/"
_PLACEHOLDER = "\ue000"  # private use: marks an alternatives separator while others become spaces
_SEPARATOR_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])(?:[^\w{_CJK}]|_)+(?=[{_CJK}])")
_OTHER_SEPARATORS = re.compile(rf"[^\w{_CJK}{_PLACEHOLDER}]+|_")
# A space between two ideographs carries no meaning in Chinese ("社区 保洁员" = "社区保洁员").
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_HAS_CJK = re.compile(rf"[{_CJK}]")
_HAS_LATIN_OR_DIGIT = re.compile(r"[a-z0-9]")

Script = Literal["empty", "chinese", "latin", "mixed", "other"]


def normalize_title(text: object, *, trim_decorations: bool = True) -> str:
    """Return the comparable form of a job title.

    Steps, in order: NFKC (full-width → half-width), lower case, variant and traditional
    characters → simplified, bracketed decorations removed (unless the whole title is in
    brackets), advertising words and head-counts at either end removed, spaces between Chinese
    characters removed, punctuation between them → "/" (alternatives), other punctuation →
    space, whitespace collapsed, length capped at :data:`MAX_TITLE_CHARS`. The result is a
    fixed point: normalising it again changes nothing.

    Parameters
    ----------
    text : object
        The title; ``None``, ``NaN`` and non-strings give ``""``.
    trim_decorations : bool
        Remove advertising words and head-counts at either end. ``False`` leaves them for a
        caller that decides itself (:func:`matcher.scoring.adtitle.clean_title` keeps
        ``招聘专员`` whole).

    Returns
    -------
    str
        The normalised title, possibly empty.

    Examples
    --------
    >>> normalize_title("【急聘】社区保洁員（双休）")
    '社区保洁员'
    >>> normalize_title("ＣＡＤ 制图员")
    'cad 制图员'
    """
    if not isinstance(text, str):
        return ""
    return _normalize_text(text, trim_decorations)


@lru_cache(maxsize=1 << 18)
def _normalize_text(text: str, trim_decorations: bool = True) -> str:
    # Titles repeat a lot (the same alias typed by thousands of seekers): cache the work.
    # Cap before the regular expressions run so a pasted essay costs the same as a title.
    value = unicodedata.normalize("NFKC", text[: MAX_TITLE_CHARS * 4]).lower().translate(_VARIANTS)
    value = value.replace(_PLACEHOLDER, " ")  # the marker below must not come from the input
    stripped = value
    # Nested brackets: strip innermost first, a few rounds are enough for real titles.
    for _ in range(3):
        new = _BRACKETS.sub(" ", stripped)
        if new == stripped:
            break
        stripped = new
    if not _SEPARATORS.sub("", stripped):
        # The whole title was decoration-shaped ("【保洁员】"): keep its content instead.
        stripped = value
    # Whitespace typed between ideographs is noise, but punctuation between them separates
    # alternatives ("财务主管/总账主管"), so join the former before the latter becomes a space.
    value = _SPACE_BETWEEN_CJK.sub("", stripped)
    value = _BRACKET_CHARS.sub(" ", value)
    value = _SEPARATOR_BETWEEN_CJK.sub(_PLACEHOLDER, value)
    value = _OTHER_SEPARATORS.sub(" ", value).strip()
    value = " ".join(value.split()).replace(_PLACEHOLDER, _ALTERNATIVES)
    for pattern in (_LEADING, _TRAILING, _COUNT_SUFFIX) if trim_decorations else ():
        trimmed = pattern.sub("", value).strip()
        if trimmed:  # never trim a title down to nothing ("招聘" alone stays "招聘")
            value = trimmed
    return value[:MAX_TITLE_CHARS].strip(" " + _ALTERNATIVES)


def title_script(normalized: str) -> Script:
    """Classify a normalised title by script, to count odd inputs in summaries.

    Returns ``"empty"``, ``"chinese"``, ``"latin"`` (Latin letters or digits only), ``"mixed"``
    or ``"other"`` (neither Chinese nor Latin, e.g. Cyrillic or emoji only).
    """
    if not normalized:
        return "empty"
    has_cjk = bool(_HAS_CJK.search(normalized))
    has_latin = bool(_HAS_LATIN_OR_DIGIT.search(normalized))
    if has_cjk and has_latin:
        return "mixed"
    if has_cjk:
        return "chinese"
    if has_latin and normalized.isascii():
        return "latin"
    return "mixed" if has_latin else "other"


@cache
def _tokenizer() -> jieba.Tokenizer:
    import jieba

    # jieba announces dictionary loading on its own logger; library code stays silent.
    logging.getLogger("jieba").setLevel(logging.WARNING)
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


@lru_cache(maxsize=65536)
def segment(normalized: str) -> str:
    """Split a normalised title into space-separated words for rapidfuzz's token scorers.

    Chinese runs are cut with jieba (precise mode, no HMM so the result depends only on the
    dictionary); Latin words are kept whole.

    >>> segment("社区保洁员")
    '社区 保洁员'
    """
    if not normalized:
        return ""
    if not _HAS_CJK.search(normalized):
        return normalized
    words = _tokenizer().lcut(normalized, HMM=False)
    return " ".join(word for word in (w.strip() for w in words) if word)


def normalize_many(texts: Iterable[object]) -> list[str]:
    """:func:`normalize_title` over many titles, computing each distinct title once."""
    seen: dict[object, str] = {}
    result: list[str] = []
    for text in texts:
        key = text if isinstance(text, str) else None
        if key not in seen:
            seen[key] = normalize_title(text)
        result.append(seen[key])
    return result
