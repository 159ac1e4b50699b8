"""What each evaluated recommendation gave on the new task: the audit log's outcomes.

A transferred trial *helped* when it beat the best cold trial of the same run (the
quasi-random trials of Ax's initial design, or the trials an Optuna sampler chose itself)
on the first objective: the cold-start alternative it displaced.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from hpxplore.objectives import primary
from hpxplore.trial import Trial

__all__ = ["COLD_ORIGINS", "transfer_outcomes"]

COLD_ORIGINS = ("quasi-random",)


def transfer_outcomes(
    trials: Iterable[Trial],
    objectives: Mapping[str, str],
    *,
    cold: Collection[str] = COLD_ORIGINS,
    skip: Collection[int] = (),
) -> list[tuple[int, int, dict[str, Any]]]:
    """``(recommendation_id, trial_index, outcome)`` for each finished trial that evaluates
    a recommendation (not those in ``skip``, already recorded)."""
    trials = list(trials)
    metric, direction = primary(objectives)
    sign = 1.0 if direction == "maximize" else -1.0
    baseline = [
        t.metrics[metric]
        for t in trials
        if t.status == "completed" and t.origin in cold and t.metrics.get(metric) is not None
    ]
    reference = (max if sign > 0 else min)(baseline) if baseline else None
    found = []
    for t in trials:
        rec_id = t.recommendation_id
        if rec_id is None or t.status == "running" or rec_id in skip:
            continue
        value = t.metrics.get(metric) if t.status == "completed" else None
        outcome: dict[str, Any] = {
            "status": t.status,
            "kind": t.recommendation_kind,
            "metric": metric,
            "value": value,
            "error": t.error,
        }
        if value is not None and reference is not None:
            gain = sign * (value - reference)
            outcome.update(reference=reference, gain=gain, helped=gain > 0)
        elif t.status != "completed":
            outcome.update(helped=False)
        found.append((rec_id, t.trial_index, outcome))
    return found
