"""The title coder: estimator conventions, hierarchy back-off, calibration, vocabulary swap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from matcher.scoring.coder import TitleCoder, choose_threshold, reliability_table
from matcher.scoring.hierarchy import ancestor_matrix, code_stem, group_of, lies_under

VOCABULARY = pd.DataFrame(
    {
        "code": [
            "4-01-00-00",
            "4-01-02-00",
            "4-01-02-01",
            "4-01-02-02",
            "4-07-00-00",
            "4-07-01-00",
            "4-07-01-01",
            "4-07-02-01",
        ],
        "level": ["2", "3", "4", "4", "2", "3", "4", "4"],
        "name": [
            "销售人员",
            "营销人员",
            "营销员",
            "电子商务师",
            "服务人员",
            "保洁",
            "保洁员",
            "保安员",
        ],
        "aliases": ["", "", "销售代表|业务员", "电商运营", "", "", "清洁工|保洁", "门卫|保安"],
    }
)
LABELLED = [
    ("招聘销售代表+底薪5000", "4-01-02-01"),
    ("业务员（双休）", "4-01-02-01"),
    ("电话销售", "4-01-02-01"),
    ("电商运营专员", "4-01-02-02"),
    ("淘宝运营", "4-01-02-02"),
    ("销售", "4-01-02-00"),
    ("小区保洁", "4-07-01-01"),
    ("商场清洁工", "4-07-01-01"),
    ("夜班门卫", "4-07-02-01"),
    ("小区保安", "4-07-02-01"),
] * 4


def _fit(**params: object) -> TitleCoder:
    titles, codes = zip(*LABELLED, strict=True)
    return TitleCoder(**params).fit(list(titles), list(codes), vocabulary=VOCABULARY)


def test_hierarchy_helpers() -> None:
    assert code_stem("2-02-00-00") == "2-02"
    assert lies_under("2-02-30-01", "2-02-00-00")
    assert not lies_under("2-02-00-00", "2-02-30-01")
    assert not lies_under("2-12-00-00", "2-1-00-00")
    assert group_of("4-01-02-03", 3) == "4-01-02-00"
    assert group_of("4-01-02-03", 2) == "4-01-00-00"
    assert group_of("1-01-00-01", 3) is None
    matrix = ancestor_matrix(
        ["4-01-02-01", "4-07-01-01"], ["4-01-00-00", "4-01-02-01", "4-07-02-01"]
    )
    assert matrix.toarray().tolist() == [[1, 1, 0], [0, 0, 0]]


def test_fit_returns_self_and_learned_state_ends_in_underscore() -> None:
    coder = TitleCoder(calibration_folds=0)
    with pytest.raises(NotFittedError):
        coder.code(["保安"])
    titles, codes = zip(*LABELLED, strict=True)
    assert coder.fit(list(titles), list(codes), vocabulary=VOCABULARY) is coder
    assert set(coder.classes_) <= set(VOCABULARY["code"])
    assert coder.get_params()["temperature"] == 10.0


def test_codes_real_ad_titles_and_only_occupations() -> None:
    coder = _fit(calibration_folds=0)
    result = coder.code(["急招小区保洁员（包吃住）", "门卫 夜班 3500", "", "销售代表"])
    assert result.codes[:, 0].tolist() == ["4-07-01-01", "4-07-02-01", "", "4-01-02-01"]
    assert result.scores[2, 0] == 0.0
    levels = dict(zip(VOCABULARY["code"], VOCABULARY["level"], strict=True))
    assert all(levels[c] == "4" for c in result.codes[:, 0] if c)


def test_coarse_labels_lend_their_mass_to_every_occupation_under_them() -> None:
    coder = _fit(calibration_folds=0)
    cleaned = ["销售"]
    labels = coder.label_probabilities(cleaned)
    codes, raw, _, _, _ = coder._score_cleaned(cleaned, top=2)
    # The answer's raw probability includes the coarse label 4-01-02-00 above it.
    best = codes[0, 0]
    under = [i for i, c in enumerate(coder.codes_) if lies_under(best, c)]
    assert raw[0, 0] == pytest.approx(labels[0, under].sum())


def test_back_off_answers_the_shared_group_when_occupations_disagree() -> None:
    coder = _fit(calibration_folds=0, target_precision=0.9)
    # Halfway between the two sales occupations: neither is sure, their minor group is.
    result = coder.code(["销售代表/电商运营"])
    assert result.scores[0, 0] < coder.threshold_
    assert result.group_codes[0] == "4-01-02-00"
    assert result.group_scores[0] >= coder.threshold_


def test_calibration_is_monotone_and_the_threshold_meets_the_target_out_of_fold() -> None:
    coder = _fit(calibration_folds=2, target_precision=0.8)
    assert coder.calibrator_ is not None
    raw = np.linspace(0, 1, 50)
    calibrated = coder.calibrate(raw)
    assert np.all(np.diff(calibrated) >= 0)
    assert ((calibrated >= 0) & (calibrated <= 1)).all()
    assert 0.0 <= coder.threshold_ <= 1.0
    assert coder.reliability_["titles"].sum() == len(LABELLED)


def test_choose_threshold_and_reliability_table() -> None:
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.4])
    right = np.array([True, True, False, True, False])
    assert choose_threshold(scores, right, 0.75) == 0.6  # 3 of 4 right at >= 0.6
    assert choose_threshold(scores, right, 1.0) == 0.8
    assert choose_threshold(scores, np.zeros(5, dtype=bool), 0.5) == 1.0
    table = reliability_table(scores, right, bins=2)
    assert table["titles"].tolist() == [1, 4]


def test_without_labelled_titles_the_lexical_part_serves_alone() -> None:
    coder = TitleCoder().fit([], [], vocabulary=VOCABULARY)
    assert coder.weights_ is None and coder.calibrator_ is None
    assert coder.code(["保安（夜班）"]).codes[0, 0] == "4-07-02-01"


def test_another_vocabulary_is_served_by_code() -> None:
    coder = _fit(calibration_folds=0)
    other = VOCABULARY[VOCABULARY["code"] != "4-01-02-02"].assign(
        name=lambda t: t["name"] + "（其他来源）"
    )
    swapped = coder.with_vocabulary(other.reset_index(drop=True))
    result = swapped.code(["淘宝运营", "小区保安"])
    assert "4-01-02-02" not in result.codes[:, 0].tolist()
    assert result.codes[1, 0] == "4-07-02-01"
    assert swapped.name_of("4-07-02-01") == "保安员（其他来源）"


def test_unsupervised_fallback_is_at_least_the_tfidf_baseline_on_real_titles() -> None:
    from matcher.scoring.coder_eval import tfidf_baseline
    from matcher.scoring.coder_persist import shipped_labelled_titles, shipped_vocabulary

    labelled = shipped_labelled_titles()
    vocabulary = shipped_vocabulary()
    titles, labels = labelled["title"].tolist(), labelled["code"].tolist()
    lexical = TitleCoder().fit([], [], vocabulary=vocabulary).code(titles).codes[:, 0]
    baseline = tfidf_baseline(vocabulary)(titles)

    def top1(codes: list[str]) -> float:
        return float(
            np.mean([lies_under(c, label) for c, label in zip(codes, labels, strict=True)])
        )

    assert top1(list(lexical)) >= top1(baseline)
