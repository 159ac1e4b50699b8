"""Budget caps of one ``Study.run`` call: trials, wall-clock seconds, evaluation cost."""

from __future__ import annotations

import math
from dataclasses import dataclass

from hpxplore.exceptions import InputError

__all__ = ["Budget"]


@dataclass(frozen=True)
class Budget:
    """Stop a run when any cap is reached (trials already in flight finish).

    Args:
        trials: evaluations started by this run.
        seconds: wall-clock seconds since the run started.
        cost: total evaluation cost; by default the sum of each trial's evaluation
            seconds (across workers), or of the metric named by ``cost_metric``.
        cost_metric: a metric that ``evaluate`` returns and that measures cost. A trial
            that early stopping ends costs the value it last reported (or, if it reported
            none, its last step): report the cost with each step, e.g. epochs so far.
    """

    trials: int | None = None
    seconds: float | None = None
    cost: float | None = None
    cost_metric: str | None = None

    def __post_init__(self) -> None:
        for field in ("trials", "seconds", "cost"):
            value = getattr(self, field)
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
                or value <= 0
            ):
                raise InputError(
                    f"The '{field}' cap of Budget must be a number > 0 or None. Got {value!r} instead.",
                    "Leave a cap out (None) to not cap it.",
                )

    def reason(self, started: int, elapsed_s: float, cost: float) -> str | None:
        """Why the run must stop now, or ``None``."""
        if self.trials is not None and started >= self.trials:
            return f"trial budget of {self.trials} reached"
        if self.seconds is not None and elapsed_s >= self.seconds:
            return f"time budget of {self.seconds:g} s reached"
        if self.cost is not None and cost >= self.cost:
            return f"cost budget of {self.cost:g} reached"
        return None
