"""A small generated dataset and a quickly trained model, shared by the ranking tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.generator import generate_province
from matcher.generator.output import write_province


@pytest.fixture(scope="session")
def ranking_small_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("ranking_small")
    write_province(generate_province("small", seed=3), directory)
    return directory


@pytest.fixture(scope="session")
def ranking_model_path(ranking_small_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from matcher.ranking.persist import save_model
    from matcher.ranking.train import train_from_dir

    result = train_from_dir(ranking_small_dir, evaluate=False, parameters={"max_iter": 30})
    return save_model(result.model, result.card, tmp_path_factory.mktemp("model") / "r.joblib")
