"""Writing a generated province to a directory: the tables, ``truth/`` and ``manifest.json``.

Tables are written atomically as a set (:func:`matcher.io.atomic.write_tables`), the truth first
and the manifest last, so a directory with a manifest always holds a whole dataset. A non-empty
directory is only overwritten when its manifest says a previous ``matcher generate`` wrote it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from matcher import __version__
from matcher.errors import MatcherError
from matcher.generator import GeneratedProvince
from matcher.io.atomic import atomic_open, write_tables

Format = Literal["csv", "parquet"]
MANIFEST = "manifest.json"
GENERATOR_MARK = "matcher generate"
TRUTH_DIR = "truth"


def check_target(directory: str | Path) -> None:
    """Refuse a non-empty directory that is not a previous generator output.

    Raises
    ------
    MatcherError
        Naming the directory and what to do instead.
    """
    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise MatcherError(f"--out {target} exists and is not a directory")
    if not target.exists() or not any(target.iterdir()):
        return
    manifest = _read_manifest(target)
    if manifest is None or manifest.get("generator") != GENERATOR_MARK:
        raise MatcherError(
            f"refusing to write into {target}: it is not empty and is not a previous "
            f"`matcher generate` output (no {MANIFEST} written by the generator). "
            "Choose a new or empty directory."
        )


def _read_manifest(directory: Path) -> dict[str, Any] | None:
    path = directory / MANIFEST
    if not path.is_file():
        return None
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as its CSV shows it: flags as 1/0, dates as YYYY-MM-DD, empty cells empty."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_bool_dtype(series):
            out[column] = series.astype("int8")
        elif pd.api.types.is_datetime64_any_dtype(series):
            out[column] = series.dt.strftime("%Y-%m-%d").astype("string")
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_province(
    province: GeneratedProvince, directory: str | Path, *, fmt: Format = "csv"
) -> dict[str, Any]:
    """Write every table, the truth and the manifest into ``directory``.

    Parameters
    ----------
    province : GeneratedProvince
        From :func:`matcher.generator.generate_province`.
    directory : str or Path
        Target directory; created if missing.
    fmt : {"csv", "parquet"}
        File format of the tables and the truth.

    Returns
    -------
    dict
        The manifest as written.

    Raises
    ------
    MatcherError
        If ``directory`` is not empty and not a previous generator output.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(
            "The 'fmt' parameter of write_province must be 'csv' or 'parquet'. "
            f"Got {fmt!r} instead."
        )
    target = Path(directory)
    check_target(target)
    previous = _read_manifest(target) or {}
    suffix = f".{fmt}"
    convert = for_csv if fmt == "csv" else (lambda frame: frame)
    truth = {f"{name}{suffix}": convert(frame) for name, frame in province.truth_tables.items()}
    tables = {f"{name}{suffix}": convert(frame) for name, frame in province.tables.items()}

    write_tables(truth, target / TRUTH_DIR, bom=False)
    write_tables(tables, target, bom=False)
    written = [*tables, *(f"{TRUTH_DIR}/{name}" for name in truth)]
    for stale in set(previous.get("sha256", {})) - set(written):
        stale_path = target / stale
        if stale_path.is_file() and stale_path.resolve().is_relative_to(target.resolve()):
            stale_path.unlink()

    rows = {name: len(frame) for name, frame in province.tables.items()}
    rows |= {f"{TRUTH_DIR}/{name}": len(frame) for name, frame in province.truth_tables.items()}
    manifest: dict[str, Any] = {
        "generator": GENERATOR_MARK,
        "matcher_version": __version__,
        "scale": province.scale.name,
        "scale_parameters": asdict(province.scale),
        "seed": province.seed,
        "reference_date": province.reference_date.isoformat(),
        "format": fmt,
        "rows": rows,
        "sha256": {name: _sha256(target / name) for name in sorted(written)},
    }
    with atomic_open(target / MANIFEST) as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=2, sort_keys=True)
        handle.write("\n")
    return manifest
