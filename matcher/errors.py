"""Domain exceptions. The CLI turns them into exit codes, the API into HTTP statuses.

Every error carries the fields a user needs to find and fix the cause (file, row, column, rule,
constraint), never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Problem:
    """One bad cell, row or file found while validating input.

    ``row`` is 1-based as a spreadsheet shows it: the header is row 1, the first data row is 2.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        value = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}: {self.rule}{value}"


class MatcherError(Exception):
    """Base of every error the user should see as a message, not a traceback."""

    exit_code: int = 1


class DataValidationError(MatcherError):
    """Input tables broke one or more rules; ``problems`` lists every one found in one pass."""

    exit_code = 2

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = sorted(
            problems, key=lambda p: (p.file, p.row or 0, p.column or "", p.rule)
        )
        files = sorted({p.file for p in self.problems})
        super().__init__(
            f"{len(self.problems)} problem(s) in {', '.join(files)}; first: {self.problems[0]}"
            if self.problems
            else "input failed validation"
        )


class PolicyFileError(MatcherError):
    """A policy rules file is invalid: names the file, the field and what is wrong."""

    exit_code = 2

    def __init__(self, file: str, errors: Sequence[tuple[str, str]]) -> None:
        self.file = file
        self.errors = list(errors)
        detail = "; ".join(f"{fld}: {msg}" for fld, msg in self.errors)
        super().__init__(f"invalid policy file {file}: {detail}")


@dataclass
class Shortfall:
    """A constraint that cannot be met, and by how much.

    ``constraint`` is the kind and ``subject`` the words for the message; the typed fields name
    what falls short so that callers never parse the text (e.g. which families the guarantee
    cannot cover). Each is ``None`` when it does not apply.
    """

    constraint: str  # e.g. "tier_floor", "city_cap", "family_guarantee", "bounds"
    subject: str  # e.g. "tier 1", "city 2101", "family F00012"
    required: float
    achievable: float
    detail: str = ""
    family_id: str | None = field(default=None, kw_only=True)
    city: str | None = field(default=None, kw_only=True)
    tier: int | None = field(default=None, kw_only=True)
    group: str | None = field(default=None, kw_only=True)

    @property
    def missing(self) -> float:
        return self.required - self.achievable

    def __str__(self) -> str:
        text = (
            f"{self.constraint} for {self.subject}: requires {self.required:g}, "
            f"at most {self.achievable:g} achievable (short by {self.missing:g})"
        )
        return f"{text}; {self.detail}" if self.detail else text


class InfeasibleError(MatcherError):
    """A request whose constraints cannot all hold; ``shortfalls`` explains each one."""

    exit_code = 3

    def __init__(self, message: str, shortfalls: Sequence[Shortfall] = ()) -> None:
        self.shortfalls = list(shortfalls)
        lines = [message, *(f"  - {s}" for s in self.shortfalls)]
        super().__init__("\n".join(lines))


class ModelCompatibilityError(MatcherError):
    """A saved model does not match this version of the code or its libraries."""

    exit_code = 4


@dataclass
class _Collector:
    """Accumulates problems across checks so a loader can report them all at once."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def raise_if_any(self) -> None:
        if self.problems:
            raise DataValidationError(self.problems)
