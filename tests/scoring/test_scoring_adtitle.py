"""Real-ad title cleaning: hand-checked wrappers, the fixed point, and the generator's noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.generator.noise import TITLE_PREFIXES, TITLE_SUFFIXES, decorate
from matcher.scoring.adtitle import clean_many, clean_title


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("高唐乐客咖啡店招聘咖啡师", "咖啡师"),  # employer before the recruiting verb
        ("轮滑教练+5000底薪", "轮滑教练"),  # pay after "+"
        (
            "汽修学徒，中工，小工，美容",
            "汽修学徒/中工/小工/美容",
        ),  # several roles stay alternatives
        ("法务岗（深圳）", "法务岗"),  # place in brackets
        ("招聘专员/助理", "招聘专员/助理"),  # the verb is part of the role
        ("招生顾问双休不加班", "招生顾问"),  # benefit slogans at the end
        ("车险续保客服 福州 7500+", "车险续保客服"),  # place and pay as their own segments
        ("甜啦啦-会计", "会计"),  # employer segment without a role ending
        ("无责底薪5000+大客户代表+地铁口+五险", "大客户代表"),
        ("招保姆接送孩子家务做饭", "保姆接送孩子家务做饭"),  # a leading 招 is a verb
        ("招商经理", "招商经理"),  # … but not in 招商
        ("新泰市场推广经理", "新泰市场推广经理"),  # 市 of 市场 is not a city's
        ("🔥行政人事文员", "行政人事文员"),
        ("组织发展专家 (MJ000297)", "组织发展专家"),
        ("【急聘】社区保洁員（双休）", "社区保洁员"),  # the generator's decorations
        ("招聘", "招聘"),  # nothing but wrapper: kept rather than emptied
        ("", ""),
        (None, ""),
    ],
)
def test_clean_examples(raw: object, expected: str) -> None:
    assert clean_title(raw) == expected


_ALPHABET = st.sampled_from(
    list("保洁员招聘销售经理师工厂市区深圳双休底薪包吃住急聘诚招/+，、-（）()【】 .…5k0万aZ!#🔥")
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40) | st.text(max_size=60))
def test_cleaning_is_a_fixed_point(text: str) -> None:
    once = clean_title(text)
    assert clean_title(once) == once
    assert len(once) <= 64


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["社区保洁员", "中式烹调师", "会计", "电工", "保安员", "叉车司机"]),
    st.integers(0, 2**32 - 1),
)
def test_generator_decorations_are_removed(title: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    noisy = decorate(pd.Series([title] * 8), rng, 1.0, TITLE_PREFIXES, TITLE_SUFFIXES)
    assert set(clean_many(noisy.tolist())) == {title}


def test_clean_many_matches_clean_title() -> None:
    titles = ["法务岗（深圳）", None, "法务岗（深圳）", "咖啡师"]
    assert clean_many(titles) == [clean_title(t) for t in titles]
