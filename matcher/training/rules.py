"""Money rules of training places, from ``data/policies/training_budget.toml`` (typed, checked).

The eligibility per training kind stays in ``training.toml`` (read by the eligibility engine);
this file holds the figures the allocation and the payment schedule need: the SYB hours and
rate, the 50 % cap of on-the-job training, the advance share, the allowances of distant or poor
returning migrants and the assessment settings.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from matcher.errors import PolicyFileError
from matcher.reference import data_dir
from matcher.schemas import TRAINING_KINDS

BUDGET_RULES_FILE = "training_budget.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SybRules(_Strict):
    """(二十四): at least ``min_hours`` class hours at ``subsidy_per_hour`` yuan."""

    min_hours: int = Field(ge=1, le=5000)
    subsidy_per_hour: int = Field(ge=0, le=1000)


class OnTheJobRules(_Strict):
    """(八): the subsidy is at most ``max_cost_share_percent`` of the cost."""

    max_cost_share_percent: int = Field(ge=0, le=100)
    cost_per_hour: int = Field(ge=0, le=10000)


class PaymentRules(_Strict):
    """When the subsidy is paid: the advance share, and how the balance is dated."""

    advance_percent: int = Field(ge=0, le=100)
    hours_per_day: int = Field(ge=1, le=24)
    days_per_week: int = Field(ge=1, le=7)
    exam_days: int = Field(ge=0, le=365)


class AllowanceRules(_Strict):
    """Travel and lunch allowances of distant or poor returning migrants."""

    kinds: tuple[str, ...]
    distant_km: float = Field(ge=0)
    travel_yuan_per_day: int = Field(ge=0, le=10000)
    lunch_yuan_per_day: int = Field(ge=0, le=10000)

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, kinds: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(kinds) - set(TRAINING_KINDS))
        if unknown:
            raise ValueError(
                f"unknown training kind(s) {', '.join(unknown)}; known: {', '.join(TRAINING_KINDS)}"
            )
        return kinds


class AssessmentRules(_Strict):
    """Base assessment: shrinkage prior, credible level, drop and add thresholds."""

    prior_trainees: float = Field(gt=0)
    credible_percent: int = Field(gt=0, lt=100)
    drop_below_share_percent: int = Field(ge=0, le=100)
    add_when_demand_over_places: float = Field(gt=0)


class BudgetRules(_Strict):
    """Everything in ``training_budget.toml``."""

    syb: SybRules
    on_the_job: OnTheJobRules
    payment: PaymentRules
    allowance: AllowanceRules
    assessment: AssessmentRules


def load_budget_rules(path: str | Path | None = None) -> BudgetRules:
    """Load and check the training money rules.

    Parameters
    ----------
    path : str or Path, optional
        A rules file; ``data/policies/training_budget.toml`` by default.

    Raises
    ------
    PolicyFileError
        Naming the file and every missing or invalid field.
    """
    file = Path(path) if path is not None else data_dir() / "policies" / BUDGET_RULES_FILE
    return _load(file)


@cache
def _load(file: Path) -> BudgetRules:
    if not file.exists():
        raise PolicyFileError(str(file), [("(file)", "does not exist")])
    try:
        with file.open("rb") as handle:
            raw = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise PolicyFileError(str(file), [("(syntax)", str(error))]) from None
    except UnicodeDecodeError:
        raise PolicyFileError(str(file), [("(file)", "is not UTF-8 text")]) from None
    try:
        return BudgetRules.model_validate(raw)
    except ValidationError as error:
        fields = [(".".join(str(p) for p in e["loc"]) or "(top)", e["msg"]) for e in error.errors()]
        raise PolicyFileError(str(file), fields) from None
