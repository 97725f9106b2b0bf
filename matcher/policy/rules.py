"""Typed, validated policy rules files.

A bureau edits ``data/policies/<program>.toml`` without touching code. Loading checks the
structure (pydantic), then the meaning: every condition parses and names only known features and
parameters, every group is a known priority group of the program and sits in exactly one tier.
All errors of a file are reported together, each with its field.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

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


class PriorityOrder(_Strict):
    tiers: list[list[str]] = Field(min_length=1)


class PolicyFile(_Strict):
    """The file's structure, as written."""

    program: ProgramInfo
    parameters: dict[str, date | int | float | str] = {}
    requirements: list[Requirement] = []
    groups: dict[str, str]
    age_limit: AgeLimit | None = None
    priority: PriorityOrder
    kinds: dict[str, str] = {}


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


@dataclass(frozen=True)
class CompiledPolicy:
    """A program's rules, ready to evaluate."""

    file: str
    program: ProgramInfo
    parameters: dict[str, object]
    requirements: tuple[tuple[Requirement, Expression], ...]
    groups: tuple[Group, ...]  # in tier order, then file order
    age_limit: tuple[AgeLimit, Expression] | None
    kinds: dict[str, Expression]

    @property
    def tier_count(self) -> int:
        return max(group.tier for group in self.groups)


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


def load_policy(program: str | None = None, *, path: str | Path | None = None) -> CompiledPolicy:
    """Load, validate and compile a program's rules file.

    Parameters
    ----------
    program : str, optional
        A program id with a file in ``data/policies/`` (``welfare``, ``grassroots`` …).
    path : path, optional
        An explicit rules file instead (for a bureau's edited copy).

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
    tier_of: dict[str, int] = {}
    for tier_index, members in enumerate(spec.priority.tiers, start=1):
        if not members:
            errors.append(
                (f"priority.tiers.{tier_index - 1}", "a tier must list at least one group")
            )
        for group_id in members:
            if group_id in tier_of:
                errors.append(
                    (f"priority.tiers.{tier_index - 1}", f"group {group_id!r} is in two tiers")
                )
            tier_of[group_id] = tier_index

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
        label, spec.program, parameters, tuple(requirements), tuple(groups), age_limit, kinds
    )
