"""What the registry hands back: frozen study records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hpxplore.objectives import Constraint
from hpxplore.profiling import TaskProfile
from hpxplore.space import Space

__all__ = ["StudyRecord"]


@dataclass(frozen=True)
class StudyRecord:
    """A stored study: its task, space, objectives, provenance and trials."""

    name: str
    profile: TaskProfile
    space: Space
    objectives: dict[str, str]
    constraints: tuple[Constraint, ...]
    provenance: dict[str, Any]
    source: str
    state: str
    created_at: dt.datetime
    trials: pd.DataFrame

    @property
    def completed(self) -> pd.DataFrame:
        """The completed trials only."""
        return self.trials[self.trials["status"] == "completed"].reset_index(drop=True)

    @property
    def metrics(self) -> list[str]:
        """The metrics its trials record (objectives, constrained and any other columns)."""
        from hpxplore.registry._trials import BOOKKEEPING

        return [
            str(c)
            for c in self.trials.columns
            if c not in self.space and c not in BOOKKEEPING and not str(c).endswith("_sem")
        ]

    def best(self, metric: str | None = None) -> pd.Series:
        """The best feasible completed trial on ``metric`` (default: the first objective),
        as ``Study.best`` picks it: a trial that breaks a constraint is never the best."""
        from hpxplore.pareto import feasible_mask

        metric = metric or next(iter(self.objectives))
        completed = self.completed
        done = completed[feasible_mask(completed, self.constraints)].dropna(subset=[metric])
        if done.empty:
            feasible = " feasible" if self.constraints and not completed.empty else ""
            raise ValueError(
                f"Study {self.name!r} has no{feasible} completed trial with {metric!r}."
            )
        ascending = self.objectives.get(metric, "maximize") == "minimize"
        return done.sort_values(metric, ascending=ascending).iloc[0]

    def __repr__(self) -> str:
        return (
            f"StudyRecord({self.name!r}, task={self.profile.name!r}, {len(self.trials)} trials, "
            f"objectives={self.objectives}, source={self.source!r})"
        )
