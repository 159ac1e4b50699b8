"""Trials-to-target, regret, hypervolume and the speed-up at equal quality, from runs.

One objective: the normalized regret of the best so far. Two objectives: the hypervolume
regret, 1 - HV(points so far) / HV(exact front), with the worst known values as the
reference point. Either way a curve that falls to 0, so every count reads off a curve.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from hpxplore.pareto import hypervolume

TARGET = 0.01  # within 1 % normalized regret of the task's best known value
HV_TARGET = 0.05  # several objectives: the hypervolume within 5 % of the exact front's


def best_so_far(values: Sequence[float], direction: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return np.maximum.accumulate(array) if direction == "maximize" else np.minimum.accumulate(array)


def regret(values: Sequence[float], best: float, worst: float) -> np.ndarray:
    """Normalized regret of each value: 0 at the best known value, 1 at the worst."""
    span = abs(best - worst) or 1.0
    return np.abs(best - np.asarray(values, dtype=float)) / span


def regret_curve(values: Sequence[float], direction: str, best: float, worst: float) -> np.ndarray:
    """Normalized regret of the best so far."""
    return regret(best_so_far(values, direction), best, worst)


def trials_to_target(curve: np.ndarray, target: float = TARGET) -> int | None:
    return trials_to_level(curve, target)


def _minimized(points: np.ndarray, directions: Sequence[str]) -> np.ndarray:
    signs = np.array([-1.0 if d == "maximize" else 1.0 for d in directions])
    return np.asarray(points, dtype=float) * signs


def front_2d(points: np.ndarray, directions: Sequence[str]) -> np.ndarray:
    """The non-dominated rows of an (n, 2) array (a sort and one sweep)."""
    low = _minimized(points, directions)
    order = np.lexsort((low[:, 1], low[:, 0]))
    keep, best = [], math.inf
    for i in order:
        if low[i, 1] < best:
            keep.append(i)
            best = low[i, 1]
    return np.asarray(points, dtype=float)[keep]


def hypervolume_curve(
    points: Sequence[Sequence[float]],
    directions: Sequence[str],
    front: Sequence[Sequence[float]],
    reference: Sequence[float],
) -> np.ndarray:
    """1 - HV(first t points) / HV(front), for t = 1..n."""
    total = hypervolume(np.asarray(front), directions, reference) or 1.0
    array = np.asarray(points, dtype=float)
    return np.array(
        [
            1.0 - hypervolume(array[: t + 1], directions, reference) / total
            for t in range(len(array))
        ]
    )


def trials_to_level(curve: np.ndarray, level: float) -> int | None:
    """Trials until a regret curve is at ``level`` or below."""
    hits = np.flatnonzero(np.asarray(curve) <= level + 1e-12)
    return int(hits[0]) + 1 if hits.size else None


def ratio(numerator: int | None, denominator: int | None, budget: int) -> float:
    """A ratio of trial counts, a count that never got there taken as budget + 1 (censored)."""
    top = numerator if numerator is not None else budget + 1
    bottom = denominator if denominator is not None else budget + 1
    return top / bottom if bottom else math.nan
