"""Policy rules files: the shipped ones load; an edited file with a mistake is refused, naming
the file, the field and what is wrong."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from matcher.errors import PolicyFileError
from matcher.policy import load_policy, policy_programs
from matcher.policy.expressions import ExpressionError, evaluate, parse
from matcher.policy.rules import policies_dir

FEATURES = {"age": "", "sex": "", "disabled": "", "education_rank": "", "birth_date": ""}


def test_shipped_programs_load() -> None:
    assert policy_programs() == ["grassroots", "internship", "training", "welfare"]
    welfare = load_policy("welfare")
    assert welfare.program.places == 30000
    # (三十九) puts zero-employment family members first; (三) orders the others not at all.
    assert welfare.tier_count == 2
    assert welfare.preset == "notice" and welfare.presets == ("notice", "listing_order")
    assert [g.id for g in welfare.groups if g.tier == 1] == ["zero_employment"]
    listing = load_policy("welfare", preset="listing_order")
    assert listing.tier_count == 12 and listing.need is None
    assert [g.id for g in listing.groups][:2] == ["zero_employment", "age_4050"]
    assert welfare.parameters["reference_4050"] == date(2007, 12, 31)
    assert load_policy("grassroots").program.places == 10000


def edited(tmp_path: Path, program: str, old: str, new: str) -> Path:
    text = (policies_dir() / f"{program}.toml").read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / f"{program}.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (
            'disabled = "disabled"',
            'disabled = "disabeld"',
            "groups.disabled",
            "unknown name 'disabeld'",
        ),
        ('disabled = "disabled"', 'disabled = "disabled and"', "groups.disabled", "cannot parse"),
        ("places = 30000", "places = -5", "program.places", "greater than or equal to 0"),
        ("places = 30000", 'places = "many"', "program.places", "valid integer"),
        (
            '["single_parent"],',
            '["single_parent", "disabled"],',
            "priority.presets.listing_order.tiers.11",
            "two tiers",
        ),
        (
            '  ["model_worker"],\n',
            "",
            "priority.presets.listing_order.tiers",
            "must rank the same groups (missing ['model_worker']",
        ),
        (
            '"model_worker", "military_spouse"',
            '"military_spouse"',
            "groups.model_worker",
            "not placed in any tier",
        ),
        (
            'when = "poor_family"',
            'when = "poorfamily"',
            "priority.need.terms.0.when",
            "unknown name",
        ),
        ("tiers = [2]\n", "tiers = [3]\n", "priority.need.tiers", "outside 1–2"),
        ('id = "unemployed"', 'id = "working_age"', "requirements.1.id", "duplicate"),
        ("[age_limit]", "[age_limits]", "age_limits", "Extra inputs are not permitted"),
        (
            'single_parent = "single_parent"',
            'lone_parent = "single_parent"',
            "groups.lone_parent",
            "not a priority group",
        ),
        (
            'when = "working_age"',
            "when = \"__import__('os')\"",
            "requirements.1.when",
            "unknown function",
        ),
    ],
)
def test_mistakes_are_named(tmp_path: Path, old: str, new: str, field: str, message: str) -> None:
    path = edited(tmp_path, "welfare", old, new)
    with pytest.raises(PolicyFileError) as caught:
        load_policy(path=path)
    assert caught.value.file == str(path)
    assert any(f == field and message in m for f, m in caught.value.errors), caught.value.errors


def test_all_mistakes_of_a_file_are_reported_together(tmp_path: Path) -> None:
    path = edited(tmp_path, "welfare", 'disabled = "disabled"', 'disabled = "disabeld"')
    text = path.read_text(encoding="utf-8").replace(
        'martyr_family = "martyr_family"', 'martyr_family = "martyr"'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyFileError) as caught:
        load_policy(path=path)
    assert {f for f, _ in caught.value.errors} == {"groups.disabled", "groups.martyr_family"}


def test_toml_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[program\nid = 1", encoding="utf-8")
    with pytest.raises(PolicyFileError, match="syntax"):
        load_policy(path=path)


def test_post_rule_bounds_may_name_a_parameter(tmp_path: Path) -> None:
    # internship.toml's duration rule reads max_months; a bound naming no number is refused.
    rule = load_policy("internship").post_rules[0]
    assert (rule.column, rule.at_most) == ("duration_months", 6)
    path = edited(tmp_path, "internship", 'at_most = "max_months"', 'at_most = "max_monthz"')
    with pytest.raises(PolicyFileError) as caught:
        load_policy(path=path)
    assert caught.value.errors == [
        ("post_rules.0.at_most", "'max_monthz' is not a number in [parameters]")
    ]


def test_unknown_preset_is_named() -> None:
    with pytest.raises(PolicyFileError) as caught:
        load_policy("welfare", preset="alphabetical")
    assert caught.value.errors == [
        ("priority.presets", "no preset 'alphabetical'; known: notice, listing_order")
    ]


def test_unknown_program() -> None:
    with pytest.raises(PolicyFileError, match="unknown; known: grassroots"):
        load_policy("lottery")


def test_training_kinds_must_be_known(tmp_path: Path) -> None:
    path = edited(tmp_path, "training", 'remote = "', 'telepathy = "')
    with pytest.raises(PolicyFileError) as caught:
        load_policy(path=path)
    assert caught.value.errors[0][0] == "kinds.telepathy"


def test_expressions_evaluate_vectorised_with_missing_values_as_false() -> None:
    frame = pd.DataFrame(
        {
            "age": pd.array([30, None, 55], dtype="Int64"),
            "sex": pd.array(["M", "F", None], dtype="string"),
            "disabled": [True, False, True],
        }
    )
    expression = parse("(age >= 50 or disabled) and sex in ['M', 'F']", FEATURES, {})
    assert evaluate(expression, frame, {}).tolist() == [True, False, False]
    expression = parse("not disabled and age != 30", FEATURES, {})
    assert evaluate(expression, frame, {}).tolist() == [False, False, False]


def test_age_on_counts_birthdays() -> None:
    frame = pd.DataFrame({"birth_date": pd.to_datetime(["1967-12-31", "1968-01-01"])})
    expression = parse("age_on('2007-12-31') >= 40", FEATURES, {})
    assert evaluate(expression, frame, {}).tolist() == [True, False]


@pytest.mark.parametrize(
    "text", ["age.__class__", "[x for x in age]", "lambda: 1", "age + 1 > 2", "edu('phd') < 1"]
)
def test_expressions_outside_the_whitelist_are_refused(text: str) -> None:
    with pytest.raises(ExpressionError):
        parse(text, FEATURES, {})
