"""Generated docs match the code they describe."""

from __future__ import annotations

from pathlib import Path

from matcher.cli.data import render_schema_doc
from matcher.eligibility.features import FEATURES

ROOT = Path(__file__).resolve().parents[2]


def test_data_format_doc_is_current() -> None:
    text = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")
    assert text == render_schema_doc(), "run `matcher schema-doc` to regenerate docs/data-format.md"


def test_policy_doc_lists_every_feature() -> None:
    text = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    missing = [name for name in FEATURES if f"| `{name}` |" not in text]
    assert not missing, f"docs/policies.md lacks features: {missing}"
