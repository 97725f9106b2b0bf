"""Typed, validated policy rules files.

A bureau edits ``data/policies/<program>.toml`` without touching code. Loading checks the
structure (pydantic), then the meaning: every condition parses and names only known features and
parameters, every group is a known priority group of the program and sits in exactly one tier.
All errors of a file are reported together, each with its field.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Literal, TypeVar

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from matcher import reference
from matcher.errors import PolicyFileError
from matcher.policy.expressions import Expression, ExpressionError, parse
from matcher.policy.features import FEATURES
from matcher.schemas import TRAINING_KINDS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RetirementAge(_Strict):
    men: int = Field(ge=40, le=80)
    women: int = Field(ge=40, le=80)
    women_cadre: int = Field(ge=40, le=80)


class CommonRules(_Strict):
    """Facts shared by every program: statutory retirement ages, minimum working age."""

    retirement_age: RetirementAge
    working_age_minimum: int = Field(ge=14, le=20)


class ProgramInfo(_Strict):
    id: str
    name: str
    english: str
    sections: list[str]
    places: int | None = Field(default=None, ge=0)


class Requirement(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str
    when: str


class AgeLimit(_Strict):
    description: str
    when: str


class NeedTerm(_Strict):
    """Points added to the need index when a condition holds (e.g. a hardship household)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str
    when: str
    points: int = Field(default=1, ge=1, le=10)


class NeedIndex(_Strict):
    """Within a tier, who is placed first: ``per_group`` points for every group the person is
    in, plus the points of each term that holds. A higher index goes first, before the score."""

    description: str
    per_group: int = Field(default=1, ge=0, le=10)
    terms: list[NeedTerm] = []
    #: The tiers it orders (1 = the first tier); every tier when not given.
    tiers: list[int] | None = Field(default=None, min_length=1)


class PriorityPreset(_Strict):
    """Another priority order a bureau may select by name instead of the file's own."""

    description: str
    tiers: list[list[str]] = Field(min_length=1)
    need: bool = True  # whether the need index orders people within a tier


class PriorityOrder(_Strict):
    description: str = ""
    tiers: list[list[str]] = Field(min_length=1)
    need: NeedIndex | None = None
    presets: dict[str, PriorityPreset] = {}


class PostRule(_Strict):
    """A money or duration rule every post of the program must keep (``matcher validate``)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    column: Literal["wage", "duration_months"]
    clause: str  # the notice's words, with the section
    #: Bounds: a number, or the name of a number in the file's ``[parameters]``.
    at_least: float | str | None = None
    at_most: float | str | None = None
    #: A floor as a share of the post's city's monthly minimum wage (data/minimum_wages.csv).
    at_least_share_of_minimum_wage: float | None = Field(default=None, gt=0, le=2)
    required: bool = False  # the value must be given, not left empty


class Subsidy(_Strict):
    """Who pays a programme's allowance: the province's share (a fraction like "2/3")."""

    description: str
    province_share: str = Field(pattern=r"^\d+/\d+$")

    @property
    def share(self) -> Fraction:
        return Fraction(self.province_share)


class PolicyFile(_Strict):
    """The file's structure, as written."""

    program: ProgramInfo
    parameters: dict[str, date | int | float | str] = {}
    requirements: list[Requirement] = []
    groups: dict[str, str]
    age_limit: AgeLimit | None = None
    priority: PriorityOrder
    kinds: dict[str, str] = {}
    post_rules: list[PostRule] = []
    subsidy: Subsidy | None = None


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    short: str  # a few characters, for table headers
    english: str
    tier: int
    no_age_limit: bool
    when: Expression

    @property
    def label(self) -> str:
        return f"{self.name} ({self.english})"


_Level = TypeVar("_Level", int, np.ndarray)

#: The priority order written in a file's ``[priority]`` table, as a preset name.
DEFAULT_PRESET = "notice"


@dataclass(frozen=True)
class CompiledNeed:
    """The need index, ready to evaluate (see :class:`NeedIndex`)."""

    description: str
    per_group: int
    terms: tuple[tuple[NeedTerm, Expression], ...]
    tiers: tuple[int, ...] | None = None  # the tiers it orders; None: every tier

    def maximum(self, n_groups: int) -> int:
        """The highest index anyone can have: every group and every term."""
        return self.per_group * n_groups + sum(term.points for term, _ in self.terms)


@dataclass(frozen=True)
class CompiledPolicy:
    """A program's rules, ready to evaluate, under one priority preset."""

    file: str
    program: ProgramInfo
    parameters: dict[str, object]
    requirements: tuple[tuple[Requirement, Expression], ...]
    groups: tuple[Group, ...]  # in tier order, then file order
    age_limit: tuple[AgeLimit, Expression] | None
    kinds: dict[str, Expression]
    preset: str = DEFAULT_PRESET
    preset_description: str = ""
    presets: tuple[str, ...] = (DEFAULT_PRESET,)
    need: CompiledNeed | None = None  # None: no need index (every need is 0)
    post_rules: tuple[PostRule, ...] = ()
    subsidy: Subsidy | None = None

    @property
    def tier_count(self) -> int:
        return max(group.tier for group in self.groups)

    @property
    def max_need(self) -> int:
        return self.need.maximum(len(self.groups)) if self.need is not None else 0

    def priority_level(self, tier: _Level, need: _Level) -> _Level:
        """The allocation order of a (tier, need) pair, 1 first: by tier, then by need
        descending. Fixed by the file, so a level means the same in every city and week."""
        return (tier - 1) * (self.max_need + 1) + (self.max_need - need) + 1


