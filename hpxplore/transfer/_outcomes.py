"""What each evaluated recommendation gave on the new task: the audit log's outcomes.

A transferred trial is judged against the cold trials of the same run (the quasi-random
trials of Ax's initial design, or the trials an Optuna sampler chose itself), feasible ones
only: it *helped* when it meets every constraint and no feasible cold trial dominates it on
every objective (with one objective: it beats the best of them), that is, when it adds to
the hypervolume of the cold trials' front. ``gain`` is its margin over the best feasible
cold trial on the first objective; with several objectives, ``hv_share`` is the share of the
hypervolume of the cold front plus this trial that this trial adds (0 when dominated).
``values`` keeps what it gave on every objective, so the
audit can check it against the interval its recommendation projected (calibration).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from hpxplore.objectives import Constraint, primary
from hpxplore.pareto import hypervolume
from hpxplore.trial import Trial

__all__ = ["COLD_ORIGINS", "transfer_outcomes"]

COLD_ORIGINS = ("quasi-random",)


def _scores(trial: Trial, objectives: Mapping[str, str]) -> np.ndarray | None:
    """The trial's objectives, larger is better in each; ``None`` when one is missing."""
    values = [trial.metrics.get(m) for m in objectives]
    if any(v is None for v in values):
        return None
    signs = [1.0 if d == "maximize" else -1.0 for d in objectives.values()]
    return np.array(values, dtype=float) * signs


def _hv_share(mine: np.ndarray, cold: list[np.ndarray]) -> float:
    """The share of the hypervolume of ``cold`` plus ``mine`` (every objective larger is
    better) that ``mine`` adds; the reference is 10 % of the range beyond the worst."""
    points = np.vstack([*cold, mine])
    low, high = points.min(axis=0), points.max(axis=0)
    reference = low - 0.1 * np.where(high > low, high - low, 1.0)
    up = ["maximize"] * points.shape[1]
    both = hypervolume(points, up, reference)
    without = hypervolume(np.vstack(cold), up, reference)
    return float((both - without) / both) if both > 0 else 0.0


def transfer_outcomes(
    trials: Iterable[Trial],
    objectives: Mapping[str, str],
    constraints: Sequence[Constraint] = (),
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
        (t, scores)
        for t in trials
        if t.status == "completed"
        and t.origin in cold
        and t.meets(constraints)
        and (scores := _scores(t, objectives)) is not None
    ]
    reference = max((t.metrics[metric] * sign for t, _ in baseline), default=None)
    found = []
    for t in trials:
        rec_id = t.recommendation_id
        if rec_id is None or t.status == "running" or rec_id in skip:
            continue
        value = t.metrics.get(metric) if t.status == "completed" else None
        feasible = t.status == "completed" and t.meets(constraints)
        outcome: dict[str, Any] = {
            "status": t.status,
            "kind": t.recommendation_kind,
            "metric": metric,
            "value": value,
            "feasible": feasible,
            "error": t.error,
        }
        if t.status == "completed":
            outcome["values"] = {m: t.metrics.get(m) for m in objectives}
        mine = _scores(t, objectives) if t.status == "completed" else None
        if mine is not None and reference is not None:
            outcome.update(reference=reference * sign, gain=sign * value - reference)
            dominated = [
                other.trial_index
                for other, theirs in baseline
                if np.all(theirs >= mine) and np.any(theirs > mine)
            ]
            ties = any(np.all(theirs == mine) for _, theirs in baseline)
            outcome.update(helped=feasible and not dominated and not ties)
            if len(objectives) > 1 and feasible:
                outcome["hv_share"] = round(_hv_share(mine, [b for _, b in baseline]), 4)
            if dominated:
                outcome["dominated_by"] = dominated[:5]
        elif t.status != "completed" or not feasible:
            outcome.update(helped=False)
        found.append((rec_id, t.trial_index, outcome))
    return found
