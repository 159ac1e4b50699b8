"""Trials-to-target, regret and the speed-up at equal quality, from evaluation sequences."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

TARGET = 0.01  # within 1 % normalized regret of the task's best known value


def best_so_far(values: Sequence[float], direction: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return np.maximum.accumulate(array) if direction == "maximize" else np.minimum.accumulate(array)


def regret_curve(values: Sequence[float], direction: str, best: float, worst: float) -> np.ndarray:
    """Normalized regret of the best so far: 0 at the best known value, 1 at the worst."""
    span = abs(best - worst) or 1.0
    return np.abs(best - best_so_far(values, direction)) / span


def trials_to_target(curve: np.ndarray, target: float = TARGET) -> int | None:
    hits = np.flatnonzero(curve <= target + 1e-12)
    return int(hits[0]) + 1 if hits.size else None


def trials_to_reach(values: Sequence[float], direction: str, level: float) -> int | None:
    """Trials until the best so far is at least as good as ``level``."""
    running = best_so_far(values, direction)
    ok = running >= level - 1e-12 if direction == "maximize" else running <= level + 1e-12
    hits = np.flatnonzero(ok)
    return int(hits[0]) + 1 if hits.size else None


def ratio(numerator: int | None, denominator: int | None, budget: int) -> float:
    """A ratio of trial counts, a count that never got there taken as budget + 1 (censored)."""
    top = numerator if numerator is not None else budget + 1
    bottom = denominator if denominator is not None else budget + 1
    return top / bottom if bottom else math.nan
