"""Title → occupation code mapping on a small hand-made vocabulary."""

from __future__ import annotations

import pandas as pd
import pytest

from matcher.errors import DataValidationError
from matcher.scoring.vocabulary import Vocabulary


@pytest.fixture
def vocabulary() -> Vocabulary:
    return Vocabulary(
        pd.DataFrame(
            {
                "code": ["4-07-01-01", "4-07-02-01", "2-06-01-01", "4-03-02-01"],
                "name": ["保洁员", "保安员", "会计专业人员", "中式烹调师"],
                "aliases": [
                    "社区保洁员|清洁工|保洁",
                    "门卫|保安",
                    "会计|出纳|总账会计",
                    "厨师|炒锅",
                ],
            }
        )
    )


def test_maps_decorated_and_variant_titles(vocabulary: Vocabulary) -> None:
    mapping, summary = vocabulary.match(["【急聘】社区保洁員（双休）", "门卫", "出纳员", "厨师长"])
    assert mapping["code"].tolist() == ["4-07-01-01", "4-07-02-01", "2-06-01-01", "4-03-02-01"]
    assert mapping["title"].tolist()[0] == "【急聘】社区保洁員（双休）"
    assert (mapping["score"] > 60).all()
    assert summary.mapped == 4 and summary.unknown == 0


def test_unknown_and_bad_titles_stay_free_text(vocabulary: Vocabulary) -> None:
    titles = ["飞行员", "", None, "Привет", "保洁员" * 50_000]
    mapping, summary = vocabulary.match(titles)
    assert len(mapping) == len(titles)
    assert mapping["code"].tolist()[:4] == ["", "", "", ""]
    assert summary.truncated == 1  # the pasted essay was cut, not choked on
    assert summary.mapped + summary.unknown == len(titles)
    assert summary.by_script["empty"] == 2
    assert summary.by_script["other"] == 1


def test_top_k_is_ordered_and_deterministic(vocabulary: Vocabulary) -> None:
    first, _ = vocabulary.match(["保安保洁"], top=3, min_score=0)
    second, _ = vocabulary.match(["保安保洁"], top=3, min_score=0)
    pd.testing.assert_frame_equal(first, second)
    assert first["rank"].tolist() == list(range(1, len(first) + 1))
    assert first["score"].is_monotonic_decreasing


def test_missing_column_and_duplicate_code_are_reported() -> None:
    with pytest.raises(DataValidationError) as info:
        Vocabulary(pd.DataFrame({"code": ["1"], "name": ["x"]}), source="v.csv")
    assert info.value.problems[0].column == "aliases"
    with pytest.raises(DataValidationError) as info:
        Vocabulary(pd.DataFrame({"code": ["1", "1"], "name": ["x", "y"], "aliases": ["", ""]}))
    problem = info.value.problems[0]
    assert problem.row == 3 and "row 2" in problem.rule and "'x' vs 'y'" in problem.rule


def test_identical_duplicate_rows_are_kept_once_with_a_warning_naming_the_rows() -> None:
    frame = pd.DataFrame(
        {"code": ["1", "2", "1"], "name": ["x", "y", "x"], "aliases": ["a", "", "a"]}
    )
    vocabulary = Vocabulary(frame, source="v.csv")
    assert vocabulary.codes == ["1", "2"]
    assert len(vocabulary.frame) == 2
    [warning] = vocabulary.warnings
    assert warning.row == 4 and "row 2" in warning.rule


def test_shipped_occupations_vocabulary_maps_real_titles() -> None:
    vocabulary = Vocabulary.occupations()
    assert len(vocabulary) > 1000
    mapping, _ = vocabulary.match(["会计", "中式烹调师"])
    assert all(code.count("-") == 3 for code in mapping["code"])
    assert mapping["name"].tolist()[1] == "中式烹调师"
