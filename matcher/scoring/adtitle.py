"""Strip the recruiting wrapper from a real recruitment-ad title, keeping the words of the job.

Real ads put the role inside a wrapper: the employer (``高唐乐客咖啡店招聘咖啡师``), a place
(``法务岗（深圳）``, ``新泰市场推广经理``), pay and benefits (``轮滑教练+5000底薪``,
``招生顾问双休不加班``), several roles in one title (``汽修学徒，中工，小工，美容``) and slogans.
:func:`clean_title` removes that wrapper with general rules, not a lookup of known titles:

1. :func:`~matcher.scoring.normalize.normalize_title`'s character work (NFKC, lower case,
   variant characters, bracketed decorations).
2. Text up to a recruiting verb (``…招聘``, ``诚聘``, ``急招``, a leading ``招``) is the employer
   and is dropped, unless the verb is part of the role (``招聘专员``, ``招商经理``).
3. The title is cut into segments at list punctuation (``+ ， 、 / - 空格`` …); segments that are
   only pay, benefits, places or slogans are dropped and the same words are trimmed from the ends
   of the others.
4. Segments that end like a role (``…员``, ``…经理``, ``…岗`` …) are kept as ``/``
   alternatives, so a list of roles stays a list and an employer segment goes
   (``甜啦啦-会计``); with no such segment the first one names the job.

The place names are the place words of jieba's dictionary that never occur in an occupation
name or alias of the shipped vocabulary (so ``长安`` or ``中山`` are not taken for places when they
are part of a job name). The wrapper words were read off the development titles' most common
non-job words and general recruiting language; the list is in :data:`WRAPPER_WORDS`.

The result is a fixed point: cleaning a cleaned title changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path

from matcher.scoring.normalize import MAX_TITLE_CHARS, normalize_title

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"

# Pay, benefit and slogan words seen around roles in recruitment ads. Trimmed from the ends of a
# segment (repeatedly) and dropping a segment that consists of nothing else.
WRAPPER_WORDS: tuple[str, ...] = (
    "高薪诚聘",
    "高薪急聘",
    "高薪招聘",
    "长期招聘",
    "高薪",
    "月入过万",
    "月薪过万",
    "过万",
    "包吃住",
    "包食宿",
    "包住",
    "包吃",
    "管吃住",
    "员工餐",
    "五险一金",
    "六险一金",
    "五险",
    "六险",
    "社保",
    "带薪年假",
    "年终奖",
    "奖金",
    "周末双休",
    "双休",
    "单休",
    "做五休二",
    "不加班",
    "朝九晚六",
    "朝九晚五",
    "早九晚六",
    "日结",
    "周结",
    "月结",
    "长期",
    "可兼职",
    "兼职",
    "全职",
    "副业",
    "不限经验",
    "经验不限",
    "无需经验",
    "无经验要求",
    "无经验",
    "零经验",
    "接受零经验",
    "接受小白",
    "可小白",
    "小白",
    "可实习",
    "实习可转正",
    "可转正",
    "可培训",
    "包培训",
    "带教",
    "有带教",
    "无责底薪",
    "底薪",
    "高提成",
    "提成",
    "无责",
    "保底",
    "轻松",
    "工作轻松",
    "稳定",
    "上市公司",
    "大专",
    "本科",
    "统招本科",
    "可居家",
    "居家",
    "地铁口",
    "不出差",
    "无销售性质",
    "无销售",
    "非销售",
    "男女不限",
    "若干名",
    "若干",
    "数名",
    "急",
    "热招",
    "火热招聘",
    "hot",
)

# Money and head-counts: "5000", "8k", "20w", "1.5万", "7800+", "3-5k", "6000元/月", "5名".
_AMOUNT = r"\d+(?:\.\d+)?\s*(?:k|w|万|千|元|块)?"
_PAY = re.compile(
    rf"(?:月薪|年薪|底薪|无责底薪|保底|月入|年入|综合薪资|薪资|薪酬|工资|日薪|时薪|提成)?"
    rf"{_AMOUNT}(?:\s*[-~至到]\s*{_AMOUNT})?(?:/(?:月|天|年|小时)|每月|一个月)?"
    rf"(?:\+|以上|起|左右)*(?:底薪|提成)?"
)
_HEAD_COUNT = re.compile(r"\d+\s*(?:名|人|位)")
# A bare number of three or more digits is pay, a job id or a phone number, never a role; a
# shorter one may be part of a role ("3d建模师", "5g工程师"), so it is kept.
_LONG_NUMBER = re.compile(r"\d{3,}")

# Recruiting verbs: what comes before them is the employer ("鞍山兴德招聘电工").
_RECRUIT_VERB = re.compile("(?:招聘|诚聘|急聘|急招|诚招|直招|聘请|招募)")
# A leading single 招 is a verb too ("招保姆", "招游戏主播"), except in these role words.
_LEADING_ZHAO = re.compile("^招(?!商|生|标|聘|投|待|牌|工|募|收|办|录|考)")
# Words that show the recruiting verb is itself part of the role ("招聘专员", "招聘主管").
_ROLE_AFTER_VERB = re.compile(
    "^(?:专员|主管|经理|助理|总监|顾问|负责人|官|岗|师|人员|文员|实习生|/|$|hr|bp)"
)

# List punctuation between roles and their wrapper; "/" alternatives are handled in step 4.
_SEGMENT_SPLIT = re.compile(r"[+＋,，、;；|｜/!！?？:：·~～—\-\s…]+|\.{2,}")
# Emoji and pictographs around titles ("🔥行政人事文员").
_SYMBOLS = re.compile("[\u2190-\u2bff\u2e80-\u2eff\u3000-\u303f\U0001f000-\U0001faff\ufe0f]")

# Role endings: a later segment ending in one of these is another role, kept as an alternative.
_ROLE_SUFFIX = re.compile(
    "(?:员|师|工|长|经理|主管|总监|专员|助理|顾问|代表|老师|教师|教练|医生|护士|司机|"
    "管家|保姆|保安|店员|学徒|技工|技术|运营|销售|会计|出纳|文员|客服|前台|收银|编辑|"
    "设计|策划|翻译|主播|模特|实习生|管培生|负责人|工程|开发|测试|财务|人事|行政|法务|"
    "采购|仓管|厨师|帮厨|服务员|美容|美发|导购|业务|督导|合伙人|达人|讲师|助教|骑手|岗|岗位|专家|经纪人|月嫂|育婴师)$"
)

_MIN_KEEP = 2  # a cleaned segment shorter than this (one character) is not a role


@cache
def _place_words() -> tuple[str, ...]:
    """Place names from jieba's dictionary that are not part of any occupation name or alias."""
    import jieba

    dictionary = Path(jieba.__file__).parent / "dict.txt"
    vocabulary_text = _vocabulary_text()
    places: set[str] = set()
    with dictionary.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "ns" and 2 <= len(parts[0]) <= 6:
                word = parts[0]
                if re.fullmatch(f"[{_CJK}]+", word) and word not in vocabulary_text:
                    places.add(word)
    return tuple(sorted(places, key=len, reverse=True))


