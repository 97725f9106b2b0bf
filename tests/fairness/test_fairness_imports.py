"""The measures stay below what they measure: ``matcher.fairness`` imports the allocation problem
and a few basics only, never the stages that build an allocation (generator, eligibility,
scoring, ranking, quotas) nor the reports built on top of it. The benchmark and the report that
need those live in ``matcher.reports``.

Every import statement is checked, also those inside functions (the old benchmark hid its
dependencies there), and so are ``importlib.import_module("…")`` calls with a literal name.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import matcher.fairness

FAIRNESS = Path(matcher.fairness.__file__).parent
#: The matcher modules the measures may use; a module's submodules are allowed with it.
ALLOWED = (
    "matcher.fairness",
    "matcher.allocation",
    "matcher.errors",
    "matcher.frames",
    "matcher.reference",
    "matcher.schemas",
)
#: Packages the measures must not reach, not even through an allowed module.
FORBIDDEN = (
    "matcher.generator",
    "matcher.eligibility",
    "matcher.scoring",
    "matcher.ranking",
    "matcher.quotas",
    "matcher.reports",
    "matcher.programs",
    "matcher.runs",
    "matcher.storage",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(FAIRNESS.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def matcher_imports(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """Every ``matcher…`` module that ``source`` (the text of ``module``) imports, anywhere in it.

    Relative imports are resolved against ``module``; ``from matcher import x`` counts as
    ``matcher.x`` (x may be a submodule).
    """
    package = module if is_package else module.rpartition(".")[0]
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append(target)
            found.extend(f"{target}.{alias.name}" for alias in node.names if alias.name != "*")
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and (
                (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                or (
                    isinstance(node.func, ast.Name)
                    and node.func.id in ("__import__", "import_module")
                )
            )
        ):
            found.append(node.args[0].value)
    return [name for name in found if name == "matcher" or name.startswith("matcher.")]


def _allowed(name: str) -> bool:
    if name in ("matcher", "matcher.__version__"):
        return True
    return any(name == root or name.startswith(root + ".") for root in ALLOWED)


def _fairness_files() -> list[Path]:
    files = sorted(FAIRNESS.rglob("*.py"))
    assert files, f"no modules found under {FAIRNESS}"
    return files


@pytest.mark.parametrize("path", _fairness_files(), ids=lambda p: p.name)
def test_fairness_module_imports_only_allocation_and_basics(path: Path) -> None:
    names = matcher_imports(
        path.read_text(encoding="utf-8"), _module_name(path), is_package=path.name == "__init__.py"
    )
    outside = sorted({name for name in names if not _allowed(name)})
    assert not outside, (
        f"{path.name} imports {outside}: matcher.fairness holds the measures and may import only "
        f"{', '.join(ALLOWED)}; put whole-pipeline code in matcher.reports"
    )


def test_importing_the_measures_loads_no_pipeline_stage() -> None:
    # Transitively too: an allowed module (the allocation) must not drag a stage in. A fresh
    # interpreter, because this test process has imported everything already.
    code = (
        "import importlib, pkgutil, sys, matcher.fairness as f\n"
        "for info in pkgutil.walk_packages(f.__path__, 'matcher.fairness.'):\n"
        "    importlib.import_module(info.name)\n"
        "print('\\n'.join(sorted(m for m in sys.modules if m.startswith('matcher'))))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split()
    reached = [m for m in loaded if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]
    assert not reached, f"importing matcher.fairness loads {reached}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from matcher.quotas.methods import apportion", ["matcher.quotas.methods"]),
        ("def f():\n    from matcher.generator import generate_province", ["matcher.generator"]),
        ("import matcher.scoring.candidates as c", ["matcher.scoring.candidates"]),
        ("from matcher import reports", ["matcher.reports"]),
        ("from ..eligibility import evaluate_eligibility", ["matcher.eligibility"]),
        ("from .envy import post_order", []),
        (
            "import importlib\nimportlib.import_module('matcher.ranking.persist')",
            ["matcher.ranking"],
        ),
    ],
)
def test_the_guard_sees_every_kind_of_import(source: str, expected: list[str]) -> None:
    outside = [n for n in matcher_imports(source, "matcher.fairness.metrics") if not _allowed(n)]
    assert all(any(n.startswith(e) for n in outside) for e in expected), outside
    assert bool(outside) == bool(expected), outside
