"""Import a trials table from CSV (one row per trial, a column per parameter and metric)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from hpxplore.exceptions import InputError

__all__ = ["read_trials_csv"]


def read_trials_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV trials table; errors name the file and what is wrong with it."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"No trials file at {str(path)!r}.", "Check the path.")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{str(path)!r} is not a readable CSV trials table: {exc}.",
            "Write it with DataFrame.to_csv(path, index=False): a header row, then one row per trial.",
        ) from None
    return frame
