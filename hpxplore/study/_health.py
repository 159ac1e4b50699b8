"""Whether a run is going anywhere: said early (a warning after the first few trials when
every one failed or none meets the constraints), and a stop after a streak of failures."""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence

from hpxplore.exceptions import HpxploreWarning
from hpxplore.objectives import Constraint
from hpxplore.trial import Trial

__all__ = ["MAX_FAILURES", "WARN_AFTER", "RunHealth"]

MAX_FAILURES = 5  # trials failing in a row that stop a run (Study.run's default)
WARN_AFTER = 3  # finished trials after which a run where nothing worked says so


class RunHealth:
    """Watches the trials one run finishes; warns once per kind of trouble."""

    def __init__(self, name: str, constraints: Sequence[Constraint]) -> None:
        self.name, self.constraints = name, list(constraints)
        self.finished: list[Trial] = []
        self.failed_in_row = 0
        self._warned: set[str] = set()

    def saw(self, trial: Trial) -> None:
        """Trial ``trial`` has its outcome."""
        self.finished.append(trial)
        self.failed_in_row = self.failed_in_row + 1 if trial.status == "failed" else 0
        if len(self.finished) < WARN_AFTER:
            return
        failed = [t for t in self.finished if t.status == "failed"]
        done = [t for t in self.finished if t.status == "completed"]
        if len(failed) == len(self.finished):
            self._warn("failing", self._failing(failed))
        elif done and self.constraints and not any(t.meets(self.constraints) for t in done):
            self._warn("infeasible", self._infeasible(done))

    def halt(self, max_failures: int | None) -> str | None:
        """Why the run must stop now (a streak of failures), or ``None``."""
        if max_failures is None or self.failed_in_row < max_failures:
            return None
        return (
            f"{self.failed_in_row} trials in a row failed (the last: "
            f"{self.finished[-1].error}); fix evaluate, or pass max_failures=None to go on"
        )

    def _failing(self, failed: list[Trial]) -> tuple[str, str]:
        reason, count = Counter(t.error or "unknown" for t in failed).most_common(1)[0]
        return (
            f"Study {self.name!r}: all {len(failed)} trials so far failed"
            + (f", {count} of them with: {reason}" if count < len(failed) else f": {reason}"),
            "Call evaluate on one config yourself to see the error (e.g. "
            "evaluate(study.trials.iloc[0][list(study.space)].to_dict())); it must return "
            "{metric: number} for every objective and constrained metric.",
        )

    def _infeasible(self, done: list[Trial]) -> tuple[str, str]:
        broken = []
        for c in self.constraints:
            values = [t.metrics.get(c.metric) for t in done]
            misses = [v for v in values if not c.satisfied(v)]
            if misses:
                closest = min(
                    (abs(v - c.bound) for v in misses if isinstance(v, (int, float))),
                    default=None,
                )
                broken.append(
                    f"{c} broken by {len(misses)}"
                    + (f" (closest miss {closest:.4g} away)" if closest is not None else "")
                )
        return (
            f"Study {self.name!r}: none of the {len(done)} completed trials meets every "
            f"constraint ({'; '.join(broken)}).",
            "Check the constraints' bounds and units against what evaluate returns; "
            "Ax keeps searching for feasible configs, but a bound no config can meet "
            "wastes the whole budget.",
        )

    def _warn(self, kind: str, text: tuple[str, str]) -> None:
        if kind in self._warned:
            return
        self._warned.add(kind)
        message, hint = text
        warnings.warn(f"{message}\nHint: {hint}", HpxploreWarning, stacklevel=5)