def policies_dir() -> Path:
    return reference.data_dir() / "policies"


def policy_programs() -> list[str]:
    """Programs that have an eligibility rules file: the files with a ``[program]`` table (other
    files in the folder, such as ``common.toml`` or budget figures, are not programs)."""
    programs = []
    for path in sorted(policies_dir().glob("*.toml")):
        try:
            with path.open("rb") as handle:
                if "program" in tomllib.load(handle):
                    programs.append(path.stem)
        except (OSError, tomllib.TOMLDecodeError):
            programs.append(path.stem)  # load_policy will report what is wrong with it
    return programs


def _read_toml(path: Path) -> dict[str, object]:
    if not path.exists():
        raise PolicyFileError(str(path), [("(file)", "does not exist")])
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise PolicyFileError(str(path), [("(syntax)", str(error))]) from None
    except UnicodeDecodeError:
        raise PolicyFileError(str(path), [("(file)", "is not UTF-8 text")]) from None


def _structure_errors(error: ValidationError) -> list[tuple[str, str]]:
    return [(".".join(str(p) for p in e["loc"]) or "(top)", e["msg"]) for e in error.errors()]


@cache
def _load_common_cached(path: Path) -> CommonRules:
    try:
        return CommonRules.model_validate(_read_toml(path))
    except ValidationError as error:
        raise PolicyFileError(str(path), _structure_errors(error)) from None


def load_common(path: str | Path | None = None) -> CommonRules:
    """The shared rules (``data/policies/common.toml`` unless a path is given)."""
    return _load_common_cached(Path(path) if path else policies_dir() / "common.toml")


def _group_catalogue() -> pd.DataFrame:
    table = pd.read_csv(
        reference.data_dir() / "priority_groups.csv", dtype=str, keep_default_na=False
    )
    return table.set_index("group")


def _tier_of(tiers: list[list[str]], field: str, errors: list[tuple[str, str]]) -> dict[str, int]:
    """Group → tier (1 highest) of one priority order, with its structural errors."""
    tier_of: dict[str, int] = {}
    for tier_index, members in enumerate(tiers, start=1):
        if not members:
            errors.append((f"{field}.{tier_index - 1}", "a tier must list at least one group"))
        for group_id in members:
            if group_id in tier_of:
                errors.append((f"{field}.{tier_index - 1}", f"group {group_id!r} is in two tiers"))
            tier_of[group_id] = tier_index
    return tier_of


def preset_names(programs: Iterable[str]) -> set[str]:
    """Every priority order the programmes' rules files name: ``notice`` and their presets."""
    return {name for program in programs for name in load_policy(program).presets}


def group_names() -> dict[str, str]:
    """Priority group id → its Chinese name (``data/priority_groups.csv``), for reports."""
    return {str(k): str(v) for k, v in _group_catalogue()["name"].items()}


