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


def test_readme_layout_lists_every_package() -> None:
    # The layout table is how a newcomer finds where a job lives; a new package must get a row.
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = text[text.index("## Layout") :]
    layout = layout[: layout.index("\n\n", layout.index("| path |"))]
    packages = sorted(p.parent.name for p in (ROOT / "matcher").glob("*/__init__.py"))
    missing = [name for name in packages if f"| `matcher/{name}/` |" not in layout]
    assert not missing, f"README.md's layout table lacks packages: {missing}"
