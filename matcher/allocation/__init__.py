"""Allocation of scarce posts and places to eligible seekers.

``allocate`` is the one entry point (CLI, API service and benchmarks call it); see
``docs/allocation.md`` for the mechanisms, the constraints and how each is solved.
"""

from matcher.allocation.api import allocate, allocate_problem, reserve_spec
from matcher.allocation.checker import AllocationCheckError, Violation, check_allocation
from matcher.allocation.problem import AllocationProblem, build_problem, read_problem
from matcher.allocation.result import MECHANISMS, Allocation, Mechanism

__all__ = [
    "MECHANISMS",
    "Allocation",
    "AllocationCheckError",
    "AllocationProblem",
    "Mechanism",
    "Violation",
    "allocate",
    "allocate_problem",
    "build_problem",
    "check_allocation",
    "read_problem",
    "reserve_spec",
]