def load_policy(
    program: str | None = None,
    *,
    path: str | Path | None = None,
    preset: str | None = None,
) -> CompiledPolicy:
    """Load, validate and compile a program's rules file.

    Parameters
    ----------
    program : str, optional
        A program id with a file in ``data/policies/`` (``welfare``, ``grassroots`` …).
    path : path, optional
        An explicit rules file instead (for a bureau's edited copy).
    preset : str, optional
        A priority order named in the file's ``[priority.presets]``; default
        :data:`DEFAULT_PRESET`, the file's own ``[priority]``.

    Raises
    ------
    PolicyFileError
        Naming the file and every invalid field with what is wrong.
    """
    if path is None:
        if program is None:
            raise ValueError("give a program or a path")
        if program not in policy_programs():
            known = ", ".join(policy_programs())
            raise PolicyFileError(f"{program}.toml", [("program", f"unknown; known: {known}")])
        path = policies_dir() / f"{program}.toml"
    file = Path(path)
    label = str(file)
    try:
        spec = PolicyFile.model_validate(_read_toml(file))
    except ValidationError as error:
        raise PolicyFileError(label, _structure_errors(error)) from None

    errors: list[tuple[str, str]] = []
    parameters: dict[str, object] = dict(spec.parameters)

    def compile_(field: str, text: str) -> Expression | None:
        try:
            return parse(text, FEATURES, parameters)
        except ExpressionError as error:
            errors.append((field, str(error)))
            return None

    requirements: list[tuple[Requirement, Expression]] = []
    seen_ids: set[str] = set()
    for i, requirement in enumerate(spec.requirements):
        if requirement.id in seen_ids:
            errors.append((f"requirements.{i}.id", f"duplicate requirement id {requirement.id!r}"))
        seen_ids.add(requirement.id)
        expression = compile_(f"requirements.{i}.when", requirement.when)
        if expression is not None:
            requirements.append((requirement, expression))

    catalogue = _group_catalogue()
    tier_of = _tier_of(spec.priority.tiers, "priority.tiers", errors)
    orders = {DEFAULT_PRESET: (spec.priority.tiers, True, spec.priority.description)}
    for name, other in spec.priority.presets.items():
        field = f"priority.presets.{name}"
        if name == DEFAULT_PRESET:
            errors.append((field, f"{DEFAULT_PRESET!r} names the file's own [priority]"))
        other_tiers = _tier_of(other.tiers, f"{field}.tiers", errors)
        if set(other_tiers) != set(tier_of):
            missing = sorted(set(tier_of) - set(other_tiers))
            extra = sorted(set(other_tiers) - set(tier_of))
            errors.append((f"{field}.tiers", f"must rank the same groups (missing {missing}, "
                                             f"not in [priority] {extra})"))  # fmt: skip
        orders[name] = (other.tiers, other.need, other.description)
    chosen = preset or DEFAULT_PRESET
    if chosen not in orders:
        errors.append(("priority.presets", f"no preset {chosen!r}; known: {', '.join(orders)}"))
        chosen = DEFAULT_PRESET
    chosen_tiers, use_need, preset_description = orders[chosen]
    tier_of = _tier_of(chosen_tiers, "priority.tiers", [])

    groups: list[Group] = []
    for group_id, text in spec.groups.items():
        field = f"groups.{group_id}"
        if group_id not in catalogue.index or catalogue.at[group_id, "program"] != spec.program.id:
            errors.append(
                (
                    field,
                    f"not a priority group of program {spec.program.id!r} in priority_groups.csv",
                )
            )
            continue
        if group_id not in tier_of:
            errors.append((field, "group is not placed in any tier"))
            continue
        expression = compile_(field, text)
        if expression is None:
            continue
        row = catalogue.loc[group_id]
        groups.append(
            Group(group_id, str(row["name"]), str(row["short"]), str(row["english"]),
                  tier_of[group_id],
                  str(row["no_age_limit"]) == "1", expression)
        )  # fmt: skip
    for group_id in tier_of:
        if group_id not in spec.groups:
            errors.append(("priority.tiers", f"group {group_id!r} has no condition in [groups]"))

    age_limit = None
    if spec.age_limit is not None:
        expression = compile_("age_limit.when", spec.age_limit.when)
        if expression is not None:
            age_limit = (spec.age_limit, expression)

    need: CompiledNeed | None = None
    if spec.priority.need is not None:
        terms = []
        for i, term in enumerate(spec.priority.need.terms):
            expression = compile_(f"priority.need.terms.{i}.when", term.when)
            if expression is not None:
                terms.append((term, expression))
        if use_need:
            index = spec.priority.need
            if index.tiers is not None and not set(index.tiers) <= set(
                range(1, len(chosen_tiers) + 1)
            ):
                errors.append(("priority.need.tiers", f"names tiers outside 1–{len(chosen_tiers)}"))
            need = CompiledNeed(
                index.description,
                index.per_group,
                tuple(terms),
                None if index.tiers is None else tuple(index.tiers),
            )

    post_rules: list[PostRule] = []
    for i, rule in enumerate(spec.post_rules):
        if (
            rule.at_least is None
            and rule.at_most is None
            and rule.at_least_share_of_minimum_wage is None
        ):
            errors.append((f"post_rules.{i}", "give at_least, at_most or a minimum-wage share"))
        bounds: dict[str, float | None] = {}
        for name in ("at_least", "at_most"):
            value = getattr(rule, name)
            if isinstance(value, str):  # a parameter's name, e.g. max_months
                named = parameters.get(value)
                if isinstance(named, bool) or not isinstance(named, int | float):
                    errors.append(
                        (f"post_rules.{i}.{name}", f"{value!r} is not a number in [parameters]")
                    )
                    named = None
                value = named
            bounds[name] = value
        post_rules.append(rule.model_copy(update=bounds))

    kinds: dict[str, Expression] = {}
    for kind, text in spec.kinds.items():
        if kind not in TRAINING_KINDS:
            errors.append((f"kinds.{kind}", f"unknown kind; known: {', '.join(TRAINING_KINDS)}"))
            continue
        expression = compile_(f"kinds.{kind}", text)
        if expression is not None:
            kinds[kind] = expression

    if errors:
        raise PolicyFileError(label, errors)
    groups.sort(key=lambda g: g.tier)
    return CompiledPolicy(
        label,
        spec.program,
        parameters,
        tuple(requirements),
        tuple(groups),
        age_limit,
        kinds,
        preset=chosen,
        preset_description=preset_description,
        presets=tuple(orders),
        need=need,
        post_rules=tuple(post_rules),
        subsidy=spec.subsidy,
    )
