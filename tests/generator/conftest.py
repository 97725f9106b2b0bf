"""Shared generated datasets for the generator tests (generated once per session)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from matcher.generator import SCALES, GeneratedProvince, generate_province
from matcher.generator.output import write_province

SEED = 7


@pytest.fixture(scope="session")
def small() -> GeneratedProvince:
    return generate_province("small", seed=SEED)


@pytest.fixture(scope="session")
def small_dir(small: GeneratedProvince, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("small")
    write_province(small, directory)
    return directory


@pytest.fixture(scope="session")
def many_seekers() -> GeneratedProvince:
    """Enough hard-to-employ seekers to test group shares tightly; few posts and little history."""
    scale = replace(
        SCALES["small"],
        name="many_seekers",
        hard_to_employ=20_000,
        graduates=2_000,
        history_records=500,
    )
    return generate_province(scale, seed=SEED + 1)
