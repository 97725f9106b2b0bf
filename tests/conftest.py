"""Session-wide test setup: the repository root first on sys.path, and one loud line when the
PostgreSQL cases of the service tests were skipped."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# ``tests/api`` is named like the service package: once pytest puts ``tests/`` on sys.path,
# ``import api`` could find that folder. The repository root holds the real package; put it first.
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    # Read the skip reports (they arrive from xdist workers too) and say it loudly, once.
    if getattr(terminalreporter, "_matcher_pg_reported", False):
        return
    reasons = sorted(
        {
            str(report.longrepr[2])
            for report in terminalreporter.stats.get("skipped", [])
            if isinstance(report.longrepr, tuple) and "PostgreSQL SKIPPED" in report.longrepr[2]
        }
    )
    if reasons:
        terminalreporter._matcher_pg_reported = True  # type: ignore[attr-defined]
        terminalreporter.write_sep("!", "PostgreSQL tests were SKIPPED", red=True, bold=True)
        for reason in reasons:
            terminalreporter.write_line(reason, red=True)
