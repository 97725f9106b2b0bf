"""Title normalisation: decorations, widths, variants, odd scripts and huge inputs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.scoring.normalize import (
    MAX_TITLE_CHARS,
    normalize_many,
    normalize_title,
    segment,
    title_script,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("【急聘】社区保洁员（双休）", "社区保洁员"),
        ("社区 保洁員", "社区保洁员"),
        ("ＣＡＤ制图员", "cad制图员"),
        ("保安 包吃住", "保安"),
        ("保洁员5名", "保洁员"),
        ("【保洁员】", "保洁员"),  # all in brackets: the content is the title
        ("招聘", "招聘"),  # never trimmed to nothing
        ("招生老师", "招生老师"),  # "招" is not a decoration on its own
        ("财务主管/总账主管", "财务主管/总账主管"),  # alternatives stay apart
        ("财务主管、总账主管", "财务主管/总账主管"),
        ("㏠:⼀", "1日/一"),  # compatibility characters, then punctuation between ideographs
        ("cad/cam 制图", "cad cam 制图"),
        ("a\ue000b", "a b"),  # the private-use marker inside normalisation cannot come in
        ("Java 开发工程师（五险一金）", "java 开发工程师"),
        ("  ", ""),
        (None, ""),
        (float("nan"), ""),
    ],
)
def test_normalize_examples(raw: object, expected: str) -> None:
    assert normalize_title(raw) == expected


def test_huge_free_text_is_capped() -> None:
    text = "社区保洁员" * 100_000
    assert len(normalize_title(text)) <= MAX_TITLE_CHARS


@pytest.mark.parametrize(
    ("text", "script"),
    [("", "empty"), ("保洁员", "chinese"), ("driver", "latin"), ("cad制图", "mixed")],
)
def test_title_script(text: str, script: str) -> None:
    assert title_script(text) == script


def test_other_script_is_classified_not_dropped() -> None:
    value = normalize_title("Привет")
    assert value == "привет"
    assert title_script(value) == "other"


def test_segment_splits_chinese_for_token_scorers() -> None:
    assert segment("社区保洁员").split() == ["社区", "保洁员"]
    assert segment("driver") == "driver"
    assert segment("") == ""


def test_normalize_many_matches_elementwise() -> None:
    titles = ["保洁员（双休）", None, "保洁员（双休）", "保安"]
    assert normalize_many(titles) == [normalize_title(t) for t in titles]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_normalize_is_idempotent_and_bounded(text: str) -> None:
    once = normalize_title(text)
    assert len(once) <= MAX_TITLE_CHARS
    assert once == once.strip()
    assert "  " not in once
    assert normalize_title(once) == once
