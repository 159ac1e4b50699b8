"""The trial log of one Study: every trial, the queue of those still to evaluate, and
their persistence (each change is saved to the registry at once, when there is one)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from hpxplore.objectives import Constraint
from hpxplore.space import Space
from hpxplore.trial import Trial, to_frame

if TYPE_CHECKING:
    from hpxplore.registry._store import Store

__all__ = ["TrialLog"]


class TrialLog:
    """Trials by index; ``queue`` holds those attached or generated but not yet evaluated."""

    def __init__(self, name: str, store: Store | None) -> None:
        self.name, self.store = name, store
        self._trials: dict[int, Trial] = {}
        self.queue: list[int] = []

    def __getitem__(self, index: int) -> Trial:
        return self._trials[index]

    def __contains__(self, index: object) -> bool:
        return index in self._trials

    def __iter__(self) -> Iterator[Trial]:
        return iter(sorted(self._trials.values(), key=lambda t: t.trial_index))

    def __len__(self) -> int:
        return len(self._trials)

    def add(self, trial: Trial, *, queued: bool = True) -> None:
        """A new trial (saved at once); ``queued``: still to be evaluated."""
        self._trials[trial.trial_index] = trial
        if queued:
            self.queue.append(trial.trial_index)
        self.save(trial.trial_index)

    def take(self, count: int) -> list[int]:
        """Up to ``count`` queued trials, taken off the queue, oldest first."""
        taken, self.queue = self.queue[:count], self.queue[count:]
        return taken

    def save(self, index: int) -> None:
        if self.store is not None:
            self.store.save_trial(self.name, self._trials[index])

    def count(self, status: str) -> int:
        return sum(t.status == status for t in self._trials.values())

    def with_status(self, status: str) -> list[Trial]:
        return [t for t in self if t.status == status]

    def frame(
        self, space: Space, metrics: Sequence[str], constraints: Sequence[Constraint]
    ) -> pd.DataFrame:
        """The trials table (see :mod:`hpxplore.trial`)."""
        return to_frame(self._trials.values(), space, metrics, constraints)
