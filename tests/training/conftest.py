"""A small generated province, written once per session, for the training tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from matcher.eligibility import evaluate_eligibility
from matcher.generator import generate_province
from matcher.generator.output import write_province
from matcher.io.load import Dataset, load_dataset
from matcher.policy.rules import load_policy

SEED = 11


@pytest.fixture(scope="session")
def training_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("training_small")
    write_province(generate_province("small", seed=SEED), directory)
    return directory


@pytest.fixture(scope="session")
def training_dataset(training_dir: Path) -> Dataset:
    return load_dataset(training_dir)


@pytest.fixture(scope="session")
def training_eligibility(training_dataset: Dataset) -> pd.DataFrame:
    return evaluate_eligibility(
        training_dataset["seekers"],
        training_dataset["households"],
        load_policy("training"),
        training_dataset.reference_date,
    )
