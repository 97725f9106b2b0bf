"""The tables ``matcher titles`` writes: the coded titles and the review file."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from matcher.scoring.coder import CodedTitles, TitleCoder

CODED_COLUMNS = ("title", "code", "name", "score")
GROUP_COLUMNS = ("group_code", "group_name", "group_score")
REVIEW_COLUMNS = (
    "row",
    "title",
    "cleaned",
    "suggested_code",
    "suggested_name",
    "score",
    "group_code",
    "code",
)


def coded_table(
    coder: TitleCoder,
    titles: Sequence[object],
    result: CodedTitles,
    *,
    threshold: float,
    top: int | None = None,
) -> pd.DataFrame:
    """One row per title (``top`` rows with a ``rank`` when given), in input order.

    A code is written only when its calibrated score reaches ``threshold``; a title whose best
    code does not keeps one row with an empty code and its best score, and its back-off group
    when the coder gave one.
    """
    rows: list[dict[str, object]] = []
    for i, title in enumerate(titles):
        shown = title if isinstance(title, str) else ""
        group = str(result.group_codes[i])
        group_part = {
            "group_code": group,
            "group_name": coder.name_of(group) if group else "",
            "group_score": round(float(result.group_scores[i]), 3) if group else np.nan,
        }
        kept = [
            (str(code), float(score))
            for code, score in zip(result.codes[i], result.scores[i], strict=True)
            if code and score >= threshold
        ]
        if not kept:
            best = float(result.scores[i, 0])
            rows.append(
                {"title": shown, "code": "", "name": "", "score": round(best, 3), "rank": 1}
                | group_part
            )
            continue
        for rank, (code, score) in enumerate(kept, start=1):
            rows.append(
                {
                    "title": shown,
                    "code": code,
                    "name": coder.name_of(code),
                    "score": round(score, 3),
                    "rank": rank,
                }
                | group_part
            )
    columns = [*CODED_COLUMNS, *(["rank"] if top is not None else []), *GROUP_COLUMNS]
    return pd.DataFrame(rows, columns=[*CODED_COLUMNS, "rank", *GROUP_COLUMNS])[columns]


def review_table(
    coder: TitleCoder, titles: Sequence[object], result: CodedTitles, *, threshold: float
) -> pd.DataFrame:
    """The titles left as free text, for a person to code: fill in ``code`` and feed the file
    back with ``matcher titles --labelled`` (it reads ``title`` and ``code``)."""
    rows = []
    for i, title in enumerate(titles):
        if not isinstance(title, str) or not title.strip():
            continue
        if float(result.scores[i, 0]) >= threshold:
            continue
        suggested = str(result.codes[i, 0])
        rows.append(
            {
                "row": i + 2,
                "title": title,
                "cleaned": result.cleaned[i],
                "suggested_code": suggested,
                "suggested_name": coder.name_of(suggested) if suggested else "",
                "score": round(float(result.scores[i, 0]), 3),
                "group_code": str(result.group_codes[i]),
                "code": "",
            }
        )
    return pd.DataFrame(rows, columns=list(REVIEW_COLUMNS))
