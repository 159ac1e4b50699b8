"""What an importer returns: a study's parts, ready for ``Registry.add_study``."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from hpxplore.space import Space

__all__ = ["ImportedStudy"]


@dataclass(frozen=True)
class ImportedStudy:
    name: str
    space: Space
    objectives: dict[str, str]
    constraints: tuple[str, ...]
    trials: pd.DataFrame