@cache
def _vocabulary_text() -> str:
    """Every normalised occupation name and alias of the shipped vocabulary, one per line."""
    import pandas as pd

    from matcher import reference

    path = Path(reference.data_dir()) / "occupations.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    texts = [*table["name"].tolist()]
    for aliases in table["aliases"].tolist():
        texts.extend(aliases.split("|"))
    return "\n".join(normalize_title(t) for t in texts if t)


_PLACE_UNITS = ("省", "市", "区", "县", "镇")


@cache
def _place_set() -> tuple[frozenset[str], int]:
    places = frozenset(_place_words())
    return places, max((len(p) for p in places), default=0)


def _strip_places(segment: str) -> str:
    """Remove places at the start of a segment ("菏泽", "抚州市", "滁州市南谯区"): the longest
    place name (with its unit) first, repeatedly, never the 市 of 市场 or 市政."""
    places, longest = _place_set()
    value = segment
    while True:
        for size in range(min(longest, len(value)), 1, -1):
            if value[:size] in places:
                end = size
                if value[end : end + 1] in _PLACE_UNITS and value[end + 1 : end + 2] not in (
                    "场",
                    "政",
                ):
                    end += 1
                if value[end : end + 1] in ("场", "政"):
                    continue
                value = value[end:]
                break
        else:
            return value


