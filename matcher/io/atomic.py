"""Atomic output: a file appears whole or not at all; a failed run leaves no half output."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

import pandas as pd

from matcher.io.csvsafe import neutralise_frame
from matcher.io.excel import CSV_ENCODING, write_xlsx


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[str]]:
    """Open a text file for writing that replaces ``path`` only when the block succeeds."""
    with atomic_path(path) as tmp, open(tmp, mode, encoding="utf-8", newline="") as handle:
        yield handle


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str], *, bom: bool = True) -> None:
    """Write a frame atomically, in the format the path's suffix names: ``.parquet``,
    ``.xlsx`` (a workbook, :func:`matcher.io.excel.write_xlsx`) or else CSV.

    CSV is UTF-8 with a byte-order mark, so that Excel shows Chinese text (``bom=False``: without
    it, for files only programs read, such as a generated dataset whose bytes are pinned).
    """
    target = Path(path)
    suffix = target.suffix.lower()
    with atomic_path(target) as tmp:
        if suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        elif suffix == ".xlsx":
            write_xlsx(frame, tmp)
        else:
            # Text starting like a formula (=, +, -, @ …) is made inert for spreadsheets.
            safe = neutralise_frame(frame)
            encoding = CSV_ENCODING if bom else "utf-8"
            safe.to_csv(tmp, index=False, encoding=encoding, lineterminator="\n")


def write_tables(
    frames: Mapping[str, pd.DataFrame], directory: str | os.PathLike[str], *, bom: bool = True
) -> None:
    """Write several tables so that either all of them land in ``directory`` or none does.

    Files are staged in a sibling temporary directory and moved in only after every one is
    written; each as :func:`write_table` writes it.
    """
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target))
    try:
        for file_name, frame in frames.items():
            write_table(frame, staging / file_name, bom=bom)
        for file_name in frames:
            os.replace(staging / file_name, target / file_name)
    finally:
        for leftover in staging.iterdir():
            leftover.unlink()
        staging.rmdir()
