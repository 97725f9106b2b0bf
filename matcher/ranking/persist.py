"""Saving and loading the ranker with its model card.

The model is a joblib pickle; beside it, ``<name>.card.json`` holds the model card (training data
hash, features, metrics, library versions). Loading reads the card first and refuses an
incompatible model *before* unpickling it, with a message that says what to do. Pickles run code
when loaded: load only models you trust (the shipped one, or one you trained).
"""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy
import sklearn

from matcher import __version__
from matcher.errors import ModelCompatibilityError
from matcher.io.atomic import atomic_open, atomic_path
from matcher.ranking.estimator import PlacementRanker
from matcher.scoring.features import FEATURE_NAMES

MODEL_FORMAT = 1
MODELS_DIR = Path(__file__).resolve().parent.parent.parent / "models"
DEFAULT_MODEL_PATH = MODELS_DIR / "ranker.joblib"


def card_path(model_path: str | os.PathLike[str]) -> Path:
    """Where the card of a model file lives: ``ranker.joblib`` → ``ranker.card.json``."""
    path = Path(model_path)
    return path.with_name(path.stem + ".card.json")


def library_versions() -> dict[str, str]:
    """Versions a pickled model depends on."""
    return {
        "matcher": __version__,
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "joblib": joblib.__version__,
    }


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def compatibility_problems(card: dict[str, Any]) -> list[str]:
    """Why a card's model cannot be used here (empty if it can)."""
    problems: list[str] = []
    if card.get("format") != MODEL_FORMAT:
        problems.append(f"model format {card.get('format')!r}, this code reads {MODEL_FORMAT}")
    if tuple(card.get("features", ())) != FEATURE_NAMES:
        problems.append("its features differ from this code's pair features")
    saved = card.get("versions", {})
    here = library_versions()
    for library in ("scikit-learn", "numpy"):
        # scikit-learn does not promise pickles across minor versions; numpy across majors.
        want = saved.get(library, "?")
        same = (
            _minor(want) == _minor(here[library])
            if library == "scikit-learn"
            else want.split(".")[0] == here[library].split(".")[0]
        )
        if not same:
            problems.append(f"trained with {library} {want}, this environment has {here[library]}")
    return problems