@cache
def _wrapper_pattern() -> tuple[re.Pattern[str], re.Pattern[str]]:
    words = "|".join(re.escape(w) for w in sorted(WRAPPER_WORDS, key=len, reverse=True))
    unit = f"(?:{words}|{_PAY.pattern}|{_HEAD_COUNT.pattern})"
    return re.compile(f"^(?:{unit})+"), re.compile(f"(?:{unit})+$")


def clean_title(text: object) -> str:
    """Return the job named by a recruitment-ad title, without its wrapper.

    Parameters
    ----------
    text : object
        The ad title; ``None``, ``NaN`` and non-strings give ``""``.

    Returns
    -------
    str
        The cleaned, normalised title (possibly empty); cleaning it again changes nothing.

    Examples
    --------
    >>> clean_title("高唐乐客咖啡店招聘咖啡师")
    '咖啡师'
    >>> clean_title("轮滑教练+5000底薪")
    '轮滑教练'
    >>> clean_title("法务岗（深圳）")
    '法务岗'
    """
    if not isinstance(text, str):
        return ""
    return _clean_text(text)


@lru_cache(maxsize=1 << 18)
def _clean_text(text: str) -> str:
    value = _clean_once(text)
    # Each pass only removes text, so a few passes reach the fixed point; the loop makes the
    # fixed-point property hold by construction rather than by the rules' good behaviour.
    for _ in range(8):
        again = _clean_once(value)
        if again == value:
            return value
        value = again
    return value


def _clean_once(text: str) -> str:
    value = unicodedata.normalize("NFKC", text[: MAX_TITLE_CHARS * 4]).lower()
    value = _SYMBOLS.sub(" ", value)
    # Character work and bracket removal are normalize_title's; list punctuation is cut here
    # first, because normalize_title turns it into "/" or spaces.
    segments: list[str] = []
    for piece in _SEGMENT_SPLIT.split(_drop_employer(value)):
        for part in normalize_title(piece, trim_decorations=False).split("/"):
            cleaned = _trim_wrapper(_drop_employer(part))
            if len(cleaned) >= _MIN_KEEP:
                segments.append(cleaned)
    if not segments:
        # Nothing but wrapper ("招聘", "双休"): the normalised title is the best there is.
        return normalize_title(value)
    # Segments that end like a role are the roles; with none, the first segment is the job
    # ("配菜副手，打荷"), and an employer before the role goes ("甜啦啦-会计").
    kept = list(dict.fromkeys(s for s in segments if _ROLE_SUFFIX.search(s))) or segments[:1]
    return "/".join(kept)[:MAX_TITLE_CHARS].strip("/ ")


def _drop_employer(text: str) -> str:
    """Drop what precedes the last recruiting verb, unless the verb is part of the role."""
    last = None
    for match in _RECRUIT_VERB.finditer(text):
        rest = text[match.end() :]
        # The role follows the verb directly ("…招聘厨师"); after punctuation it is a slogan
        # ("迎宾岗位招聘，期待您的申请") and the role was before the verb.
        if rest[:1].isalnum() and not _ROLE_AFTER_VERB.match(rest) and _trim_wrapper(rest):
            last = match
    if last is not None:
        text = text[last.end() :].strip()
    if len(text) > 2 and _LEADING_ZHAO.match(text):
        text = text[1:]
    return text


def _trim_wrapper(segment: str) -> str:
    """Trim places, pay, benefits and slogans from the ends of one segment."""
    leading, trailing = _wrapper_pattern()
    value = segment.strip()
    for _ in range(4):
        before = value
        for trim in (leading.sub, trailing.sub, None):
            trimmed = (_strip_places(value) if trim is None else trim("", value)).strip()
            if trimmed != value and len(trimmed) >= _MIN_KEEP:
                value = trimmed
            elif trimmed != value:
                value = trimmed  # nothing but wrapper: the whole segment goes
        value = _LONG_NUMBER.sub("", value).strip()
        if value == before:
            break
    return value


def clean_many(texts: Iterable[object]) -> list[str]:
    """:func:`clean_title` over many titles, computing each distinct title once."""
    seen: dict[object, str] = {}
    result: list[str] = []
    for text in texts:
        key = text if isinstance(text, str) else None
        if key not in seen:
            seen[key] = clean_title(text)
        result.append(seen[key])
    return result
