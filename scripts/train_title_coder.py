"""Train the shipped title coder: ``models/title_coder.joblib`` and its card.

Fits :class:`matcher.scoring.coder.TitleCoder` (default parameters, seed 0) on the shipped CSCO
2022 vocabulary (``data/occupations.csv``) and the shipped labelled real-ad titles
(``data/real_ad_titles.csv``). Run from the repository root::

    .venv/bin/python scripts/train_title_coder.py [--out models/title_coder.joblib]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from matcher.scoring.coder_persist import DEFAULT_CODER_PATH, save_coder, train_shipped_coder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_CODER_PATH)
    args = parser.parse_args()
    coder, card = train_shipped_coder()
    target = save_coder(coder, card, args.out)
    print(
        f"title coder: {card['supervised_codes']} supervised codes, threshold "
        f"{card['threshold']:.3f} → {target}"
    )


if __name__ == "__main__":
    main()