def save_model(
    model: PlacementRanker, card: dict[str, Any], path: str | os.PathLike[str] = DEFAULT_MODEL_PATH
) -> Path:
    """Write the model and its card atomically (the card last, so a card implies a model)."""
    target = Path(path)
    full_card = {"format": MODEL_FORMAT, "features": list(FEATURE_NAMES), **card}
    full_card.setdefault("versions", library_versions())
    full_card.setdefault("created", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    with atomic_path(target) as tmp:
        joblib.dump({"model": model, "card": full_card}, tmp, compress=3)
    with atomic_open(card_path(target)) as handle:
        json.dump(full_card, handle, ensure_ascii=False, indent=2, sort_keys=True)
        handle.write("\n")
    return target


def load_card(path: str | os.PathLike[str] = DEFAULT_MODEL_PATH) -> dict[str, Any]:
    """The model card of a saved model, without loading the model."""
    card_file = card_path(path)
    if not Path(path).is_file() or not card_file.is_file():
        raise ModelCompatibilityError(
            f"no ranking model at {path} (with its card {card_file.name}); "
            "train one with `matcher ranker train DIR --out PATH`"
        )
    try:
        card: dict[str, Any] = json.loads(card_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelCompatibilityError(f"unreadable model card {card_file}: {error}") from error
    return card


def load_model(
    path: str | os.PathLike[str] = DEFAULT_MODEL_PATH,
) -> tuple[PlacementRanker, dict[str, Any]]:
    """Load a saved ranker after checking it fits this code and these libraries.

    Raises
    ------
    ModelCompatibilityError
        If the file or its card is missing, or the model was saved by an incompatible version;
        the message says how to retrain.
    """
    card = load_card(path)
    problems = compatibility_problems(card)
    if problems:
        raise ModelCompatibilityError(
            f"the ranking model {path} cannot be used here: {'; '.join(problems)}. "
            "Retrain it with `matcher ranker train DIR --out PATH` (or install the versions "
            "listed in its card)."
        )
    payload = joblib.load(path)
    model = payload.get("model") if isinstance(payload, dict) else None
    if not isinstance(model, PlacementRanker):
        raise ModelCompatibilityError(f"{path} does not hold a PlacementRanker")
    return model, card


def render_model_card(card: dict[str, Any]) -> str:
    """The card as Markdown, for ``models/MODEL_CARD.md``."""
    lines = [
        "# Model card: placement ranker",
        "",
        "Predicts the probability that referring a seeker to a post works out: the seeker is",
        "hired and still employed there 12 months later. Calibrated gradient-boosted trees",
        "(`matcher.ranking.estimator.PlacementRanker`: scikit-learn",
        "`HistGradientBoostingClassifier` inside `CalibratedClassifierCV`).",
        "",
        "## Training data",
        "",
    ]
    data = card.get("training_data", {})
    for key in sorted(data):
        lines.append(f"- {key}: `{data[key]}`")
    if "scale" in data and "seed" in data:
        lines += [
            "",
            "Reproduce: `matcher generate --scale {scale} --seed {seed} --out DIR` then "
            "`matcher ranker train DIR` (the SHA-256 above is over DIR's public CSV files).".format(
                scale=data["scale"], seed=data["seed"]
            ),
        ]
    lines += ["", "## Parameters", ""]
    for key, value in sorted(card.get("parameters", {}).items()):
        lines.append(f"- {key}: `{value}`")
    lines += ["", "## Features", "", "In the order the model reads them:", ""]
    importance = card.get("importance", {})
    for name in card.get("features", []):
        extra = f" (permutation importance {importance[name]:+.4f})" if name in importance else ""
        lines.append(f"- `{name}`{extra}")
    evaluation = card.get("evaluation", {})
    if evaluation:
        lines += [
            "",
            "## Evaluation on held-out seekers",
            "",
            str(card.get("evaluation_protocol", "")),
            "",
            "| method | ndcg@10 | recall@10 | map | auc | brier |",
            "|---|---|---|---|---|---|",
        ]
        order = [m for m in ("random", "fuzzy", "ranker", "oracle") if m in evaluation]
        for method in order + [m for m in evaluation if m not in order]:
            metrics = evaluation[method]
            cells = " | ".join(
                f"{metrics.get(m, float('nan')):.4f}"
                for m in ("ndcg@10", "recall@10", "map", "auc", "brier")
            )
            lines.append(f"| {method} | {cells} |")
        if {"ranker", "oracle", "fuzzy"} <= set(evaluation):
            ranker = evaluation["ranker"]["ndcg@10"]
            lines += [
                "",
                f"Ranker NDCG@10 is {ranker / evaluation['oracle']['ndcg@10']:.3f} of the "
                f"oracle's and {ranker - evaluation['fuzzy']['ndcg@10']:+.3f} over fuzzy.",
            ]
    calibration = card.get("calibration", [])
    if calibration:
        lines += [
            "",
            "## Calibration of the ranker (held-out seekers)",
            "",
            "| predicted | pairs | mean predicted | observed |",
            "|---|---|---|---|",
        ]
        for row in calibration:
            mean = row.get("mean_predicted")
            observed = row.get("observed")
            lines.append(
                f"| {row['range']} | {row['pairs']} | "
                f"{'' if mean is None else f'{mean:.3f}'} | "
                f"{'' if observed is None else f'{observed:.3f}'} |"
            )
    lines += ["", "## Versions", ""]
    for key, value in sorted(card.get("versions", {}).items()):
        lines.append(f"- {key}: {value}")
    lines += [
        "",
        "## Use and limits",
        "",
        "Trained on synthetic data from `matcher generate`; its figures say how well it recovers",
        "the generator's documented ground-truth model (docs/ground-truth.md), not how it would",
        "do on real referrals. Retrain on real placements before real use, and check the",
        "calibration table again. The model is calibrated on counsellors' historical",
        "referrals; on top-50 candidate lists (a different mix of pairs) it over-predicts by",
        "up to about 0.09 in the middle of the range (table above): its order is sound, its",
        "probabilities are approximate. Loading refuses a model saved with another",
        "scikit-learn minor version or numpy major version, or with other features: retrain",
        "with `matcher ranker train DIR`.",
        "",
    ]
    return "\n".join(lines)


def load_shipped_model() -> tuple[PlacementRanker | None, str]:
    """The shipped ranking model and a label saying what scores the pairs; ``None`` (scores are
    title similarities) when the model is missing or does not fit these libraries, with why."""
    try:
        model, card = load_model(DEFAULT_MODEL_PATH)
    except ModelCompatibilityError as error:
        return None, f"scoring (title similarity; ranker unavailable: {error})"
    created = str(card.get("created", ""))
    data = str(card.get("training_data", {}).get("sha256", ""))[:12]
    return model, f"ranker ({DEFAULT_MODEL_PATH.name}, created {created}, trained on {data})"
