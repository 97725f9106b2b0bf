"""Conditions in policy files: small boolean expressions over seeker features.

A bureau writes ``"registered_unemployed and (sex == 'F' and age_on(reference_4050) >= 40)"``.
The text is parsed with :mod:`ast` and only a whitelist of node types, feature names, parameter
names and two functions is accepted, so an edited file either means something precise or is
rejected with the offending name. Evaluation is vectorised over a features frame; a missing value
(NA) in a comparison counts as "condition not met".
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from matcher.schemas import EDUCATION_LEVELS

FUNCTIONS: dict[str, str] = {
    "age_on": "age in whole years on a date: age_on(2007-12-31) or age_on(parameter_name)",
    "edu": "rank of an education level, to compare with education_rank: edu('junior_college')",
}

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


class ExpressionError(ValueError):
    """An expression that is not valid; the message says which name or construct is wrong."""


@dataclass(frozen=True)
class Expression:
    """A validated condition, with its source text kept for reasons and reports."""

    text: str
    tree: ast.Expression

    def names(self) -> set[str]:
        return {n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name)}


def parse(text: str, features: Mapping[str, str], parameters: Mapping[str, object]) -> Expression:
    """Parse and validate ``text`` against the known feature and parameter names.

    Raises
    ------
    ExpressionError
        Naming the unknown name, function or construct.
    """
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("condition is empty")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"cannot parse {text!r}: {error.msg}") from None
    for node in ast.walk(tree):
        _check_node(node, features, parameters)
    return Expression(text.strip(), tree)


def _check_node(
    node: ast.AST, features: Mapping[str, str], parameters: Mapping[str, object]
) -> None:
    allowed = (
        ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.Compare,
        ast.Name, ast.Load, ast.Constant, ast.List, ast.Tuple, ast.Call, ast.In, ast.NotIn,
        *_COMPARE,
    )  # fmt: skip
    if not isinstance(node, allowed):
        raise ExpressionError(f"'{ast.unparse(node)}' is not allowed in a condition")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise ExpressionError(
                f"unknown function '{ast.unparse(node.func)}'; known: {', '.join(FUNCTIONS)}"
            )
        if len(node.args) != 1 or node.keywords:
            raise ExpressionError(f"{node.func.id}() takes exactly one argument")
        arg = node.args[0]
        if node.func.id == "edu" and not (
            isinstance(arg, ast.Constant) and arg.value in EDUCATION_LEVELS
        ):
            raise ExpressionError(
                f"edu() takes one of {', '.join(EDUCATION_LEVELS)}; got {ast.unparse(arg)}"
            )
        if node.func.id == "age_on" and not (
            (isinstance(arg, ast.Name) and isinstance(parameters.get(arg.id), date))
            or (
                isinstance(arg, ast.Constant) and isinstance(arg.value, str) and _is_date(arg.value)
            )
        ):
            raise ExpressionError(
                "age_on() takes a date parameter name or a 'YYYY-MM-DD' string; "
                f"got {ast.unparse(arg)}"
            )
    if isinstance(node, ast.Name) and node.id not in features and node.id not in parameters:
        if node.id in FUNCTIONS:
            return
        known = ", ".join(sorted([*features, *parameters]))
        raise ExpressionError(f"unknown name '{node.id}'; known names: {known}")
    if isinstance(node, ast.Constant) and not isinstance(node.value, str | int | float | bool):
        raise ExpressionError(f"constant {node.value!r} is not a string, number or boolean")


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def age_on(birth_dates: pd.Series, when: date) -> pd.Series:
    """Whole years of age on ``when`` for a datetime column (NA where unknown)."""
    born = pd.to_datetime(birth_dates)
    years = when.year - born.dt.year
    before_birthday = (born.dt.month > when.month) | (
        (born.dt.month == when.month) & (born.dt.day > when.day)
    )
    return (years - before_birthday.astype("Int64")).astype("Int64")


def evaluate(
    expression: Expression, features: pd.DataFrame, parameters: Mapping[str, object]
) -> pd.Series:
    """The condition for every row of ``features`` as a plain boolean Series (NA → False)."""
    value = _eval(expression.tree.body, features, parameters)
    if not isinstance(value, pd.Series):
        value = pd.Series(bool(value), index=features.index)
    return value.astype("boolean").fillna(False).astype(bool)


def _as_bool(value: Any, index: pd.Index) -> pd.Series:
    if isinstance(value, pd.Series):
        return value.astype("boolean")
    return pd.Series(bool(value), index=index, dtype="boolean")


def _eval(node: ast.AST, features: pd.DataFrame, parameters: Mapping[str, object]) -> Any:
    if isinstance(node, ast.BoolOp):
        parts = [_as_bool(_eval(v, features, parameters), features.index) for v in node.values]
        result = parts[0]
        for part in parts[1:]:
            result = (result & part) if isinstance(node.op, ast.And) else (result | part)
        return result
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, features, parameters)
        if isinstance(node.op, ast.Not):
            return ~_as_bool(operand, features.index)
        return -operand
    if isinstance(node, ast.Compare):
        left = _eval(node.left, features, parameters)
        combined: Any = None
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, features, parameters)
            if isinstance(op, ast.In | ast.NotIn):
                members = list(right)
                hit = left.isin(members) if isinstance(left, pd.Series) else left in members
                step = ~_as_bool(hit, features.index) if isinstance(op, ast.NotIn) else hit
            else:
                step = _COMPARE[type(op)](left, right)
            step = _as_bool(step, features.index)
            combined = step if combined is None else (combined & step)
            left = right
        return combined
    if isinstance(node, ast.Name):
        if node.id in features.columns:
            return features[node.id]
        return parameters[node.id]
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List | ast.Tuple):
        return [_eval(e, features, parameters) for e in node.elts]
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        arg = node.args[0]
        if node.func.id == "edu":
            assert isinstance(arg, ast.Constant)
            return EDUCATION_LEVELS.index(arg.value)
        when = (
            parameters[arg.id]
            if isinstance(arg, ast.Name)
            else date.fromisoformat(str(getattr(arg, "value", "")))
        )
        assert isinstance(when, date)
        return age_on(features["birth_date"], when)
    raise ExpressionError(f"cannot evaluate {ast.unparse(node)}")  # unreachable after parse()


__all__ = ["FUNCTIONS", "Expression", "ExpressionError", "age_on", "evaluate", "parse"]
