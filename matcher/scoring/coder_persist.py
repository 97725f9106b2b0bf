"""The shipped title coder: training it from the shipped data, saving and loading it.

``models/title_coder.joblib`` is the :class:`~matcher.scoring.coder.TitleCoder` fitted on the
shipped CSCO 2022 vocabulary (``data/occupations.csv``) and the shipped labelled real-ad titles
(``data/real_ad_titles.csv``); ``models/title_coder.card.json`` holds what it was trained on,
its threshold and its reliability table. Like the ranker, the card is read first and a model
saved with another scikit-learn minor or numpy major version is refused before unpickling.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import pandas as pd

from matcher import reference
from matcher.errors import DataValidationError, ModelCompatibilityError, Problem
from matcher.io.atomic import atomic_open, atomic_path
from matcher.ranking.persist import MODELS_DIR, _minor, card_path, library_versions
from matcher.scoring.coder import TitleCoder

CODER_FORMAT = 1
DEFAULT_CODER_PATH = MODELS_DIR / "title_coder.joblib"
LABELLED_TITLES_FILE = "real_ad_titles.csv"
LABELLED_COLUMNS = ("title", "code")


def shipped_vocabulary() -> pd.DataFrame:
    """The shipped CSCO 2022 vocabulary, every level: ``code``, ``level``, ``name``, ``aliases``."""
    table = reference.occupations()
    return table.loc[:, ["code", "level", "name", "aliases"]].reset_index(drop=True)


def shipped_labelled_titles() -> pd.DataFrame:
    """The shipped labelled real-ad titles (``title``, ``code``, ``name``)."""
    path = reference.data_dir() / LABELLED_TITLES_FILE
    return read_labelled(path)


def read_labelled(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read labelled titles (UTF-8 CSV with ``title`` and ``code``; a filled review file works).

    Rows with an empty code are skipped (a review row nobody filled in).
    """
    from matcher.scoring.title_input import read_csv_utf8

    frame = read_csv_utf8(path)
    missing = [c for c in LABELLED_COLUMNS if c not in frame.columns]
    if missing:
        raise DataValidationError(
            [Problem(str(path), None, c, None, "required column is missing") for c in missing]
        )
    frame = frame.assign(title=frame["title"].str.strip(), code=frame["code"].str.strip())
    return frame[(frame["code"] != "") & (frame["title"] != "")].reset_index(drop=True)


def train_shipped_coder(**params: Any) -> tuple[TitleCoder, dict[str, Any]]:
    """Fit the coder on the shipped vocabulary and labelled titles; return it with its card."""
    vocabulary = shipped_vocabulary()
    labelled = shipped_labelled_titles()
    coder = TitleCoder(**params).fit(
        labelled["title"].tolist(), labelled["code"].tolist(), vocabulary=vocabulary
    )
    data = (reference.data_dir() / LABELLED_TITLES_FILE).read_bytes()
    card = {
        "training_data": {
            "labelled_titles": LABELLED_TITLES_FILE,
            "labelled_sha256": hashlib.sha256(data).hexdigest(),
            "titles": len(labelled),
            "vocabulary": "occupations.csv",
            "vocabulary_codes": len(vocabulary),
        },
        "parameters": coder.get_params(),
        "threshold": coder.threshold_,
        "reliability": coder.reliability_.to_dict(orient="records"),
        "supervised_codes": len(coder.classes_),
    }
    return coder, card


def save_coder(
    coder: TitleCoder, card: dict[str, Any], path: str | os.PathLike[str] = DEFAULT_CODER_PATH
) -> Path:
    """Write the coder and its card atomically (the card last)."""
    target = Path(path)
    full_card = {"format": CODER_FORMAT, **card}
    full_card.setdefault("versions", library_versions())
    full_card.setdefault("created", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    with atomic_path(target) as tmp:
        joblib.dump({"coder": coder, "card": full_card}, tmp, compress=3)
    with atomic_open(card_path(target)) as handle:
        json.dump(full_card, handle, ensure_ascii=False, indent=2, sort_keys=True)
        handle.write("\n")
    return target


def load_coder(path: str | os.PathLike[str] = DEFAULT_CODER_PATH) -> TitleCoder:
    """Load a saved coder after checking its card against this code and these libraries."""
    card_file = card_path(path)
    if not Path(path).is_file() or not card_file.is_file():
        raise ModelCompatibilityError(
            f"no title coder at {path} (with its card {card_file.name}); train one with "
            "`python scripts/train_title_coder.py`"
        )
    card = json.loads(card_file.read_text(encoding="utf-8"))
    problems: list[str] = []
    if card.get("format") != CODER_FORMAT:
        problems.append(f"format {card.get('format')!r}, this code reads {CODER_FORMAT}")
    saved = card.get("versions", {})
    here = library_versions()
    if _minor(saved.get("scikit-learn", "?")) != _minor(here["scikit-learn"]):
        problems.append(
            f"trained with scikit-learn {saved.get('scikit-learn')}, this environment has "
            f"{here['scikit-learn']}"
        )
    if saved.get("numpy", "?").split(".")[0] != here["numpy"].split(".")[0]:
        problems.append(f"trained with numpy {saved.get('numpy')}, here {here['numpy']}")
    if problems:
        raise ModelCompatibilityError(
            f"the title coder {path} cannot be used here: {'; '.join(problems)}. Retrain it "
            "with `python scripts/train_title_coder.py`."
        )
    payload = joblib.load(path)
    coder = payload.get("coder") if isinstance(payload, dict) else None
    if not isinstance(coder, TitleCoder):
        raise ModelCompatibilityError(f"{path} does not hold a TitleCoder")
    return coder
