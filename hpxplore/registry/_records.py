"""What the registry hands back: frozen study records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hpxplore.exceptions import HpxploreError
from hpxplore.objectives import Constraint, primary
from hpxplore.pareto import best
from hpxplore.profiling import TaskProfile
from hpxplore.space import Space
from hpxplore.trial import metric_columns

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
    updated_at: dt.datetime | None = None  # when its trials or state last changed

    @property
    def version(self) -> tuple[str, str, str]:
        """Tells this state of the study from any other (what fitted models are cached by)."""
        return (self.name, str(self.created_at), str(self.updated_at))

    @property
    def completed(self) -> pd.DataFrame:
        """The completed trials only."""
        return self.trials[self.trials["status"] == "completed"].reset_index(drop=True)

    @property
    def metrics(self) -> list[str]:
        """The metrics its trials record (objectives, constrained and any other columns)."""
        return metric_columns(self.trials, self.space)

    def best(self, metric: str | None = None) -> pd.Series:
        """The best feasible completed trial on ``metric`` (default: the first objective),
        as ``Study.best`` picks it: a trial that breaks a constraint is never the best."""
        row = best(self.trials, self.objectives, self.constraints, metric)
        if row is None:
            metric = metric or primary(self.objectives)[0]
            feasible = " feasible" if self.constraints and len(self.completed) else ""
            raise HpxploreError(
                f"Study {self.name!r} has no{feasible} completed trial with {metric!r}.",
                "Pick another study, or pass metric= one of its metrics "
                f"({', '.join(self.metrics)}).",
            )
        return row

    def __repr__(self) -> str:
        return (
            f"StudyRecord({self.name!r}, task={self.profile.name!r}, {len(self.trials)} trials, "
            f"objectives={self.objectives}, source={self.source!r})"
        )
