"""Pareto fronts and feasibility of observed trials (pure: DataFrames in, masks out).

Used by a running Study, by the transfer engine (prior studies' Pareto-optimal configs)
and by the views.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from hpxplore.objectives import Constraint, primary

__all__ = [
    "best",
    "feasible_mask",
    "hypervolume",
    "hypervolume_gains",
    "pareto_front",
    "pareto_mask",
]


def feasible_mask(trials: pd.DataFrame, constraints: Sequence[Constraint]) -> pd.Series:
    """Completed trials whose metrics satisfy every constraint (missing metric: infeasible)."""
    ok = (
        trials.get("status", pd.Series("completed", index=trials.index)) == "completed"
    ).to_numpy()
    for c in constraints:
        column = trials[c.metric] if c.metric in trials else pd.Series(np.nan, index=trials.index)
        ok = ok & c.holds(pd.to_numeric(column, errors="coerce").to_numpy())
    return pd.Series(ok, index=trials.index, dtype=bool)


def best(
    trials: pd.DataFrame,
    objectives: Mapping[str, str],
    constraints: Sequence[Constraint] = (),
    metric: str | None = None,
) -> pd.Series | None:
    """The best feasible completed trial on ``metric`` (default: the first objective), or
    ``None`` when there is none. The one "best" of hpxplore: a Study's, a stored study's,
    an export's and the progress bar's."""
    metric, direction = (
        (metric, objectives.get(metric, "maximize")) if metric else primary(objectives)
    )
    if metric not in trials:
        return None
    done = trials[feasible_mask(trials, constraints)]
    done = done[pd.to_numeric(done[metric], errors="coerce").notna()]
    if done.empty:
        return None
    return done.sort_values(metric, ascending=direction == "minimize", kind="stable").iloc[0]


def pareto_mask(values: np.ndarray, directions: Sequence[str]) -> np.ndarray:
    """Rows of ``values`` (n x m) that no other row dominates, given each column's direction."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return np.zeros(len(values), dtype=bool)
    signs = np.array([1.0 if d == "maximize" else -1.0 for d in directions])
    scores = values * signs  # larger is better in every column
    keep = np.ones(len(scores), dtype=bool)
    for i in range(len(scores)):
        if not keep[i]:
            continue
        dominated = np.all(scores >= scores[i], axis=1) & np.any(scores > scores[i], axis=1)
        if dominated.any():
            keep[i] = False
    return keep


def pareto_front(
    trials: pd.DataFrame, objectives: Mapping[str, str], constraints: Sequence[Constraint] = ()
) -> pd.DataFrame:
    """The feasible, non-dominated completed trials, best on the first objective first."""
    candidates = trials[feasible_mask(trials, constraints)].dropna(subset=list(objectives))
    if candidates.empty:
        return candidates
    mask = pareto_mask(candidates[list(objectives)].to_numpy(), list(objectives.values()))
    first, direction = primary(objectives)
    return candidates[mask].sort_values(first, ascending=direction == "minimize")


def hypervolume(points: np.ndarray, directions: Sequence[str], reference: Sequence[float]) -> float:
    """The volume dominated by ``points`` (n x m) and bounded by ``reference``, any number of
    objectives (exact: slices along the last objective, a sweep in two)."""
    if len(points) == 0:
        return 0.0
    signs = np.array([-1.0 if d == "maximize" else 1.0 for d in directions])  # all minimized
    low = np.atleast_2d(np.asarray(points, dtype=float)) * signs
    ref = np.asarray(reference, dtype=float) * signs
    return _dominated(low[np.all(low < ref, axis=1)], ref)


def hypervolume_gains(
    candidates: np.ndarray,
    points: np.ndarray,
    directions: Sequence[str],
    reference: Sequence[float],
) -> np.ndarray:
    """For each row of ``candidates``: the hypervolume it adds to that of ``points``."""
    before = hypervolume(points, directions, reference)
    points = np.asarray(points, dtype=float).reshape(-1, len(directions))
    return np.array(
        [hypervolume(np.vstack([points, c]), directions, reference) - before for c in candidates]
    )


def _dominated(low: np.ndarray, ref: np.ndarray) -> float:
    """The volume between the (minimized) points ``low``, all below ``ref``, and ``ref``."""
    if len(low) == 0:
        return 0.0
    if low.shape[1] == 1:
        return float(ref[0] - low[:, 0].min())
    if low.shape[1] == 2:
        area, level = 0.0, ref[1]
        for x, y in low[np.lexsort((low[:, 1], low[:, 0]))]:
            if y < level:
                area += (ref[0] - x) * (level - y)
                level = y
        return float(area)
    low = low[np.argsort(low[:, -1], kind="stable")]
    edges = np.append(low[:, -1], ref[-1])
    volume = 0.0
    for i in range(len(low)):
        if edges[i + 1] > edges[i]:
            volume += _dominated(low[: i + 1, :-1], ref[:-1]) * (edges[i + 1] - edges[i])
    return float(volume)
