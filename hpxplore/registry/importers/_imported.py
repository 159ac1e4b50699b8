"""What an importer returns: a study's parts, ready for ``Registry.add_study``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
    tags: dict[str, Any] = field(default_factory=dict)  # become the study's (its task's) tags
    provenance: dict[str, Any] = field(default_factory=dict)  # where it came from
