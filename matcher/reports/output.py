"""Writing a report's files together: all of them appear in the directory, or none does."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from matcher.io.atomic import write_table


def write_files(
    files: Mapping[str, str | bytes | pd.DataFrame], directory: str | os.PathLike[str]
) -> list[Path]:
    """Write text, bytes and tables (CSV by suffix) into ``directory`` as one unit.

    Every file is staged in a hidden sibling directory first and moved into place only after all
    were written, so a failure leaves no partial report (the same contract as
    :func:`matcher.io.atomic.write_tables`, which handles tables only).

    Returns
    -------
    list of Path
        The written paths, in the order given.
    """
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target))
    try:
        for name, content in files.items():
            path = staging / name
            if isinstance(content, pd.DataFrame):
                write_table(content, path)
            elif isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        written = []
        for name in files:
            os.replace(staging / name, target / name)
            written.append(target / name)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
